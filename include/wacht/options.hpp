// SPDX-License-Identifier: BSL-1.0
// Client configuration: plain structs with explicit defaults, validated once when the client is built.
#pragma once

#include <wacht/export.hpp>
#include <wacht/observer.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace WACHT_VISIBLE_NAMESPACE wacht {

using namespace std::chrono_literals;

/// Per-phase timeouts. Each phase is also bounded by the call's overall deadline. Each must be positive
/// (the client's constructor throws api_error(invalid_argument) otherwise); large values saturate, so
/// milliseconds::max() means no bound.
struct timeout_options
{
    /// DNS resolution of the origin's host; errc::resolve_timeout when it passes.
    std::chrono::milliseconds resolve = 5s;
    /// TCP connect; errc::connect_timeout when it passes.
    std::chrono::milliseconds connect = 5s;
    /// TLS handshake; errc::tls_handshake_timeout when it passes.
    std::chrono::milliseconds tls_handshake = 10s;
    /// Writing the request; errc::write_timeout when it passes.
    std::chrono::milliseconds write = 30s;
    /// Time from the end of the request to the end of the response.
    std::chrono::milliseconds read = 30s;
    /// Overall bound on one call (pool wait, connect, exchange and any replay); per-call override:
    /// the builders' deadline().
    std::chrono::milliseconds call_deadline = 60s;
};

/// The keep-alive connection pool kept per client (one origin).
struct pool_options
{
    /// Connections open at once, busy or idle. Calls beyond it wait in FIFO order.
    std::size_t max_connections = 64;
    /// An idle connection older than this is closed instead of reused, so that the SDK drops it
    /// before a server's keep-alive timeout would.
    std::chrono::milliseconds idle_timeout = 30s;
    /// Idle connections kept at most; extra ones are closed when released.
    std::size_t max_idle = 64;
};

/// A TLS protocol version (tls_options::min_version).
enum class tls_version
{
    v1_2, ///< TLS 1.2 (RFC 5246)
    v1_3, ///< TLS 1.3 (RFC 8446)
};

/// TLS trust, client certificates and the TLS context. Peer and host-name verification are always on
/// and cannot be turned off.
struct tls_options
{
    /// Trust the system's default CA store (OpenSSL default paths).
    bool use_system_roots = true;
    /// An extra PEM file of CA certificates to trust (for example the emulator's).
    std::string ca_file;
    /// Extra PEM text of CA certificates to trust.
    std::string ca_pem;
    /// Resume the last TLS session (a TLS 1.3 ticket or a 1.2 session) of this client's origin when a
    /// new connection opens: an abbreviated handshake without the certificate chain or its
    /// verification. The session was verified when it was made, against this same origin.
    bool session_resumption = true;
    /// Let OpenSSL free a connection's record buffers (about 16 KiB of heap once they are used) whenever
    /// it has nothing pending, instead of keeping them for the next call: smaller idle connections for
    /// about 3 % more CPU per call, since busy connections then allocate them again for every call.
    bool release_idle_buffers = false;

    /// The lowest TLS version a connection may use (tls_version::v1_3 refuses servers that only speak
    /// TLS 1.2, with errc::tls_handshake_failed). Versions below TLS 1.2 are never offered. Applied to
    /// every connection, whichever context it uses.
    tls_version min_version = tls_version::v1_2;

    /// A client certificate for mutual TLS, in PEM: the leaf first, then any intermediates; either a
    /// file or PEM text, not both, and always with its private key (client_key_file or
    /// client_key_pem). Loaded when the client is built: the constructor throws
    /// api_error(invalid_argument) for a certificate without a key (or the reverse) and
    /// api_error(tls_handshake_failed) when it cannot be loaded or does not match the key. Sent to
    /// servers that ask for one. A server that refuses it fails the handshake
    /// (errc::tls_handshake_failed); with TLS 1.3 the server may only say so after the client's
    /// handshake completed, and the first call on the connection then fails with errc::read_failed.
    std::string client_certificate_file;
    /// See client_certificate_file.
    std::string client_certificate_pem;
    /// The client certificate's private key, an unencrypted PEM file. Its text never appears in logs
    /// or error messages.
    std::string client_key_file;
    /// The client certificate's private key as unencrypted PEM text (see client_key_file).
    std::string client_key_pem;

    /// Adjusts the client's own TLS context after the options above were applied (cipher suites,
    /// groups, a key held in an engine or provider, and so on). Called once, from the client's
    /// constructor, on its thread; an exception it throws leaves the constructor. It must not keep the
    /// reference. What it sets cannot weaken the rules above: peer verification, the host-name (or
    /// IP) check and min_version are applied again to each connection. Not allowed together with
    /// `context` (api_error(invalid_argument)).
    std::function<void(boost::asio::ssl::context&)> configure_context;

    /// A TLS context of the application's to open every connection with instead of the client's own
    /// (for example one shared with other HTTPS clients, or set up with a hardware key). Its trust
    /// store and its client certificate are used; use_system_roots is then ignored, and ca_file,
    /// ca_pem, the client certificate options and configure_context must be empty
    /// (api_error(invalid_argument) otherwise). The client never modifies it, and its verify mode and
    /// verify callback do not apply: peer verification, the host-name (or IP) check and min_version
    /// are set on each connection. Session resumption needs the client's own context: with this one
    /// every connection makes a full handshake.
    /// Lifetime and threads: the client keeps the underlying OpenSSL context (SSL_CTX) alive by
    /// reference count, so this shared_ptr may be dropped after the client is built; but the context
    /// must not be modified while any client built with it may open a connection (OpenSSL's contexts
    /// are not safe to modify while they are in use), except through OpenSSL calls documented as
    /// thread-safe.
    std::shared_ptr<boost::asio::ssl::context> context;
};

/// An HTTP proxy that every connection of the client goes through, with a CONNECT tunnel (what the
/// HTTPS_PROXY convention means). Off by default; the client never reads HTTPS_PROXY or any other
/// proxy variable by itself.
struct proxy_options
{
    /// `http://[user:password@]host[:port]` (port 80 when omitted; a host name or an IP literal); empty
    /// for none. The client connects to the proxy, sends `CONNECT <api host>:<api port>`, and on a
    /// 200 answer speaks to the API through the tunnel exactly as it would directly: TLS end to end,
    /// verified against the API's name, never the proxy's. Credentials (percent-encoded in the URL)
    /// go in a `Proxy-Authorization: Basic` header of the CONNECT request only; they never reach the
    /// API and never appear in logs or error text (which name the proxy as host:port). The phases
    /// to the proxy use the same timeouts as a direct connection (resolve, connect); the CONNECT
    /// request and the proxy's answer count as part of the connect phase (errc::connect_timeout).
    /// Any other answer than 2xx fails the call with errc::proxy_failed and the proxy's status in
    /// diagnostics::proxy_status (diagnostics::http_status stays 0: the API never answered); the
    /// request was not sent, and it is not retried. Checked when the client is built: another
    /// scheme than http://, a path, query or fragment, or a malformed URL is
    /// api_error(invalid_argument), whose text never contains the credentials.
    std::string url;
};

/// When and how calls are retried. Retried: connect failures and timeouts (the request never left),
/// connections reset before any response byte (idempotent calls only), 502, 503 and 504 (idempotent
/// calls only), and 429 when retry_rate_limited is set (the gateway refuses before any handler runs, so
/// this is safe for every call). Backoff is truncated exponential with full jitter; a 429 waits what the
/// server asked for instead. Retries and waits never run past the call's deadline.
struct retry_policy
{
    /// Attempts in all, the first included; 1 turns retries off.
    std::size_t max_attempts = 3;
    /// Upper bound of the first backoff; each later one doubles, up to max_backoff.
    std::chrono::milliseconds initial_backoff = 100ms;
    /// Largest backoff between two attempts.
    std::chrono::milliseconds max_backoff = 5s;
    /// Also retry 429 responses, waiting what the server asked for.
    bool retry_rate_limited = false;
    /// The retry budget, a token bucket shared by the client: a retry spends one token, a success
    /// (decoded) returns `budget_refill_per_success`, up to `budget_tokens`. An empty bucket means no
    /// retries, so a failing server is not hammered. 0 tokens turns retries off. Only
    /// client_options::retry sizes the bucket: in a per-call `.retry(policy)` these two are ignored.
    double budget_tokens = 10;
    /// Tokens a successful call returns to the bucket (see budget_tokens).
    double budget_refill_per_success = 0.1;
};

/// Everything a client needs. Copyable value. The API key is kept out of every log and error text.
struct WACHT_API client_options
{
    /// Origin, optionally with a path prefix: `scheme://host[:port][/path]`, parsed as an RFC 3986
    /// URL (Boost.URL) when the client is built. https:// by default; http:// works for local servers.
    /// Normalized: the scheme and a host name are case-insensitive (`HTTPS://API.Example` is
    /// `https://api.example`), an IPv6 literal is written in its canonical form, a port equal to the
    /// scheme's default is left out of Host, and one trailing '/' of the path is dropped. An escaped
    /// path (`/caf%C3%A9`) is kept as written. Refused with errc::invalid_argument, so that nothing is
    /// ever sent other than as written: any other scheme; userinfo (`user@`), a query or a fragment
    /// (even empty); an empty port (`http://host:`), port 0 or one above 65535; a backslash, space,
    /// control character or raw non-ASCII byte anywhere (use punycode and percent-escapes); a bad
    /// escape (`%zz`); a percent-escape in a host name; an IPvFuture literal; and a path with a `.`,
    /// `..` (escaped or not) or empty segment.
    std::string base_url = "https://api.wacht.dev";
    /// Required; must not be empty or contain control characters.
    std::string api_key;
    /// Per-phase timeouts and the default call deadline.
    timeout_options timeouts;
    /// The default retry policy; also sizes the client's shared retry budget.
    wacht::retry_policy retry;
    /// The connection pool.
    pool_options pool;
    /// TLS trust, client certificates and the TLS context.
    tls_options tls;
    /// An HTTP CONNECT proxy (off by default).
    proxy_options proxy;
    /// Largest response body accepted; a larger one fails with errc::body_limit_exceeded.
    std::size_t max_response_body = 8 * 1024 * 1024;
    /// Largest response header block accepted.
    std::size_t max_response_header = 16 * 1024;
    /// Extra product tokens appended to "wacht-cpp/<version>" in User-Agent, e.g. "gateway/2.1".
    std::string user_agent_extra;
    /// Optional log sink (default: silent): a text logger built on the events (make_log_observer()
    /// with `event_fields`), beside `observer` when both are set.
    log_function logger;
    /// Optional receiver of every call's structured events (see observer). None by default, which
    /// costs one test per event.
    std::shared_ptr<wacht::observer> observer;
    /// Which personal data the events and log lines may carry (none by default).
    wacht::event_fields event_fields;
    /// Headers sent with every call, before a call's own `.header()`s, which replace one of the same
    /// name. Checked when the client is built like `.header()` (errc::invalid_argument): a token name
    /// that is not reserved, a value without control characters.
    std::vector<std::pair<std::string, std::string>> default_headers;

    /// Options from the environment: WACHT_API_KEY (api_key), WACHT_API_URL (base_url, if set) and
    /// WACHT_CA_FILE (tls.ca_file, if set). Missing variables leave the defaults; validation happens
    /// when the client is built. Reads the environment; call it before starting threads that modify it.
    static client_options from_env();
};

} // namespace wacht
