// SPDX-License-Identifier: BSL-1.0
// The session verifier: configuration, the key set swapped atomically, and the JWKS fetch over the SDK's
// own transport, shared by concurrent callers (single flight). The decisions live in jwks_cache_logic.
#include "auth/jose.hpp"
#include "auth/jwks_cache.hpp"
#include "auth/token.hpp"
#include "detail/client_impl.hpp"
#include "detail/encoding.hpp"

#include <wacht/error.hpp>
#include <wacht/session_verifier.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>

namespace wacht {
namespace asio = boost::asio;

namespace {

[[noreturn]] void invalid(std::string what)
{
    throw api_error(wacht::error{errc::invalid_argument, {.detail = std::move(what)}});
}

std::string_view trim(std::string_view s) noexcept
{
    const auto space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    };
    while (!s.empty() && space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && space(s.back()))
        s.remove_suffix(1);
    return s;
}

char lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string cookie_scope_of(std::string_view host_port)
{
    std::string scope;
    bool run = false;
    for (char c : host_port) {
        c = lower(c);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            scope += c;
            run = false;
        } else if (!run) {
            scope += '_';
            run = true;
        }
    }
    while (!scope.empty() && scope.front() == '_')
        scope.erase(scope.begin());
    while (!scope.empty() && scope.back() == '_')
        scope.pop_back();
    if (scope.size() > 64)
        scope.resize(64);
    return scope.empty() ? "default" : scope;
}

} // namespace

frontend_api parse_frontend_origin(std::string_view url, bool allow_insecure_http)
{
    std::string_view rest = url;
    std::string scheme;
    if (rest.size() >= 8 && std::equal(rest.begin(), rest.begin() + 8, "https://",
                                       [](char a, char b) { return lower(a) == b; })) {
        scheme = "https";
        rest.remove_prefix(8);
    } else if (rest.size() >= 7 && std::equal(rest.begin(), rest.begin() + 7, "http://",
                                              [](char a, char b) { return lower(a) == b; })) {
        scheme = "http";
        rest.remove_prefix(7);
    } else {
        invalid("the Frontend API URL is not an absolute http(s) URL");
    }
    if (scheme == "http" && !allow_insecure_http)
        invalid("the Frontend API URL is http://; allow_insecure_http is off");
    const auto end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    // A path, query or fragment is dropped: the origin is what matters.
    if (authority.empty() || authority.find_first_of("@ \\") != std::string_view::npos ||
        detail::has_control_char(authority))
        invalid("the Frontend API URL has no valid host");
    std::string host_port;
    for (char c : authority)
        host_port += lower(c);
    const std::string default_port = scheme == "https" ? ":443" : ":80";
    if (host_port.ends_with(default_port))
        host_port.resize(host_port.size() - default_port.size());
    if (host_port.empty() || host_port.front() == ':')
        invalid("the Frontend API URL has no valid host");
    if (const auto colon = host_port.rfind(':'); colon != std::string::npos && host_port.back() != ']') {
        const auto port = std::string_view(host_port).substr(colon + 1);
        if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos || port.size() > 5)
            invalid("the Frontend API URL has an invalid port");
    }
    frontend_api api;
    api.origin = scheme + "://" + host_port;
    api.jwks_url = api.origin + "/.well-known/jwks.json";
    api.cookie_scope = cookie_scope_of(host_port);
    return api;
}

frontend_api parse_publishable_key(std::string_view key, bool allow_insecure_http)
{
    key = trim(key);
    bool test = false;
    if (key.starts_with("pk_test_"))
        test = true;
    else if (!key.starts_with("pk_live_"))
        invalid("the publishable key must start with pk_test_ or pk_live_");
    const auto encoded = key.substr(8);
    if (encoded.empty())
        invalid("the publishable key has nothing after its prefix");
    std::string decoded;
    if (!detail::base64_decode(encoded, decoded)) {
        // A URL-safe encoding (some tools write one); standard is tried first since '/' is valid there.
        decoded.clear();
        auto unpadded = encoded;
        while (unpadded.ends_with('='))
            unpadded.remove_suffix(1);
        if (!detail::base64url_decode(unpadded, decoded))
            invalid("the publishable key is not base64");
    }
    if (!detail::is_valid_utf8(decoded))
        invalid("the publishable key does not decode to UTF-8 text");
    auto api = parse_frontend_origin(decoded, allow_insecure_http);
    api.test_mode = test;
    return api;
}

std::optional<std::string_view> token_from_authorization(std::string_view value) noexcept
{
    value = trim(value);
    constexpr std::string_view scheme = "bearer";
    if (value.size() <= scheme.size() || value[scheme.size()] != ' ')
        return std::nullopt;
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (lower(value[i]) != scheme[i])
            return std::nullopt;
    const auto token = trim(value.substr(scheme.size()));
    if (token.empty())
        return std::nullopt;
    return token;
}

std::optional<std::string> token_from_cookie(std::string_view header, std::string_view cookie_scope)
{
    const std::string name = "__auth_" + std::string(cookie_scope);
    while (!header.empty()) {
        const auto semi = header.find(';');
        const auto pair = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name)
            continue;
        auto value = trim(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        std::string out;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (value[i] != '%') {
                out += value[i];
                continue;
            }
            int v = 0;
            for (int k = 1; k <= 2; ++k) {
                const char c = i + k < value.size() ? value[i + k] : '\0';
                const int d = (c >= '0' && c <= '9')                 ? c - '0'
                              : (lower(c) >= 'a' && lower(c) <= 'f') ? lower(c) - 'a' + 10
                                                                     : -1;
                if (d < 0)
                    return std::nullopt;
                v = v * 16 + d;
            }
            out += static_cast<char>(v);
            i += 2;
        }
        if (out.empty())
            return std::nullopt;
        return out;
    }
    return std::nullopt;
}

std::string_view to_string(token_errc code) noexcept
{
    switch (code) {
    case token_errc::token_malformed:
        return "token_malformed";
    case token_errc::algorithm_not_allowed:
        return "algorithm_not_allowed";
    case token_errc::unsupported_critical_header:
        return "unsupported_critical_header";
    case token_errc::key_not_found:
        return "key_not_found";
    case token_errc::signature_invalid:
        return "signature_invalid";
    case token_errc::issuer_invalid:
        return "issuer_invalid";
    case token_errc::token_expired:
        return "token_expired";
    case token_errc::token_not_yet_valid:
        return "token_not_yet_valid";
    case token_errc::claims_invalid:
        return "claims_invalid";
    case token_errc::not_a_session_token:
        return "not_a_session_token";
    case token_errc::audience_invalid:
        return "audience_invalid";
    case token_errc::jwks_unavailable:
        return "jwks_unavailable";
    case token_errc::forbidden:
        return "forbidden";
    case token_errc::unauthenticated:
        return "unauthenticated";
    }
    return "unknown";
}

int recommended_status(token_errc code) noexcept
{
    switch (code) {
    case token_errc::jwks_unavailable:
        return 503;
    case token_errc::forbidden:
        return 403;
    default:
        return 401;
    }
}

std::string_view www_authenticate(token_errc code) noexcept
{
    switch (code) {
    case token_errc::jwks_unavailable:
    case token_errc::forbidden:
        return {};
    case token_errc::unauthenticated:
    case token_errc::not_a_session_token:
        return "Bearer";
    case token_errc::token_expired:
        return "Bearer error=\"invalid_token\", error_description=\"token expired\"";
    default:
        return "Bearer error=\"invalid_token\"";
    }
}

std::string_view to_string(jws_algorithm alg) noexcept
{
    static constexpr std::string_view names[] = {"ES256", "ES384", "RS256", "RS384",
                                                 "RS512", "HS256", "HS384", "HS512"};
    return names[static_cast<std::size_t>(alg)];
}

std::string token_error::message() const
{
    std::string m(to_string(code));
    m += ": ";
    m += detail;
    if (!key_id.empty() || !algorithm.empty())
        m += " (kid=" + key_id + ", alg=" + algorithm + ")";
    if (!fetch_error.empty())
        m += ": " + fetch_error;
    return m;
}

token_verification_error::token_verification_error(token_error e)
    : std::runtime_error(e.message()), error_(std::move(e))
{}

const verified_session& verify_result::value() const&
{
    if (!has_value())
        throw token_verification_error(error());
    return std::get<0>(state_);
}

verified_session&& verify_result::value() &&
{
    if (!has_value())
        throw token_verification_error(error());
    return std::get<0>(std::move(state_));
}

static_key static_key::public_key_pem(jws_algorithm alg, std::string pem, std::optional<std::string> kid)
{
    return {alg, std::move(pem), std::move(kid)};
}

static_key static_key::hmac_secret(jws_algorithm alg, std::string raw_bytes, std::optional<std::string> kid)
{
    return {alg, std::move(raw_bytes), std::move(kid)};
}

session_verifier_options session_verifier_options::from_env()
{
    session_verifier_options options;
    if (const char* key = std::getenv("WACHT_PUBLISHABLE_KEY"))
        options.publishable_key = key;
    if (const char* ca = std::getenv("WACHT_CA_FILE"); ca && *ca)
        options.tls.ca_file = ca;
    return options;
}

// ---- authorization helpers (§7.3)

namespace {

void check_name(std::string_view name)
{
    if (name.empty())
        throw std::invalid_argument("permission names must not be empty");
}

bool holds(const verified_session& s, permission_scope scope, std::string_view name)
{
    check_name(name);
    const auto in = [&](const std::vector<std::string>& list) {
        return std::find(list.begin(), list.end(), name) != list.end();
    };
    switch (scope) {
    case permission_scope::organization:
        return in(s.organization_permissions);
    case permission_scope::workspace:
        return in(s.workspace_permissions);
    case permission_scope::either:
        return in(s.organization_permissions) || in(s.workspace_permissions);
    }
    return false;
}

template <class Range>
bool all_of(const verified_session& s, permission_scope scope, const Range& names)
{
    if (names.size() == 0)
        throw std::invalid_argument("a permission list must not be empty");
    bool all = true;
    for (const auto& n : names)
        all = holds(s, scope, n) && all; // every name is validated
    return all;
}

template <class Range>
bool any_of(const verified_session& s, permission_scope scope, const Range& names)
{
    if (names.size() == 0)
        throw std::invalid_argument("a permission list must not be empty");
    bool any = false;
    for (const auto& n : names)
        any = holds(s, scope, n) || any;
    return any;
}

} // namespace

bool verified_session::has_permission(permission_scope scope, std::string_view name) const
{
    return holds(*this, scope, name);
}
bool verified_session::has_all(permission_scope scope, std::initializer_list<std::string_view> names) const
{
    return all_of(*this, scope, names);
}
bool verified_session::has_all(permission_scope scope, std::span<const std::string> names) const
{
    return all_of(*this, scope, names);
}
bool verified_session::has_any(permission_scope scope, std::initializer_list<std::string_view> names) const
{
    return any_of(*this, scope, names);
}
bool verified_session::has_any(permission_scope scope, std::span<const std::string> names) const
{
    return any_of(*this, scope, names);
}

std::optional<token_error> require(const verified_session* session, const access_requirement& r)
{
    for (const auto& n : r.all_of)
        check_name(n);
    for (const auto& n : r.any_of)
        check_name(n);
    if ((r.organization_id && r.organization_id->empty()) || (r.workspace_id && r.workspace_id->empty()))
        throw std::invalid_argument("a required organization or workspace id must not be empty");
    if (!session)
        return token_error{token_errc::unauthenticated, "no verified session"};
    const auto forbidden = [](std::string detail) {
        return token_error{token_errc::forbidden, std::move(detail)};
    };
    if (r.organization_id && session->organization_id != r.organization_id)
        return forbidden("the active organization is not the required one");
    if (r.workspace_id && session->workspace_id != r.workspace_id)
        return forbidden("the active workspace is not the required one");
    if (!r.all_of.empty() && !session->has_all(r.scope, std::span<const std::string>(r.all_of)))
        return forbidden("a required permission is missing");
    if (!r.any_of.empty() && !session->has_any(r.scope, std::span<const std::string>(r.any_of)))
        return forbidden("none of the accepted permissions is held");
    return std::nullopt;
}

// ---- the verifier

namespace detail {

struct key_set
{
    std::vector<verification_key> keys;
    std::chrono::system_clock::time_point fresh_until;
    std::chrono::system_clock::time_point usable_until;
};

// One fetch in flight: callers wait for it, each resuming on its own executor. A closed concurrent channel
// wakes every receiver, those waiting and those that come later, through Asio's own operation
// machinery (a hand-rolled handler list raced with the initiating thread on a multi-threaded io_context).
class flight
{
public:
    explicit flight(const asio::any_io_executor& executor) : channel_(executor) {}

    asio::awaitable<void> wait() { co_await channel_.async_receive(asio::as_tuple(asio::use_awaitable)); }

    void complete() { channel_.close(); }

private:
    asio::experimental::concurrent_channel<void(boost::system::error_code)> channel_;
};

struct session_verifier_state : std::enable_shared_from_this<session_verifier_state>
{
    session_verifier_state(asio::any_io_executor ex, session_verifier_options opts)
        : executor(std::move(ex)), options(std::move(opts)), logic(options.jwks)
    {}

    asio::any_io_executor executor;
    session_verifier_options options;
    frontend_api api;
    header_policy headers;
    claim_policy claims;
    std::vector<verification_key> static_keys;
    std::unique_ptr<client_impl> http; // the Frontend API origin, anonymous
    // The key set, replaced whole by publish(). `keys_version` counts the replacements: the warm path
    // reads only it (a line that only writers change) and its thread's snapshot, never `keys` itself,
    // whose load takes a lock bit and a reference that every thread would pass back and forth.
    std::atomic<std::shared_ptr<const key_set>> keys;
    std::atomic<std::uint64_t> keys_version{0};
    const std::uint64_t id = next_id.fetch_add(1, std::memory_order_relaxed); // never reused
    static inline std::atomic<std::uint64_t> next_id{1};

    std::mutex mutex; // guards logic and current
    jwks_cache_logic logic;
    std::shared_ptr<flight> current;

    std::chrono::system_clock::time_point now() const
    {
        return options.clock ? options.clock() : std::chrono::system_clock::now();
    }

    void log(log_level level, std::string_view line) const
    {
        if (options.logger)
            options.logger(level, line);
    }

    // Starts a fetch; the caller holds `mutex`.
    std::shared_ptr<flight> start_fetch_locked(std::chrono::system_clock::time_point at, bool unknown_kid)
    {
        logic.fetch_started(at, unknown_kid);
        current = std::make_shared<flight>(executor);
        asio::co_spawn(executor, fetch(shared_from_this(), current), asio::detached);
        return current;
    }

    static asio::awaitable<void> fetch(std::shared_ptr<session_verifier_state> self,
                                       std::shared_ptr<flight> f)
    {
        std::string error;
        std::shared_ptr<key_set> loaded;
        try {
            request_spec spec;
            spec.method = http_method::get;
            spec.target = "/.well-known/jwks.json";
            spec.idempotent = true;
            const auto deadline = std::chrono::steady_clock::now() + self->options.jwks.fetch_timeout;
            const auto outcome = co_await self->http->transport->exchange(spec, random_hex(8), deadline,
                                                                          nullptr, false, nullptr);
            if (outcome.code)
                error = "transport: " + outcome.code.message() +
                        (outcome.detail.empty() ? "" : " (" + outcome.detail + ")");
            else if (outcome.status != 200)
                error = "HTTP " + std::to_string(outcome.status) + " (redirects are not followed)";
            else
                loaded = self->parse_document(outcome.body, error);
        } catch (const std::exception& e) {
            error = std::string("fetch failed: ") + e.what();
        }
        if (!error.empty()) {
            loaded.reset();
            self->log(log_level::error, "JWKS fetch from " + self->api.jwks_url + " failed: " + error);
        }
        {
            std::lock_guard lock(self->mutex);
            const auto at = self->now();
            if (loaded) {
                loaded->fresh_until = at + self->options.jwks.max_age;
                loaded->usable_until = at + self->options.jwks.max_stale;
                self->logic.fetch_succeeded(at, loaded->keys.size());
                self->publish(std::move(loaded));
            } else {
                self->logic.fetch_failed(at, error);
            }
            if (self->current == f)
                self->current.reset();
        }
        f->complete();
    }

    std::shared_ptr<key_set> parse_document(const std::string& body, std::string& error) const
    {
        std::error_code ec;
        boost::json::parse_options opts;
        opts.max_depth = 64;
        const auto doc = boost::json::parse(body, ec, {}, opts);
        const auto* keys_value = !ec && doc.is_object() ? doc.get_object().if_contains("keys") : nullptr;
        if (!keys_value || !keys_value->is_array()) {
            error = "the body is not a JSON object with a keys array";
            return nullptr;
        }
        const auto& list = keys_value->get_array();
        if (list.size() > options.jwks.max_keys) {
            error = "the document has " + std::to_string(list.size()) + " keys, more than max_keys";
            return nullptr;
        }
        auto set = std::make_shared<key_set>();
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string why = "not an object";
            std::optional<verification_key> key;
            if (const auto* o = list[i].if_object())
                key = key_from_jwk(*o, why);
            if (key)
                set->keys.push_back(std::move(*key));
            else
                log(log_level::warning, "JWK " + std::to_string(i) + " skipped: " + why);
        }
        return set;
    }

    void publish(std::shared_ptr<const key_set> set)
    {
        keys.store(std::move(set), std::memory_order_release);
        keys_version.fetch_add(1, std::memory_order_release);
    }

    // The key set as this thread last loaded it, reloaded when a fetch or invalidate() replaced it. The
    // pointer stays valid until this thread calls current_keys() again (for up to four verifiers a
    // thread serves at once; a thread's snapshot may keep a replaced set alive until then).
    const key_set* current_keys() const
    {
        struct snapshot
        {
            std::uint64_t owner = 0;
            std::uint64_t version = 0;
            std::shared_ptr<const key_set> set;
        };
        thread_local std::array<snapshot, 4> snapshots;
        thread_local std::size_t next = 0;
        const auto version = keys_version.load(std::memory_order_acquire);
        snapshot* slot = nullptr;
        for (auto& s : snapshots)
            if (s.owner == id)
                slot = &s;
        if (slot && slot->version == version)
            return slot->set.get();
        if (!slot) {
            slot = &snapshots[next++ % snapshots.size()];
            slot->owner = id;
        }
        // Loaded after the version: a replacement in between is seen again at the next call.
        slot->set = keys.load(std::memory_order_acquire);
        slot->version = version;
        return slot->set.get();
    }

    // The usable key set for a verification, starting the refresh the policy allows. `wait`: whether
    // the caller may wait for a fetch (then the flight to wait for is returned).
    std::shared_ptr<const key_set> keys_for(std::chrono::system_clock::time_point at,
                                            std::shared_ptr<flight>& wait_for)
    {
        auto set = keys.load(std::memory_order_acquire);
        if (set && at < set->fresh_until)
            return set; // the warm path: no lock
        std::lock_guard lock(mutex);
        const auto d = logic.decide(at, jwks_cache_logic::need::keys);
        if (d.start_fetch)
            start_fetch_locked(at, false);
        if (d.wait)
            wait_for = current;
        set = keys.load(std::memory_order_acquire);
        return set && at <= set->usable_until ? set : nullptr;
    }

    // Asks for a refresh because of an unknown kid; returns the flight to wait for, if any.
    std::shared_ptr<flight> refresh_for_unknown_kid(std::chrono::system_clock::time_point at)
    {
        std::lock_guard lock(mutex);
        const auto d = logic.decide(at, jwks_cache_logic::need::unknown_kid);
        if (d.start_fetch)
            return start_fetch_locked(at, true);
        return d.wait ? current : nullptr;
    }

    token_error unavailable(const parsed_token& token)
    {
        auto e = make_token_error(token_errc::jwks_unavailable, "the JWKS could not be obtained", &token);
        std::lock_guard lock(mutex);
        e.fetch_error =
            logic.stats().last_error.empty() ? "no fetch has completed" : logic.stats().last_error;
        return e;
    }

    // One pass over the candidates (§5.5): verified, a candidate failed, or none.
    enum class key_outcome
    {
        verified,
        signature_failed,
        no_candidate
    };

    // A JWK must carry the token's kid when the token names one; a static key with a kid serves only
    // tokens naming it, one without serves every token of its algorithm (§15.5).
    key_outcome try_keys(const parsed_token& token, const std::vector<verification_key>& candidates,
                         bool configured, int& tried) const
    {
        bool any = false;
        for (const auto& key : candidates) {
            const bool kid_ok =
                configured ? (!key.kid || key.kid == token.kid) : (!token.kid || key.kid == token.kid);
            if (!kid_ok || !key_fits(key, token.algorithm))
                continue;
            if (tried >= 4)
                break;
            any = true;
            ++tried;
            if (verify_signature(
                    key, token.algorithm, token.signing_input,
                    std::span<const unsigned char>(token.signature.data(), token.signature_size)))
                return key_outcome::verified;
        }
        return any ? key_outcome::signature_failed : key_outcome::no_candidate;
    }

    struct step
    {
        std::optional<verify_result> done;
        bool want_keys = false;
        bool want_refresh = false;
        token_errc fallback = token_errc::key_not_found;
    };

    step evaluate(parsed_token& token, const key_set* set, std::chrono::system_clock::time_point at) const
    {
        step s;
        int tried = 0;
        const auto statics = try_keys(token, static_keys, true, tried);
        if (statics == key_outcome::verified) {
            s.done = finish(token, at);
            return s;
        }
        if (!options.use_jwks || is_hmac(token.algorithm)) {
            s.done = make_token_error(statics == key_outcome::signature_failed ? token_errc::signature_invalid
                                                                               : token_errc::key_not_found,
                                      statics == key_outcome::signature_failed ? "signature does not verify"
                                                                               : "no key for the token",
                                      &token);
            return s;
        }
        if (!set) {
            s.want_keys = true;
            return s;
        }
        const auto fetched = try_keys(token, set->keys, false, tried);
        if (fetched == key_outcome::verified) {
            s.done = finish(token, at);
            return s;
        }
        if (fetched == key_outcome::signature_failed || statics == key_outcome::signature_failed) {
            if (token.kid || statics == key_outcome::signature_failed) {
                s.done = make_token_error(token_errc::signature_invalid, "signature does not verify", &token);
                return s;
            }
            s.want_refresh = true; // no kid: a rotation shows only this way (§5.5.4)
            s.fallback = token_errc::signature_invalid;
            return s;
        }
        s.want_refresh = true;
        s.fallback = token_errc::key_not_found;
        return s;
    }

    verify_result finish(parsed_token& token, std::chrono::system_clock::time_point at) const
    {
        const auto seconds = std::chrono::floor<std::chrono::seconds>(at.time_since_epoch()).count();
        std::function<void(std::string_view)> note;
        if (options.logger)
            note = [this](std::string_view line) { log(log_level::warning, line); };
        return check_claims(token, claims, seconds, note);
    }

    static token_error fallback_error(token_errc code, const parsed_token& token)
    {
        return make_token_error(code,
                                code == token_errc::signature_invalid
                                    ? "signature does not verify"
                                    : "no key in the JWKS matches the token",
                                &token);
    }
};

} // namespace detail

session_verifier::session_verifier(asio::any_io_executor executor, session_verifier_options options)
{
    auto st = std::make_shared<detail::session_verifier_state>(std::move(executor), std::move(options));
    auto& o = st->options;
    if (!o.publishable_key.empty())
        st->api = parse_publishable_key(o.publishable_key, o.allow_insecure_http);
    else if (!o.frontend_api_url.empty())
        st->api = parse_frontend_origin(o.frontend_api_url, o.allow_insecure_http);
    else if (o.use_jwks)
        invalid("a publishable key or a Frontend API URL is required");
    st->claims.issuer = o.issuer.empty() ? st->api.origin : o.issuer;
    if (st->claims.issuer.empty())
        invalid("an issuer is required");
    // §5.1: an issuer whose keys are not in the fetched JWKS is almost always a mistake.
    if (o.use_jwks && st->claims.issuer != st->api.origin)
        st->log(log_level::warning,
                "session verifier: the issuer differs from the Frontend API origin whose JWKS is "
                "fetched; tokens must be signed by keys in " +
                    st->api.jwks_url);
    st->claims.leeway_seconds = o.leeway.count();
    st->claims.require_sid = o.require_sid;
    st->claims.audience = o.audience;
    if (o.leeway.count() < 0)
        invalid("leeway must not be negative");
    st->headers.max_token_bytes = o.max_token_bytes;
    for (auto alg : o.allowed_algorithms) {
        if (detail::is_hmac(alg))
            invalid("HS* algorithms are enabled only by a static HMAC key, never in allowed_algorithms");
        st->headers.allowed[static_cast<std::size_t>(alg)] = true;
    }
    for (const auto& k : o.static_keys) {
        st->static_keys.push_back(detail::key_from_static(k));
        st->headers.allowed[static_cast<std::size_t>(k.algorithm)] = true;
    }
    if (o.jwks.max_age.count() <= 0 || o.jwks.fetch_timeout.count() <= 0 || o.jwks.max_keys == 0)
        invalid("the JWKS cache policy needs a positive max_age, fetch_timeout and max_keys");
    if (o.use_jwks) {
        client_options http;
        http.base_url = st->api.origin;
        http.tls = o.tls;
        http.logger = o.logger;
        http.max_response_body = o.jwks.max_body_bytes;
        http.timeouts.resolve = http.timeouts.connect = http.timeouts.tls_handshake = http.timeouts.write =
            http.timeouts.read = http.timeouts.call_deadline = o.jwks.fetch_timeout;
        http.pool.max_connections = 2;
        http.retry.max_attempts = 1;
        st->http = std::make_unique<detail::client_impl>(st->executor, std::move(http),
                                                         detail::client_impl::anonymous_t{});
    }
    state_ = std::move(st);
}

verify_result session_verifier::verify(std::string_view token) const
{
    auto parsed = detail::parse_token(token, state_->headers);
    if (auto* e = std::get_if<token_error>(&parsed))
        return std::move(*e);
    auto& t = std::get<detail::parsed_token>(parsed);
    const auto at = state_->now();
    std::shared_ptr<detail::flight> ignored;
    std::shared_ptr<const detail::key_set> held; // off the warm path only
    const detail::key_set* set = nullptr;
    if (state_->options.use_jwks && !detail::is_hmac(t.algorithm)) {
        set = state_->current_keys(); // the warm path: no lock, no shared reference count
        if (!set || !(at < set->fresh_until)) {
            held = state_->keys_for(at, ignored);
            set = held.get();
        }
    }
    auto s = state_->evaluate(t, set, at);
    if (s.done)
        return std::move(*s.done);
    if (s.want_keys)
        return state_->unavailable(t);
    state_->refresh_for_unknown_kid(at); // later calls may find the key; this one does not wait
    return detail::session_verifier_state::fallback_error(s.fallback, t);
}

asio::awaitable<verify_result> session_verifier::verify_async(std::string_view token) const
{
    auto st = state_; // the verifier may be moved from while this runs
    auto parsed = detail::parse_token(token, st->headers);
    if (auto* e = std::get_if<token_error>(&parsed))
        co_return std::move(*e);
    auto& t = std::get<detail::parsed_token>(parsed);
    for (int attempt = 0;; ++attempt) {
        auto at = st->now();
        std::shared_ptr<const detail::key_set> set;
        if (st->options.use_jwks && !detail::is_hmac(t.algorithm)) {
            std::shared_ptr<detail::flight> wait_for;
            set = st->keys_for(at, wait_for);
            if (wait_for) {
                co_await wait_for->wait();
                at = st->now();
                set = st->keys.load(std::memory_order_acquire);
                if (set && at > set->usable_until)
                    set.reset();
            }
        }
        auto s = st->evaluate(t, set.get(), at);
        if (s.done)
            co_return std::move(*s.done);
        if (s.want_keys)
            co_return st->unavailable(t);
        if (attempt == 0) {
            if (auto f = st->refresh_for_unknown_kid(at)) {
                co_await f->wait();
                continue;
            }
        }
        co_return detail::session_verifier_state::fallback_error(s.fallback, t);
    }
}

asio::awaitable<std::string> session_verifier::prefetch() const
{
    auto st = state_;
    if (!st->options.use_jwks)
        co_return std::string();
    std::shared_ptr<detail::flight> f;
    {
        std::lock_guard lock(st->mutex);
        f = st->current ? st->current : st->start_fetch_locked(st->now(), false);
    }
    co_await f->wait();
    std::lock_guard lock(st->mutex);
    const auto& stats = st->logic.stats();
    co_return st->keys.load() && !st->logic.backoff_until() ? std::string() : stats.last_error;
}

void session_verifier::invalidate() const
{
    std::lock_guard lock(state_->mutex);
    state_->logic.invalidate();
    state_->publish(nullptr);
}

jwks_stats session_verifier::stats() const
{
    std::lock_guard lock(state_->mutex);
    return state_->logic.stats();
}

const frontend_api& session_verifier::frontend() const noexcept
{
    return state_->api;
}

const std::string& session_verifier::issuer() const noexcept
{
    return state_->claims.issuer;
}

} // namespace wacht
