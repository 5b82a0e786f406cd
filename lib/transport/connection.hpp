// SPDX-License-Identifier: BSL-1.0
// A pooled connection (plain or TLS socket, its watchdog timer and buffers) and the bounds of its
// phases, shared by the transport's three layers: set-up (connect.cpp), the HTTP exchange
// (exchange.cpp) and the pool's Asio glue (pool.cpp). Heavy Asio/Beast templates: include it only
// from those translation units.
#pragma once

#include "detail/client_impl.hpp"
#include "detail/model_decoder.hpp"
#include "detail/tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace wacht::detail::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;

inline constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

using tls_stream = basic_tls_stream<tcp::socket>;

// Buffers a connection keeps between calls; larger ones are given back when the call ends, so that
// an idle connection stays small.
inline constexpr std::size_t kept_buffer_size = 32 * 1024;
inline constexpr std::size_t tls_record_size = 16 * 1024 + 256;

// What a connection's watchdog timer shares with its handler. On a multi-threaded io_context that
// handler may run beside an operation pending on the socket, so it never touches the socket object
// (which is not thread-safe): it shuts the descriptor down, a system call that is safe beside a pending
// operation and makes it fail at once; the exchange then sees `fired`. The lock and the phase number
// keep a late handler away from a later phase and from a descriptor that was closed (and maybe reused).
struct watchdog
{
    std::mutex mutex;
    int fd = -1;
    std::uint64_t phase = 0; // the armed phase; a handler of an earlier one does nothing
    bool armed = false;
    bool fired = false;
};

// A pooled connection. Its operations run one at a time (one coroutine drives them), so the socket,
// the timer and the buffers need no strand; the only concurrent party is the watchdog's handler.
struct connection
{
    explicit connection(const asio::any_io_executor& executor) : timer(executor) {}
    ~connection() { disarm(); } // before the socket closes: no shutdown() of a reused descriptor

    std::optional<tcp::socket> plain;
    std::optional<tls_stream> secure;
    asio::steady_timer timer; // the watchdog: bounds the current phase (connect, handshake, write, read)
    std::shared_ptr<watchdog> watch = std::make_shared<watchdog>();
    beast::flat_buffer buffer;
    std::string request_head; // the request line and headers, rebuilt in place for each call
    model_parser json;        // parses 2xx bodies into the caller's model as they arrive
    std::size_t uses = 0;

    tcp::socket& lowest() { return secure ? secure->next_layer() : *plain; }

    // Bounds the operations that follow by `limit`: when it passes, the socket is shut down.
    void arm(clock_type::time_point limit)
    {
        std::uint64_t phase = 0;
        {
            std::lock_guard lock(watch->mutex);
            watch->fd = lowest().native_handle();
            phase = ++watch->phase;
            watch->armed = true;
            watch->fired = false;
        }
        timer.expires_at(limit);
        timer.async_wait([watch = watch, phase](error_code ec) {
            if (ec)
                return;
            std::lock_guard lock(watch->mutex);
            if (watch->armed && watch->phase == phase) {
                watch->fired = true;
                ::shutdown(watch->fd, SHUT_RDWR);
            }
        });
    }

    // Ends the bound; whether it fired (then the socket is shut down and the connection is not reusable).
    bool disarm()
    {
        bool fired = false;
        {
            std::lock_guard lock(watch->mutex);
            if (!watch->armed)
                return watch->fired;
            watch->armed = false;
            fired = watch->fired;
        }
        timer.cancel();
        return fired;
    }

    void trim_buffers()
    {
        if (request_head.capacity() > kept_buffer_size)
            std::string().swap(request_head);
    }
};

using connection_ptr = std::unique_ptr<connection>;

// Bound of a phase: its own timeout or the call's deadline, whichever comes first (and whether the
// deadline was it).
inline std::pair<clock_type::time_point, bool> phase_limit(std::chrono::milliseconds timeout,
                                                           clock_type::time_point deadline)
{
    const auto own = saturating_deadline(clock_type::now(), timeout);
    return own < deadline ? std::pair{own, false} : std::pair{deadline, true};
}

// What a phase failure becomes: the phase's own timeout, or the call's deadline if that was what bound.
inline std::error_code phase_error(error_code ec, errc failed, errc timed_out, bool deadline_bound)
{
    if (ec == beast::error::timeout || ec == asio::error::timed_out)
        return deadline_bound ? errc::deadline_exceeded : timed_out;
    if (ec == asio::error::operation_aborted)
        return errc::cancelled;
    return failed;
}

} // namespace wacht::detail::net
