// Client configuration: plain structs with explicit defaults, validated once when the client is built.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace wacht {

using namespace std::chrono_literals;

/// Per-phase timeouts. Each phase is also bounded by the call's overall deadline.
struct timeout_options
{
    std::chrono::milliseconds resolve = 5s;
    std::chrono::milliseconds connect = 5s;
    std::chrono::milliseconds tls_handshake = 10s;
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

/// TLS trust. Peer and host-name verification are always on and cannot be turned off.
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
    std::chrono::milliseconds initial_backoff = 100ms;
    std::chrono::milliseconds max_backoff = 5s;
    bool retry_rate_limited = false;
    /// The retry budget, a token bucket shared by the client: a retry spends one token, a success
    /// returns `budget_refill_per_success`, up to `budget_tokens`. An empty bucket means no retries,
    /// so a failing server is not hammered. 0 tokens turns retries off.
    double budget_tokens = 10;
    double budget_refill_per_success = 0.1;
};

enum class log_level
{
    debug,
    info,
    warning,
    error
};

/// A log sink. Called from whichever thread runs the io_context; it must be thread-safe if the
/// io_context runs on several threads. Lines never contain the API key.
using log_function = std::function<void(log_level, std::string_view)>;

/// Everything a client needs. Copyable value. The API key is kept out of every log and error text.
struct client_options
{
    /// Origin, optionally with a path prefix. https:// by default; http:// works for local servers.
    std::string base_url = "https://api.wacht.dev";
    /// Required; must not be empty or contain control characters.
    std::string api_key;
    timeout_options timeouts;
    wacht::retry_policy retry;
    pool_options pool;
    tls_options tls;
    /// Largest response body accepted; a larger one fails with errc::body_limit_exceeded.
    std::size_t max_response_body = 8 * 1024 * 1024;
    /// Largest response header block accepted.
    std::size_t max_response_header = 16 * 1024;
    /// Extra product tokens appended to "wacht-cpp/<version>" in User-Agent, e.g. "gateway/2.1".
    std::string user_agent_extra;
    /// Optional log sink (default: silent).
    log_function logger;

    /// Options from the environment: WACHT_API_KEY (api_key), WACHT_API_URL (base_url, if set) and
    /// WACHT_CA_FILE (tls.ca_file, if set). Missing variables leave the defaults; validation happens
    /// when the client is built. Reads the environment; call it before starting threads that modify it.
    static client_options from_env();
};

} // namespace wacht
