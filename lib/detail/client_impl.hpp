// SPDX-License-Identifier: BSL-1.0
// The state shared by a client and its copies, and the transport interface the pipeline uses.
#pragma once

#include <wacht/error.hpp>
#include <wacht/options.hpp>
#include <wacht/request.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace wacht::detail {

struct slot; // model_decoder.hpp

/// Where requests go, parsed once from client_options::base_url.
struct origin
{
    bool tls = true;
    std::string host; // without brackets for IPv6
    std::string port;
    bool host_is_ip = false;
    std::string host_header; // host[:port], brackets for IPv6
    std::string path_prefix; // "" or "/prefix" (no trailing slash)
};

/// The HTTP proxy every connection goes through (client_options::proxy), parsed once; `host` empty
/// when there is none.
struct proxy_route
{
    std::string host; // without brackets for IPv6
    std::string port;
    bool host_is_ip = false;
    std::string display;       // host:port (brackets for IPv6), for errors and logs: never credentials
    std::string authorization; // "Basic <base64>" for Proxy-Authorization, or empty; never logged
};

/// A complete HTTP response, or the transport failure that prevented one.
struct exchange_outcome
{
    // Transport failure (errc value); empty when a response was received.
    std::error_code code;
    std::error_code cause;
    std::string detail;
    // Whether any byte of the request was written, and any byte of a response read: a request that
    // was never sent may be retried whatever its method.
    bool request_sent = false;
    bool response_started = false;
    // Whether the attempt went out on a connection that had served a call before (which the server
    // may have closed meanwhile): the pipeline then replays an idempotent request on a new one.
    bool reused_connection = false;
    // The response, when code is empty. A 2xx body that was decoded into a model is not kept: then
    // decode_error says why decoding failed (empty on success) and body_head holds its first bytes.
    int status = 0;
    std::string body;
    std::optional<std::chrono::seconds> retry_after_header;
    std::string decode_error;
    std::string body_head;
    // For the events: bytes on the wire and where the time went (the pipeline fills in the pool wait).
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    phase_timings timings;
    bool tls_resumed = false;
    // With errc::proxy_failed: the proxy's status (never the API's).
    int proxy_status = 0;
};

/// The headers every request carries besides the per-call ones.
struct fixed_headers
{
    std::string authorization; // "Bearer <key>"; never logged
    std::string user_agent;
    std::string defaults; // client_options::default_headers as header lines ("\r\nName: value" each)
};

class transport;

class client_impl
{
public:
    client_impl(boost::asio::any_io_executor executor, client_options options);
    /// For public endpoints of another origin (the Frontend API's JWKS): no API key, no Authorization.
    struct anonymous_t
    {};
    client_impl(boost::asio::any_io_executor executor, client_options options, anonymous_t);
    ~client_impl();

    boost::asio::any_io_executor executor;
    client_options options;
    struct origin origin;
    proxy_route proxy;
    fixed_headers headers;
    std::unique_ptr<detail::transport> transport;
    /// Where events go: options.observer, the text logger of options.logger, or both; null when neither.
    std::shared_ptr<wacht::observer> events;

    /// The client-wide retry budget (sized by options.retry, whatever a call's own policy says):
    /// spends a token if one is left. Thread-safe.
    bool take_retry_token();
    /// Refills the budget after a call that succeeded (decoded included). Thread-safe.
    void on_success();
    /// Tokens left in the retry budget. Thread-safe.
    double retry_budget() const;

private:
    mutable std::mutex budget_mutex_;
    double budget_tokens_ = 0; // set full by the constructor
};

/// `now + d`, saturated at the clock's end instead of overflowing (a deadline of milliseconds::max() or
/// 400 years means "no deadline" in practice).
inline std::chrono::steady_clock::time_point saturating_deadline(std::chrono::steady_clock::time_point now,
                                                                 std::chrono::milliseconds d)
{
    using clock = std::chrono::steady_clock;
    if (d.count() <= 0)
        return now;
    const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(clock::time_point::max() - now);
    return d >= room ? clock::time_point::max() : now + std::chrono::duration_cast<clock::duration>(d);
}

/// Validates options and parses the base URL; throws api_error(invalid_argument). Never mentions the key.
origin parse_origin(const client_options& options);

/// Parses client_options::proxy.url (empty: no proxy); throws api_error(invalid_argument), whose text
/// never contains the URL's credentials.
proxy_route parse_proxy(const client_options& options);

/// What transport::reserve() holds for one call until its first exchange: a pooled connection, a slot
/// to open one, or why neither came before the deadline. Destroying it unused gives it back.
class reservation
{
public:
    virtual ~reservation() = default;
    /// Why the pool gave neither a connection nor a slot (pool exhausted, cancelled), or null.
    virtual const exchange_outcome* failure() const = 0;
    /// Whether it holds a pooled connection that served calls before (else a slot to open one).
    virtual bool reused() const = 0;
    /// Whether the call must co_await transport::wait() before it holds a connection, a slot or a
    /// failure. Set when it is made; never changes.
    virtual bool waiting() const = 0;
};

/// The transport: connection pool and HTTP exchange. Defined in lib/transport/.
class transport
{
public:
    virtual ~transport() = default;
    /// What the pool can do for a call now, without suspending: an idle connection (checked as
    /// exchange() says), a slot to open one, or a place in the queue (FIFO, until `deadline`); then the
    /// reservation is waiting() and the call co_awaits wait() with it. A waiting call costs the
    /// reservation and wait()'s frame: its model and error state are allocated after. Destroying the
    /// reservation leaves the queue and gives back what it holds. Thread-safe.
    /// With `new_only`, a slot to open a new connection, never an idle one (see exchange()).
    virtual std::unique_ptr<reservation> reserve(std::chrono::steady_clock::time_point deadline,
                                                 bool new_only = false) = 0;
    /// Suspends until a waiting reservation is served (a connection or a slot) or fails (failure():
    /// the pool stayed busy until the deadline, or the awaiting coroutine's cancellation was requested;
    /// per-operation cancellation takes it out of the queue at once). `r` must outlive the wait.
    /// Thread-safe. Throws operation_aborted when the coroutine was cancelled before it could wait.
    virtual boost::asio::awaitable<void> wait(reservation& r) = 0;
    /// The pool's figures (retry_budget left 0). Thread-safe.
    virtual pool_statistics statistics() const = 0;
    /// Sends the request to the origin (its path prefix before spec.target) and reads the response, on
    /// `reserved` (from reserve(), or null: then it waits itself), else an idle pooled connection (any
    /// that the server closed or that has unexpected bytes to read is closed on the way) or a new one;
    /// on a newly opened connection always when `new_connection` (`reserved` is then given back).
    /// A 2xx body is parsed into `model` as it arrives when `model` is not null (nothing else may
    /// touch the model until the call returns); other bodies are kept in the outcome. Thread-safe.
    /// Never throws for network failures.
    virtual boost::asio::awaitable<exchange_outcome> exchange(const request_spec& spec,
                                                              std::string_view request_id,
                                                              std::chrono::steady_clock::time_point deadline,
                                                              const slot* model, bool new_connection,
                                                              std::unique_ptr<reservation> reserved) = 0;
};

/// The error for a non-2xx response: status, the server's errors[] (when the body has that shape),
/// retry-after from a 429's message or the Retry-After header, and a snippet of any other body.
/// Never throws for any body.
wacht::error http_error(const exchange_outcome& outcome, std::string request_id);

/// Builds the Beast/OpenSSL transport; throws api_error(tls_handshake_failed) when a CA cannot be loaded.
std::unique_ptr<transport> make_transport(const client_impl& impl);

} // namespace wacht::detail
