// SPDX-License-Identifier: BSL-1.0
// JOSE building blocks for the verifiers: strict base64, public keys from JWKs and PEM, and signature
// checks through OpenSSL EVP. No I/O. Thread-safe (a key is immutable once built).
#pragma once

#include <wacht/session_verifier.hpp>

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace wacht::detail {

/// Canonical base64url without padding (§15.3): alphabet A-Z a-z 0-9 - _ only, length % 4 != 1, unused
/// trailing bits zero. Appends to `out`; false (out unspecified) otherwise.
bool base64url_decode(std::string_view text, std::string& out);
/// Decodes into a fixed buffer; the decoded size, or nullopt if invalid or longer than `out`.
std::optional<std::size_t> base64url_decode(std::string_view text, std::span<unsigned char> out) noexcept;
/// Canonical standard base64, padding optional (but if present, exact). False if invalid.
bool base64_decode(std::string_view text, std::string& out);
/// Standard base64 with padding, written to `out` (4 * ceil(n / 3) bytes); returns the length.
std::size_t base64_encode(std::span<const unsigned char> bytes, char* out) noexcept;

/// Parses an algorithm name as the header writes it ("ES256"); nullopt for anything else.
std::optional<jws_algorithm> parse_algorithm(std::string_view name) noexcept;
bool is_hmac(jws_algorithm alg) noexcept;

struct pkey_deleter
{
    void operator()(EVP_PKEY* key) const noexcept;
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

/// A verification key: public (EC or RSA) or an HMAC secret.
struct verification_key
{
    enum class family
    {
        ec_p256,
        ec_p384,
        rsa,
        hmac
    };
    family kind = family::ec_p256;
    std::optional<std::string> kid;
    /// When set, the only algorithm this key verifies (a static key, or a JWK with `alg`).
    std::optional<jws_algorithm> bound_algorithm;
    pkey_ptr public_key;
    std::string secret; // hmac only
};

/// Whether `key` may verify `alg` at all (family, curve, binding), ignoring kids.
bool key_fits(const verification_key& key, jws_algorithm alg) noexcept;

/// Builds a key from one JWK object, or says why it is skipped (§5.5.1, §6.5): wrong kty, crv, use,
/// key_ops, a non-canonical or wrong-length coordinate, a point off the curve, an RSA modulus under
/// 2048 bits, an `alg` that names no supported asymmetric algorithm.
std::optional<verification_key> key_from_jwk(const boost::json::object& jwk, std::string& why);

/// Builds a static key (§5.1). Throws api_error(errc::invalid_argument) for a bad PEM or empty secret.
verification_key key_from_static(const static_key& configured);

/// Checks a JWS signature: `signature` is the decoded third segment. ES*: exactly 64/96 bytes R||S
/// (converted to DER for OpenSSL). HS*: constant-time compare. Precondition: key_fits(key, alg).
bool verify_signature(const verification_key& key, jws_algorithm alg, std::string_view signing_input,
                      std::span<const unsigned char> signature) noexcept;

/// Constant-time equality of two byte strings of the same length (false for different lengths).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

} // namespace wacht::detail
