// SPDX-License-Identifier: BSL-1.0
// Verification of Wacht webhook deliveries (Standard Webhooks v1 signatures). Contract:
// session-tokens-and-webhooks.md §10, §15.9-15.11.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wacht {

namespace detail {
struct webhook_keys;
}

/// Why a delivery was refused (§10.8). Values are stable.
enum class webhook_errc
{
    /// A secret does not decode or is empty (thrown at construction).
    invalid_secret = 1,
    missing_header,        ///< webhook-id, webhook-timestamp or webhook-signature is absent or empty.
    duplicate_header,      ///< webhook-id or webhook-timestamp appears more than once.
    invalid_timestamp,     ///< webhook-timestamp is not Unix seconds (1 to 19 decimal digits).
    timestamp_too_old,     ///< webhook-timestamp is older than tolerance_past.
    timestamp_too_new,     ///< webhook-timestamp is further ahead than tolerance_future.
    no_matching_signature, ///< No `v1,` signature matches any secret.
    body_too_large,        ///< The body is larger than max_body_bytes.
};

/// "no_matching_signature" and so on. Thread-safe.
std::string_view to_string(webhook_errc code) noexcept;

/// The status to answer Wacht with (§10.6, §10.8): 400 for header and timestamp format problems, 401 for
/// stale/future timestamps and bad signatures (Wacht does not retry any 4xx but 408/429), 413 for a
/// large body, 500 for invalid_secret (a configuration error).
int recommended_status(webhook_errc code) noexcept;

/// A refused delivery. The detail names the header at fault; it never contains secrets or signatures.
struct webhook_error
{
    /// Which check refused the delivery.
    webhook_errc code = webhook_errc::no_matching_signature;
    /// Short ASCII text: which check failed and on which header.
    std::string detail;

    /// "<code>: <detail>". Thread-safe.
    std::string message() const;
};

/// Thrown for invalid_secret at construction, and by webhook_result::value().
class webhook_verification_error : public std::runtime_error
{
public:
    /// @param e The refusal; what() is e.message().
    explicit webhook_verification_error(webhook_error e);
    /// The refusal. The reference lives as long as this exception.
    const webhook_error& error() const noexcept { return error_; }

private:
    webhook_error error_;
};

/// The delivery envelope {"type","timestamp","data"} (§10.2).
struct webhook_envelope
{
    /// The event type, for example "user.created".
    std::string type;
    /// RFC 3339 text as sent, for example "2026-06-29T12:00:00.000Z".
    std::string timestamp;
    /// The event's payload, any JSON value.
    boost::json::value data;
};

/// A delivery whose signature verified.
struct verified_webhook
{
    /// webhook-id: stable across Wacht's retries of one delivery, new for a manual replay (§10.5).
    std::string id;
    /// webhook-timestamp, Unix seconds: the trigger time, NOT updated on retries (§10.5).
    std::int64_t timestamp = 0;
    /// The body exactly as received and verified (a copy).
    std::string raw_body;
    /// The parsed envelope when the body is a JSON object with a string type; else parse_error says why.
    std::optional<webhook_envelope> envelope;
    /// Why envelope is empty; "" when it is set.
    std::string parse_error;
};

/// The outcome of webhook_verifier::verify(): a verified delivery or a webhook_error. A plain value;
/// it owns its data (nothing refers to the verified body or headers).
class [[nodiscard]] webhook_result
{
public:
    /// Holds a verified delivery. @param v Moved in.
    webhook_result(verified_webhook v) : state_(std::move(v)) {}
    /// Holds a refusal. @param e Moved in.
    webhook_result(webhook_error e) : state_(std::move(e)) {}

    /// True when this holds a verified delivery.
    bool has_value() const noexcept { return state_.index() == 0; }
    /// has_value().
    explicit operator bool() const noexcept { return has_value(); }
    /// Throws webhook_verification_error when this holds an error.
    const verified_webhook& value() const&;
    /// Moves the delivery out; throws webhook_verification_error when this holds an error.
    verified_webhook&& value() &&;
    /// Member access to the delivery; throws webhook_verification_error when this holds an error.
    const verified_webhook* operator->() const { return &value(); }
    /// Precondition: !has_value().
    const webhook_error& error() const { return std::get<1>(state_); }

private:
    std::variant<verified_webhook, webhook_error> state_;
};

/// One request header field as received; names are matched case-insensitively.
struct webhook_header
{
    /// The field name; must stay valid for the verify() call only.
    std::string_view name;
    /// The field value; must stay valid for the verify() call only.
    std::string_view value;
};

/// Webhook verifier configuration. Copyable value.
struct webhook_options
{
    /// How old webhook-timestamp may be. Wacht keeps the trigger time on every retry (§10.5): attempt 4
    /// comes 390 s after it and later ones up to ~6.8 days after, so the 300 s default refuses them
    /// (a 401, which Wacht does not retry). Widening it to accept retries means deduplicating on
    /// webhook-id for at least as long, since a captured delivery can be replayed that long.
    std::chrono::seconds tolerance_past = std::chrono::seconds(300);
    /// How far ahead of now webhook-timestamp may be.
    std::chrono::seconds tolerance_future = std::chrono::seconds(300);
    /// A larger body is refused with body_too_large before any MAC is computed.
    std::size_t max_body_bytes = 1024 * 1024;
    /// Default: std::chrono::system_clock::now.
    std::function<std::chrono::system_clock::time_point()> clock;
};

/// Verifies deliveries signed with one of several secrets (more than one during a rotation: Wacht
/// switches secrets at once, with no overlap, §10.4).
///
/// Thread-safety: const after construction; verify() may run on any number of threads at once.
class webhook_verifier
{
public:
    /// Secrets as Wacht shows them (`whsec_` + base64; the prefix is optional), decoded once here.
    /// Throws webhook_verification_error(invalid_secret) for an empty list, or a secret that is not
    /// canonical base64 or decodes to nothing. Throws std::invalid_argument for negative tolerances.
    explicit webhook_verifier(std::vector<std::string> secrets, webhook_options options = {});

    /// Verifies the raw body bytes, exactly as received, against the headers (§10.7): body size,
    /// missing headers, duplicate webhook-id/-timestamp, timestamp format and window, then every `v1,`
    /// signature of every webhook-signature field compared in constant time with each secret's MAC.
    /// Never throws except std::bad_alloc.
    webhook_result verify(std::string_view body, std::span<const webhook_header> headers) const;

    /// The same for any header container iterated as fields with name_string() and value() (Beast's
    /// http::fields, for example).
    template <class Fields>
    webhook_result verify_fields(std::string_view body, const Fields& fields) const
    {
        std::vector<webhook_header> headers;
        for (const auto& f : fields)
            headers.push_back({std::string_view(f.name_string().data(), f.name_string().size()),
                               std::string_view(f.value().data(), f.value().size())});
        return verify(body, headers);
    }

private:
    std::shared_ptr<const detail::webhook_keys> keys_; // HMAC contexts keyed once, duplicated per call
    webhook_options options_;
};

} // namespace wacht
