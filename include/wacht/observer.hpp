// SPDX-License-Identifier: BSL-1.0
// Structured events of every call (call started, attempt started and finished, retry scheduled, call
// finished), the observer that receives them, pool statistics, and the text logger built on the events.
#pragma once

#include <wacht/export.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <system_error>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// Personal data that events (and the log lines made from them) may carry. Everything is off by
/// default: an event names its route by template (`/users/{user_id}/details`), never by the ids, e-mail
/// addresses or search terms of the call, and carries no body. The API key is never in any event.
struct event_fields
{
    /// call_context::path: the path as sent, ids included (`/users/1394412856401047552/details`).
    bool path = false;
    /// call_context::query: the query string as sent, search terms included (`limit=10&search=ann`).
    /// find_by_email() and the other finders search with the term they are given.
    bool query = false;
    /// attempt_finished_event::error_body: the first 256 bytes of a non-2xx response body, which may
    /// echo what was sent.
    bool error_body = false;
};

/// What every event says about its call. The views are valid during the event callback only: copy
/// what you keep.
struct call_context
{
    /// "GET", "POST", "PATCH" or "DELETE".
    std::string_view method;
    /// The route template, e.g. `/users/{user_id}/emails/{email_id}`: a small fixed set of values,
    /// fit for metric labels. Without the client's base URL path prefix.
    std::string_view route;
    /// The X-Request-Id of the call: the one given to `.request_id()`, else a random one made for the
    /// call (32 hex digits). Every attempt of a call sends the same one.
    std::string_view request_id;
    /// The W3C `traceparent` given to `.trace_context()`, or empty.
    std::string_view traceparent;
    /// The W3C `tracestate` given to `.trace_context()`, or empty.
    std::string_view tracestate;
    /// The path as sent (percent-encoded), only when event_fields::path is set; else empty.
    std::string_view path;
    /// The query string as sent (without '?'), only when event_fields::query is set; else empty.
    std::string_view query;
};

/// A call begins: after its arguments were checked (a call with invalid arguments has no attempts and
/// finishes with errc::invalid_argument), before it waits for a connection.
struct call_started_event
{
    /// The call this event belongs to.
    call_context call;
};

/// Whether an attempt went out on a pooled keep-alive connection or one opened for it.
enum class connection_use
{
    reused, // an idle pooled connection that had served calls before
    opened, // a new connection (resolve, connect and TLS handshake are part of the attempt)
    none,   // no connection was had (the pool stayed busy, or the call was cancelled while waiting)
};

/// An attempt has its connection (or a slot to open one) and is about to send.
struct attempt_started_event
{
    /// The call this event belongs to.
    call_context call;
    /// 1 for the first attempt; a replay keeps the number of the attempt it replays.
    std::size_t attempt = 1;
    /// The one replay, on a new connection, of an idempotent request whose reused connection the server
    /// had closed before answering (not a retry: it spends no attempt and no budget).
    bool replay = false;
    /// Reused or opened; `none` is never reported here.
    connection_use connection = connection_use::opened;
    /// Time spent waiting for the pool's connection or slot.
    std::chrono::nanoseconds pool_wait{0};
};

/// Where an attempt spent its time. Phases it did not go through are zero (a reused connection has no
/// resolve, connect or TLS phase; a host given as an IP address is not resolved).
struct phase_timings
{
    /// Waiting for the pool's connection or slot.
    std::chrono::nanoseconds pool_wait{0};
    /// Resolving the origin's host name.
    std::chrono::nanoseconds resolve{0};
    /// TCP connect (every address tried), and the proxy's CONNECT tunnel when client_options::proxy is
    /// set (the tunnel shares the connect timeout).
    std::chrono::nanoseconds connect{0};
    /// The TLS handshake of a new connection.
    std::chrono::nanoseconds tls_handshake{0};
    /// Writing the request.
    std::chrono::nanoseconds write{0};
    /// From the end of the write until the response's status line and headers were read (the time to
    /// first byte, plus the head's own transfer).
    std::chrono::nanoseconds first_byte{0};
    /// From the response head to the end of the response (decoding included, as the body is decoded as
    /// it arrives).
    std::chrono::nanoseconds read{0};
    /// The part of `read` spent decoding the body into the model.
    std::chrono::nanoseconds decode{0};
};

/// An attempt is over: a response was read (any status), or the attempt failed.
struct attempt_finished_event
{
    /// The call this event belongs to.
    call_context call;
    /// As in attempt_started_event.
    std::size_t attempt = 1;
    /// As in attempt_started_event.
    bool replay = false;
    /// As in attempt_started_event.
    connection_use connection = connection_use::none;
    /// The HTTP status, or 0 when no complete response was read.
    int http_status = 0;
    /// Empty for a 2xx response that decoded; else the errc the attempt failed with (an HTTP status
    /// class such as errc::not_found, a transport failure, errc::decode_failed, errc::cancelled...).
    std::error_code code;
    /// Bytes of request written (head and body).
    std::uint64_t bytes_sent = 0;
    /// Bytes of response read (head and body).
    std::uint64_t bytes_received = 0;
    /// From attempt_started to this event (the pool wait before it is in timings.pool_wait).
    std::chrono::nanoseconds elapsed{0};
    /// Where the time went; zero for phases not gone through.
    phase_timings timings;
    /// Whether a new connection resumed a TLS session (an abbreviated handshake).
    bool tls_resumed = false;
    /// The start of a non-2xx body, only when event_fields::error_body is set; never the API key.
    std::string_view error_body;
};

/// Why the pipeline sends a call again.
enum class retry_reason
{
    connect_failed,     // connecting, resolving or the TLS handshake failed or timed out: nothing was sent
    connection_lost,    // the connection failed before any response byte (idempotent calls only)
    server_unavailable, // 502, 503 or 504 (idempotent calls only)
    rate_limited,       // 429, with retry_policy::retry_rate_limited
    stale_connection,   // the replay of an idempotent call whose reused connection had been closed
};

/// A short name of a retry reason ("connect_failed", ...), for logs and metric labels.
WACHT_API std::string_view to_string(retry_reason reason) noexcept;

/// Another attempt will follow after `backoff` (zero for a replay).
struct retry_scheduled_event
{
    /// The call this event belongs to.
    call_context call;
    /// The attempt that will be sent (for a replay, the number of the attempt it replays).
    std::size_t next_attempt = 2;
    /// Why the call is sent again.
    retry_reason reason = retry_reason::connect_failed;
    /// The wait before the next attempt (what a 429 asked for, or the jittered backoff).
    std::chrono::milliseconds backoff{0};
};

/// A call is over: its outcome is about to be handed to the caller.
struct call_finished_event
{
    /// The call this event belongs to.
    call_context call;
    /// Empty on success; else the call's error code.
    std::error_code code;
    /// The HTTP status of the last response, or 0.
    int http_status = 0;
    /// Attempts made (replays not counted); 0 when nothing was sent.
    std::size_t attempts = 0;
    /// The call failed after its last attempt for a reason of its own, which no attempt_finished event
    /// reported: its deadline passed or it was cancelled before the next attempt or replay, or no
    /// connection came for it.
    bool between_attempts = false;
    /// The SDK's own words on a failure (the error's diagnostics.detail: never server messages,
    /// personal data or the API key), e.g. why the arguments were rejected; empty on success.
    std::string_view detail;
    /// From the call's start to its end.
    std::chrono::nanoseconds elapsed{0};
};

/// Receives the events of every call of a client (client_options::observer). Override what you need;
/// the defaults do nothing.
///
/// Thread-safety: the functions are called on whichever thread runs the call (any thread running the
/// client's io_context), concurrently for concurrent calls: make them thread-safe when the io_context
/// runs on several threads. Events of one call come in order, from one call at a time.
/// Lifetime: the client keeps the observer (a shared_ptr) as long as any of its calls runs.
/// Errors: called synchronously on the call's path, so they should be short and must not block; an
/// exception thrown by one is caught and dropped, and never changes the call.
/// Cancellation: a cancelled call still reports its attempt_finished and call_finished events
/// (errc::cancelled).
class WACHT_API observer
{
public:
    virtual ~observer();
    /// See call_started_event.
    virtual void on_call_started(const call_started_event& event);
    /// See attempt_started_event.
    virtual void on_attempt_started(const attempt_started_event& event);
    /// See attempt_finished_event.
    virtual void on_attempt_finished(const attempt_finished_event& event);
    /// See retry_scheduled_event.
    virtual void on_retry_scheduled(const retry_scheduled_event& event);
    /// See call_finished_event.
    virtual void on_call_finished(const call_finished_event& event);
};

/// The severity of a line passed to client_options::logger.
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

/// The text logger as an observer (what client_options::logger installs): one line per finished
/// attempt (debug, or warning for a failure or an HTTP status of 400 and above), one per scheduled retry
/// (info), one per call rejected before sending and one per call that got no connection (warning).
/// Lines name the route template unless the client's event_fields opt in to the path or query, and
/// never carry the API key.
/// @param sink Called with each line, on the threads that run the calls: it must be thread-safe when
/// the io_context runs on several threads.
/// @return An observer that may be shared by several clients. Throws nothing but std::bad_alloc.
WACHT_API std::shared_ptr<observer> make_log_observer(log_function sink);

/// Why pooled connections were closed, counted since the client was built.
struct connection_close_counts
{
    /// Idle longer than pool_options::idle_timeout.
    std::uint64_t idle_timeout = 0;
    /// Released while pool_options::max_idle connections were already idle.
    std::uint64_t idle_limit = 0;
    /// Found closed by the server, reset, or with unexpected bytes while idle.
    std::uint64_t unusable_while_idle = 0;
    /// Not reusable after its exchange: an error, a timeout, a cancellation, or `Connection: close`.
    std::uint64_t not_reusable = 0;
    /// Closed to make room for the replay of a call on a new connection.
    std::uint64_t made_room = 0;
};

/// A snapshot of a client's connection pool and retry budget (client::pool_statistics()).
struct pool_statistics
{
    /// Connections open or being opened (busy + idle + opening).
    std::size_t open = 0;
    /// Idle connections ready for reuse.
    std::size_t idle = 0;
    /// Connections serving a call or being opened (open - idle).
    std::size_t busy = 0;
    /// Calls waiting for a connection.
    std::size_t waiting_calls = 0;
    /// Connections opened successfully since the client was built.
    std::uint64_t connections_opened = 0;
    /// Connections that could not be opened (resolve, connect or TLS failure or timeout).
    std::uint64_t connections_failed = 0;
    /// Connections closed, by reason.
    connection_close_counts closed;
    /// Closed connections in all (the sum of `closed`).
    std::uint64_t connections_closed = 0;
    /// New TLS connections that resumed a session (an abbreviated handshake), and those that made a
    /// full handshake.
    std::uint64_t tls_sessions_resumed = 0;
    /// New TLS connections that made a full handshake.
    std::uint64_t tls_full_handshakes = 0;
    /// Tokens left in the retry budget (retry_policy::budget_tokens when full).
    double retry_budget = 0;
};

} // namespace wacht
