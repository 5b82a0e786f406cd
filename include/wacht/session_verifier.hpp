// SPDX-License-Identifier: BSL-1.0
// Local verification of Wacht session tokens (JWTs) with a per-verifier JWKS cache, and the
// authorization helpers that read a verified session. Contract: session-tokens-and-webhooks.md §1-7, §15.
#pragma once

#include <wacht/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wacht {

/// Why a token was not accepted (§5.9). Values are stable.
enum class token_errc
{
    token_malformed = 1,         ///< Not a compact JWS, too long, or undecodable.
    algorithm_not_allowed,       ///< No alg, or one not allowed by the options or the key.
    unsupported_critical_header, ///< The header has `crit`.
    key_not_found,               ///< No JWKS or static key matches the header's kid and alg.
    signature_invalid,           ///< The signature does not verify.
    issuer_invalid,              ///< `iss` is not the expected issuer.
    token_expired,               ///< `exp` has passed (beyond the leeway).
    token_not_yet_valid,         ///< `nbf` is in the future (beyond the leeway).
    claims_invalid,              ///< A claim has the wrong type, or a required sid is missing.
    not_a_session_token,         ///< No `sub`: not a session token.
    audience_invalid,            ///< `aud` does not name the expected audience.
    /// The key set could not be obtained: an infrastructure failure, not a bad token.
    jwks_unavailable,
    /// An authorization helper (require) refused a verified session.
    forbidden,
    /// No token, or no verified session, where one was required.
    unauthenticated,
};

/// The contract's snake_case name of the code ("token_expired"). Thread-safe.
std::string_view to_string(token_errc code) noexcept;

/// The HTTP status §5.9 recommends: 503 for jwks_unavailable, 403 for forbidden, 401 otherwise.
int recommended_status(token_errc code) noexcept;

/// The WWW-Authenticate value §5.9 recommends for a 401: `Bearer` for unauthenticated and
/// not_a_session_token, `Bearer error="invalid_token"` (with a description for expiry) otherwise.
/// Empty for codes that do not answer 401.
std::string_view www_authenticate(token_errc code) noexcept;

/// A refused token. Never contains the token or any key material.
struct token_error
{
    /// Which check refused the token.
    token_errc code = token_errc::token_malformed;
    /// Short ASCII text: which check failed.
    std::string detail;
    /// The header's kid and alg as seen (empty if absent or unreadable); ASCII-sanitised, at most 64 bytes.
    std::string key_id;
    /// The header's alg as seen; same rules as key_id.
    std::string algorithm;
    /// For jwks_unavailable: the last fetch failure (HTTP status or transport error).
    std::string fetch_error;

    /// "<code>: <detail>[ (kid=..., alg=...)][: <fetch_error>]".
    std::string message() const;
};

/// Thrown by verify_result::value() and by require_or_throw(). what() is token_error::message().
class token_verification_error : public std::runtime_error
{
public:
    /// @param e The refusal; what() is e.message().
    explicit token_verification_error(token_error e);
    /// The refusal. The reference lives as long as this exception.
    const token_error& error() const noexcept { return error_; }

private:
    token_error error_;
};

/// The JWS algorithms Wacht can produce (§1.4).
enum class jws_algorithm
{
    es256,
    es384,
    rs256,
    rs384,
    rs512,
    hs256,
    hs384,
    hs512,
};

/// "ES256" and so on. Thread-safe.
std::string_view to_string(jws_algorithm alg) noexcept;

/// A key configured by hand, bound to exactly one algorithm (§5.1, §15.5): the public key of a JWT
/// template with a custom signing key, or its HMAC secret. Only a static key can enable an HS*
/// algorithm, and then only for itself.
struct static_key
{
    /// The one algorithm this key verifies.
    jws_algorithm algorithm = jws_algorithm::es256;
    /// ES*/RS*: a PEM public key (SPKI, "BEGIN PUBLIC KEY"). HS*: the raw secret bytes, used as they
    /// are (not base64-decoded), never empty.
    std::string material;
    /// When set, the key is a candidate only for tokens whose header kid equals it.
    std::optional<std::string> key_id;

    /// A public key for an ES* or RS* algorithm. Only stores the arguments: the PEM is parsed (and
    /// refused with api_error(errc::invalid_argument)) when the session_verifier is built.
    /// @param alg The key's algorithm. @param pem SPKI PEM text. @param kid Optional key id to match.
    static static_key public_key_pem(jws_algorithm alg, std::string pem, std::optional<std::string> kid = {});
    /// An HMAC secret for an HS* algorithm, used as raw bytes. Only stores the arguments; an empty
    /// secret is refused when the session_verifier is built.
    /// @param alg The key's algorithm. @param raw_bytes The secret. @param kid Optional key id to match.
    static static_key hmac_secret(jws_algorithm alg, std::string raw_bytes,
                                  std::optional<std::string> kid = {});
};

/// The JWKS cache policy (§6). Defaults are the contract's.
struct jwks_cache_policy
{
    /// A fetched key set is fresh this long; afterwards it is served while one background refresh runs.
    std::chrono::milliseconds max_age = std::chrono::minutes(10);
    /// Unknown kids cause at most one refresh per interval (the first fetch and prefetch() count).
    std::chrono::milliseconds min_refresh_interval = std::chrono::seconds(30);
    /// A key set is still served this long after its fetch when refreshes fail (stale-if-error).
    std::chrono::milliseconds max_stale = std::chrono::hours(24);
    /// Backoff after a failed fetch: doubles from initial_backoff up to max_backoff.
    std::chrono::milliseconds initial_backoff = std::chrono::seconds(5);
    /// The longest backoff after repeated failed fetches.
    std::chrono::milliseconds max_backoff = std::chrono::minutes(5);
    /// The whole fetch, connect to last body byte.
    std::chrono::milliseconds fetch_timeout = std::chrono::seconds(5);
    /// A document with more keys is refused (a failed fetch).
    std::size_t max_keys = 100;
    /// A larger body is refused (a failed fetch).
    std::size_t max_body_bytes = 1024 * 1024;
};

/// The wall clock the verifiers read: token times and cache ages. Injectable for tests.
using verifier_clock = std::function<std::chrono::system_clock::time_point()>;

/// Session verifier configuration. Copyable value; validated when the verifier is built.
struct session_verifier_options
{
    /// `pk_test_...` or `pk_live_...` (§1.2). Either this or frontend_api_url is required.
    std::string publishable_key;
    /// The Frontend API origin, `https://host[:port]`, used instead of a publishable key.
    std::string frontend_api_url;
    /// Accept an http:// origin (local emulators only).
    bool allow_insecure_http = false;
    /// Expected `iss`; default: the origin. Exact string match.
    std::string issuer;
    /// Asymmetric algorithms accepted with JWKS or static public keys. HS* may not be listed: an HMAC
    /// algorithm is enabled only by a static_key bound to it.
    std::vector<jws_algorithm> allowed_algorithms = {jws_algorithm::es256, jws_algorithm::es384,
                                                     jws_algorithm::rs256, jws_algorithm::rs384,
                                                     jws_algorithm::rs512};
    /// Keys configured by hand, tried besides (or, without use_jwks, instead of) the JWKS.
    std::vector<static_key> static_keys;
    /// Fetch the origin's /.well-known/jwks.json. Off: only static keys verify.
    bool use_jwks = true;
    /// Clock skew tolerated when checking exp and nbf.
    std::chrono::seconds leeway = std::chrono::seconds(5);
    /// Refuse tokens without `sid`/`sess` (claims_invalid).
    bool require_sid = false;
    /// When set, `aud` must equal it or contain it.
    std::optional<std::string> audience;
    /// Longer tokens are token_malformed without being decoded.
    std::size_t max_token_bytes = 16 * 1024;
    /// How the JWKS is cached and refreshed.
    jwks_cache_policy jwks;
    /// Trust for the JWKS fetch (the CA of a local emulator, for example).
    tls_options tls;
    /// Default: std::chrono::system_clock::now.
    verifier_clock clock;
    /// Log sink for skipped JWKs, fetch failures and ID claims of the wrong type. Never sees tokens.
    log_function logger;

    /// Options with publishable_key from WACHT_PUBLISHABLE_KEY and tls.ca_file from WACHT_CA_FILE.
    /// Reads the environment; call it before starting threads that modify it.
    static session_verifier_options from_env();
};

/// What a publishable key encodes (§1.2, §1.3, §8.3).
struct frontend_api
{
    /// `scheme://host[:port]`, no trailing slash.
    std::string origin;
    /// pk_test_ (staging) or pk_live_ (production); false for an explicit origin.
    bool test_mode = false;
    /// The origin's `/.well-known/jwks.json`.
    std::string jwks_url;
    /// The `__auth_<scope>` cookie's scope: the host, lower-cased, runs of [^a-z0-9] as `_`.
    std::string cookie_scope;
};

/// Decodes a publishable key. Throws api_error(errc::invalid_argument) for anything §1.2 refuses; the
/// detail never repeats the key. Pure; thread-safe.
frontend_api parse_publishable_key(std::string_view key, bool allow_insecure_http = false);
/// The same for an explicit origin (`https://host[:port]`, an optional trailing slash).
frontend_api parse_frontend_origin(std::string_view url, bool allow_insecure_http = false);

/// Which permission list a check reads. `either` must be asked for; it is never implied.
enum class permission_scope
{
    organization,
    workspace,
    either,
};

/// A verified session token (§5.8). A plain value.
struct verified_session
{
    /// The `sub` claim: the user's id.
    std::string user_id;
    /// The `sid` (or `sess`) claim, when present.
    std::optional<std::string> session_id;
    /// The active organization's id, when present.
    std::optional<std::string> organization_id;
    /// The active workspace's id, when present.
    std::optional<std::string> workspace_id;
    /// The permissions in the active organization.
    std::vector<std::string> organization_permissions;
    /// The permissions in the active workspace.
    std::vector<std::string> workspace_permissions;
    /// Seconds since the epoch, as the token wrote them (a JSON number may have a fraction).
    double expires_at = 0;
    /// The `iat` claim, seconds since the epoch, when present.
    std::optional<double> issued_at;
    /// The `nbf` claim, seconds since the epoch, when present.
    std::optional<double> not_before;
    /// The `iss` claim (it equalled the expected issuer).
    std::string issuer;
    /// The algorithm the token was verified with.
    jws_algorithm algorithm = jws_algorithm::es256;
    /// The header's kid, when present.
    std::optional<std::string> key_id;
    /// The whole payload, for custom claims. Its storage is one monotonic block made for it (shared by
    /// its copies, freed with the last): members it gains later are not freed before then, so copy it
    /// into a default-storage object (`boost::json::object(raw_claims, {})`) to keep editing it.
    boost::json::object raw_claims;

    /// Whether `name` is in the scope's list. Throws std::invalid_argument for an empty name.
    bool has_permission(permission_scope scope, std::string_view name) const;
    /// Whether every name is (in the scope). Throws std::invalid_argument for an empty list or name.
    bool has_all(permission_scope scope, std::initializer_list<std::string_view> names) const;
    /// Whether every name is (in the scope). Throws std::invalid_argument for an empty list or name.
    bool has_all(permission_scope scope, std::span<const std::string> names) const;
    /// Whether at least one name is. Throws std::invalid_argument for an empty list or name.
    bool has_any(permission_scope scope, std::initializer_list<std::string_view> names) const;
    /// Whether at least one name is. Throws std::invalid_argument for an empty list or name.
    bool has_any(permission_scope scope, std::span<const std::string> names) const;
};

/// What a route requires of its caller (§7.3). Empty members are not checked.
struct access_requirement
{
    /// Which permission list all_of and any_of are checked against.
    permission_scope scope = permission_scope::organization;
    /// Every one of these (AND).
    std::vector<std::string> all_of;
    /// At least one of these, when not empty (OR).
    std::vector<std::string> any_of;
    /// The active organization/workspace must be exactly this id (compared as strings).
    std::optional<std::string> organization_id;
    /// The active workspace must be exactly this id (compared as strings).
    std::optional<std::string> workspace_id;
};

/// nullopt when `session` meets `requirement`; else `unauthenticated` (no session) or `forbidden`.
/// Throws std::invalid_argument for an empty permission name or an empty required id. Pure.
std::optional<token_error> require(const verified_session* session, const access_requirement& requirement);

/// The outcome of a verification: a session or a token_error. A plain value.
class [[nodiscard]] verify_result
{
public:
    /// Holds `unauthenticated`. Exists because asio::co_spawn needs default-constructible results.
    verify_result()
        : state_(std::in_place_index<1>, token_error{token_errc::unauthenticated, "nothing verified"})
    {}
    /// Holds a verified session. @param session Moved in.
    verify_result(verified_session session) : state_(std::move(session)) {}
    /// Holds a refusal. @param error Moved in.
    verify_result(token_error error) : state_(std::move(error)) {}

    /// True when this holds a verified session.
    bool has_value() const noexcept { return state_.index() == 0; }
    /// has_value().
    explicit operator bool() const noexcept { return has_value(); }
    /// Throws token_verification_error when this holds an error.
    const verified_session& value() const&;
    /// Moves the session out; throws token_verification_error when this holds an error.
    verified_session&& value() &&;
    /// Member access to the session; throws token_verification_error when this holds an error.
    const verified_session* operator->() const { return &value(); }
    /// Precondition: !has_value().
    const token_error& error() const { return std::get<1>(state_); }

private:
    std::variant<verified_session, token_error> state_;
};

/// The token in an Authorization header value (§5.2): scheme `Bearer` in any case, one or more spaces,
/// the token trimmed. nullopt when there is none (unauthenticated, not an error). Pure.
std::optional<std::string_view> token_from_authorization(std::string_view header_value) noexcept;

/// The URL-decoded value of the `__auth_<scope>` cookie in a Cookie header value, or nullopt. Opt-in:
/// call it only if the deployment's browsers send that cookie (§8.3). Pure.
std::optional<std::string> token_from_cookie(std::string_view cookie_header, std::string_view cookie_scope);

/// The JWKS cache's counters (§6.6). A snapshot.
struct jwks_stats
{
    /// JWKS fetches started.
    std::uint64_t fetches = 0;
    /// Fetches that failed.
    std::uint64_t failures = 0;
    /// Keys in the last key set fetched successfully.
    std::uint64_t keys_loaded = 0;
    /// Fetches started because a token's kid was unknown.
    std::uint64_t unknown_kid_refreshes = 0;
    /// Refreshes for an unknown kid refused by min_refresh_interval or the backoff.
    std::uint64_t suppressed_refreshes = 0;
    /// When the last successful fetch completed (the verifier's clock).
    std::optional<std::chrono::system_clock::time_point> last_success;
    /// The last fetch failure; empty when none failed.
    std::string last_error;
};

namespace detail {
struct session_verifier_state;
}

/// Verifies session tokens of one deployment (§5) against its JWKS (§6) and static keys.
///
/// Thread-safety: every member function may be called from any thread at once. The key set is
/// swapped atomically, so verifications never wait on each other; only a cold or stale cache takes a
/// short lock to decide about a fetch. Copies share one cache. The JWKS is fetched over HTTPS on
/// `executor` with the SDK's transport (a pool of its own for the Frontend API origin; no
/// Authorization header, no redirects followed, fetch_timeout for the whole fetch); the io_context
/// behind the executor must run for fetches to happen, and must outlive every verifier copy's work.
class session_verifier
{
public:
    /// Throws api_error(errc::invalid_argument) for invalid options: no or bad publishable key/origin,
    /// an HS* algorithm in allowed_algorithms, a static key that does not parse, an empty HMAC secret.
    session_verifier(boost::asio::any_io_executor executor, session_verifier_options options);

    /// Verifies with the key set at hand, without waiting for the network. A stale set is used and a
    /// background refresh started; a cold cache gives jwks_unavailable and an unknown kid gives
    /// key_not_found, each after starting the refresh the policy allows (so a later call may pass).
    /// Allocates only the result. Never throws.
    verify_result verify(std::string_view token) const;

    /// `token` must stay valid until the awaitable completes.
    /// Verifies, waiting for the JWKS when no usable copy exists or the kid is unknown and a refresh is
    /// allowed (single flight: concurrent callers share one fetch). Completes on the caller's executor.
    /// Never throws except on cancellation (then the shared fetch goes on for the others).
    boost::asio::awaitable<verify_result> verify_async(std::string_view token) const;

    /// Fetches the JWKS now (joins a fetch in flight). Returns the failure, if any ("" on success), and
    /// never throws it. Cancellation ends the wait only (as for verify_async); the fetch goes on.
    /// Thread-safe; without use_jwks it returns "" at once.
    boost::asio::awaitable<std::string> prefetch() const;
    /// Drops the key set; the next verification fetches. Thread-safe; a verification already holding
    /// the old set finishes with it.
    void invalidate() const;

    /// A snapshot of the cache's counters, taken under the cache's lock. Thread-safe.
    jwks_stats stats() const;
    /// The origin decoded from the options. Thread-safe; the reference lives as long as any copy of
    /// this verifier.
    const frontend_api& frontend() const noexcept;
    /// The expected `iss`. Thread-safe; the reference lives as long as any copy of this verifier.
    const std::string& issuer() const noexcept;

private:
    std::shared_ptr<detail::session_verifier_state> state_;
};

} // namespace wacht
