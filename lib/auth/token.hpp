// SPDX-License-Identifier: BSL-1.0
// Session-token checks that need no key set: structure and header (§5.3, §5.4), and claims (§5.7,
// §5.8). Pure functions; thread-safe.
#pragma once

#include "auth/jose.hpp"

#include <wacht/session_verifier.hpp>

#include <boost/json/value.hpp>

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace wacht::detail {

/// A token that passed §5.3 and §5.4. Views point into the token text; it must outlive this.
struct parsed_token
{
    std::string_view signing_input; // header "." payload, as received
    std::string_view payload_segment;
    jws_algorithm algorithm = jws_algorithm::es256;
    std::optional<std::string> kid;
    std::array<unsigned char, 1024> signature{}; // RSA up to 8192 bits
    std::size_t signature_size = 0;
    /// The payload, parsed (an object) into a storage of its own that the result's raw_claims keeps;
    /// its claims are read only after the signature check.
    std::optional<boost::json::value> claims;
};

/// What the header check needs from the configuration.
struct header_policy
{
    std::size_t max_token_bytes = 16 * 1024;
    /// The algorithms a token may name: the allowed asymmetric ones and those of static keys.
    std::array<bool, 8> allowed{};
};

/// Structure and header. On failure: the error (token_malformed, algorithm_not_allowed,
/// unsupported_critical_header), with the kid/alg seen when they were read.
std::variant<parsed_token, token_error> parse_token(std::string_view token, const header_policy& policy);

/// What the claim check needs from the configuration.
struct claim_policy
{
    std::string issuer;
    std::int64_t leeway_seconds = 5;
    bool require_sid = false;
    std::optional<std::string> audience;
};

/// Claims, after a valid signature: the verified session or the claim error. `now` in seconds.
/// `note` receives a line for each ID claim dropped for its type (for the log).
verify_result check_claims(parsed_token& token, const claim_policy& policy, std::int64_t now,
                           const std::function<void(std::string_view)>& note);

/// The number of members of the top-level object in valid JSON text (duplicates counted), to detect
/// duplicate names the DOM parser folds together.
std::size_t top_level_member_count(std::string_view json) noexcept;

/// A token_error with the header's kid/alg attached.
token_error make_token_error(token_errc code, std::string detail, const parsed_token* token = nullptr);

} // namespace wacht::detail
