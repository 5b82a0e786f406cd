// SPDX-License-Identifier: BSL-1.0
// The pooled transport: the Asio glue around the pool's decisions (transport/pool_state.hpp) for one
// origin: calls wait FIFO until their deadline for an idle connection or a slot, idle connections are
// peeked at before use, read buffers are lent per exchange. Set-up is connect.cpp's, the HTTP exchange
// exchange.cpp's; this file reports their facts (sent? any response byte? reused connection?) for the
// pipeline to decide on a replay.
#include "transport/connect.hpp"
#include "transport/connection.hpp"
#include "transport/exchange.hpp"
#include "transport/pool_state.hpp"

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/post.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <mutex>
#include <utility>
#include <vector>

namespace wacht::detail {
namespace {

using namespace net;

// Resumes a suspended acquire() through the executor of the coroutine that waits.
struct resumer
{
    virtual ~resumer() = default;
    virtual void resume() = 0;
};

template <class Handler>
struct handler_resumer final : resumer
{
    explicit handler_resumer(Handler h) : handler(std::move(h)) {}
    void resume() override
    {
        // On the waiting coroutine's executor: detach the cancellation handler, then resume.
        auto executor = asio::get_associated_executor(handler);
        asio::post(executor, [h = std::move(handler)]() mutable {
            asio::get_associated_cancellation_slot(h).clear();
            std::move(h)(error_code{});
        });
    }
    Handler handler;
};

// A call waiting for a connection: it gets either an idle connection or a slot to open one.
struct waiter
{
    explicit waiter(const asio::any_io_executor& ex) : timer(ex) {}

    asio::steady_timer timer;
    std::unique_ptr<resumer> handler; // set once the waiting coroutine has suspended
    bool done = false;
    bool timed_out = false;
    bool cancelled = false;
    connection_ptr connection; // handed over, or null when a slot was granted
};

class beast_transport final : public transport
{
public:
    beast_transport(const client_impl& impl, resolve_function resolve)
        : executor_(impl.executor),
          options_(impl.options),
          connector_(impl.executor, impl.options, impl.origin, impl.proxy, std::move(resolve)),
          exchanger_(impl.options, impl.origin, impl.headers),
          pool_({.max_connections = options_.pool.max_connections,
                 .max_idle = options_.pool.max_idle,
                 .idle_timeout = options_.pool.idle_timeout})
    {}

    ~beast_transport() override
    {
        std::vector<connection_ptr> closed;
        {
            std::lock_guard lock(mutex_);
            closed = pool_.take_idle();
        }
    }

    // What reserve() holds for a call: an idle connection, a slot, or why neither (`failure`, allocated
    // only then: thousands of calls may wait at once). Given back to the pool when destroyed unused.
    struct held final : reservation
    {
        explicit held(beast_transport& t) : owner(t) {}
        ~held() override
        {
            if (conn)
                owner.release(std::move(conn), true);
            else if (slot)
                owner.discard_slot();
        }
        const exchange_outcome* failure() const override { return failed.get(); }
        bool reused() const override { return conn && conn->uses > 0; }
        beast_transport& owner;
        connection_ptr conn;
        bool slot = false;
        std::unique_ptr<exchange_outcome> failed;
    };

    asio::awaitable<std::unique_ptr<reservation>> reserve(clock_type::time_point deadline,
                                                          bool new_only) override
    {
        return wait_for_connection(deadline, new_only);
    }

    pool_statistics statistics() const override
    {
        std::lock_guard lock(mutex_);
        return pool_.statistics();
    }

    asio::awaitable<exchange_outcome> exchange(const request_spec& spec, std::string_view request_id,
                                               clock_type::time_point deadline, const slot* model,
                                               bool new_connection,
                                               std::unique_ptr<reservation> reserved) override
    {
        if (!reserved || new_connection) {
            reserved.reset();
            reserved = co_await wait_for_connection(deadline, new_connection);
        }
        auto& r = static_cast<held&>(*reserved);
        if (r.failed)
            co_return std::move(*r.failed);
        exchange_outcome outcome;
        connection_ptr conn = std::move(r.conn);
        const bool slot = std::exchange(r.slot, false);
        reserved.reset();
        if (!conn && slot)
            conn = co_await open_in_slot(deadline, outcome);
        if (!conn)
            co_return outcome;
        outcome.reused_connection = conn->uses > 0;
        ++conn->uses;
        bool reusable = false;
        try {
            lend_read_buffer(*conn);
            reusable = co_await exchanger_.run(*conn, spec, request_id, model, deadline, outcome);
        } catch (...) { // cancelled mid-exchange: the connection is closed, never pooled
            conn->disarm();
            return_read_buffer(*conn);
            release(std::move(conn), false);
            throw;
        }
        return_read_buffer(*conn);
        release(std::move(conn), reusable);
        co_return outcome;
    }

private:
    // Waits (FIFO, until the deadline) for an idle connection, or for a slot to open one (then
    // `slot` is set and the pool counts it); else `failure` says why neither. One frame per waiting call.
    // Every idle connection is peeked at before it is handed out (one system call): one the server
    // closed, reset, or wrote anything into while it was idle is closed and the next is tried,
    // whatever the method. `new_only`: a slot, never an idle connection (the replay after a reused
    // one died); when the pool is full the longest-idle connection is closed to make room.
    asio::awaitable<std::unique_ptr<reservation>> wait_for_connection(clock_type::time_point deadline,
                                                                      bool new_only)
    {
        auto r = std::make_unique<held>(*this);
        std::shared_ptr<waiter> wait;
        pool_type::grant grant;
        {
            std::unique_lock lock(mutex_);
            grant = pool_.acquire(clock_type::now(), new_only,
                                  [](const connection_ptr& c) { return !unusable_while_idle(*c); });
            if (grant.what == pool_type::action::wait) {
                wait = std::make_shared<waiter>(executor_);
                pool_.enqueue(wait);
                wait->timer.expires_at(deadline);
                wait->timer.async_wait([this, wait](error_code ec) {
                    if (!ec)
                        end_wait(wait, &waiter::timed_out);
                });
            }
        }
        grant.closed.clear(); // stale, dead or out-of-step idle connections: closed outside the lock
        if (grant.what == pool_type::action::use_idle) {
            r->conn = std::move(grant.connection);
            co_return r;
        }
        if (wait) {
            // Suspends until release(), discard_slot() or the deadline timer completes the waiter.
            // The initiation is a named variable: GCC 12 destroys a capturing lambda temporary inside a
            // co_await expression twice.
            auto initiation = [this, wait](auto handler) {
                auto slot = asio::get_associated_cancellation_slot(handler);
                auto resume = std::make_unique<handler_resumer<decltype(handler)>>(std::move(handler));
                std::unique_lock lock(mutex_);
                if (!wait->done) {
                    // Per-operation cancellation takes the waiter out of the queue at once.
                    if (slot.is_connected())
                        slot.assign([this, wait](asio::cancellation_type type) {
                            if (type != asio::cancellation_type::none)
                                end_wait(wait, &waiter::cancelled);
                        });
                    wait->handler = std::move(resume);
                    return;
                }
                lock.unlock();
                resume->resume();
            };
            try {
                co_await asio::async_initiate<decltype(asio::use_awaitable), void(error_code)>(
                    std::move(initiation), asio::use_awaitable);
            } catch (...) { // the coroutine was cancelled before it could wait
                abandon(wait);
                throw;
            }
            if (wait->cancelled) {
                r->failed = std::make_unique<exchange_outcome>();
                r->failed->code = errc::cancelled;
                r->failed->detail = "cancelled while waiting for a pooled connection";
                co_return r;
            }
            if (wait->timed_out) {
                r->failed = std::make_unique<exchange_outcome>();
                auto& failure = *r->failed;
                std::lock_guard lock(mutex_);
                failure.code = errc::pool_exhausted;
                failure.cause = last_connect_error_;
                failure.detail = "all " + std::to_string(options_.pool.max_connections) +
                                 " connections stayed busy until the deadline";
                if (last_connect_error_)
                    failure.detail += "; last connect error: " + last_connect_error_.message();
                co_return r;
            }
            // A connection handed over: used, unless a new one is wanted or it died while idle; then it
            // is closed and its slot opens a new one.
            if (wait->connection && !new_only && !unusable_while_idle(*wait->connection)) {
                r->conn = std::move(wait->connection);
                co_return r;
            }
            wait->connection.reset();
            // else: a slot was granted to us; the pool already counts it
        }
        r->slot = true;
        co_return r;
    }

    // Opens a connection in a slot the pool granted; the slot goes back if that fails.
    asio::awaitable<connection_ptr> open_in_slot(clock_type::time_point deadline, exchange_outcome& outcome)
    {
        connection_ptr conn;
        try {
            conn = co_await connector_.open(deadline, outcome);
        } catch (...) { // cancelled: the slot goes back
            discard_slot();
            throw;
        }
        {
            std::lock_guard lock(mutex_);
            if (conn) {
                pool_.opened(!conn->secure         ? pool_type::handshake::none
                             : outcome.tls_resumed ? pool_type::handshake::resumed
                                                   : pool_type::handshake::full);
            } else {
                pool_.open_failed();
                last_connect_error_ = outcome.cause ? outcome.cause : outcome.code;
            }
        }
        if (!conn)
            discard_slot();
        co_return conn;
    }

    // Called with mutex_ held: marks the waiter done and returns its handler to complete after unlocking.
    static std::unique_ptr<resumer> finish_locked(waiter& w)
    {
        w.done = true;
        w.timer.cancel();
        return std::move(w.handler);
    }

    // Resumes a waiter, never inline under the pool's lock (the handler is null if the waiter has not
    // suspended yet: it will see `done` when it does).
    static void complete(std::unique_ptr<resumer> handler)
    {
        if (handler)
            handler->resume();
    }

    // Takes a waiter that is still queued out of the queue, marks why (timed_out or cancelled) and
    // resumes it; a no-op if it was served meanwhile.
    void end_wait(const std::shared_ptr<waiter>& wait, bool waiter::*reason)
    {
        std::unique_ptr<resumer> handler;
        {
            std::lock_guard lock(mutex_);
            if (wait->done)
                return;
            pool_.cancel(wait);
            (*wait).*reason = true;
            handler = finish_locked(*wait);
        }
        complete(std::move(handler));
    }

    // A waiter whose coroutine unwound: out of the queue, and whatever it was granted goes back.
    void abandon(const std::shared_ptr<waiter>& wait)
    {
        {
            std::lock_guard lock(mutex_);
            if (!wait->done) {
                pool_.cancel(wait);
                wait->done = true;
                wait->timer.cancel();
                return;
            }
        }
        if (wait->connection)
            release(std::move(wait->connection), true);
        else if (!wait->timed_out && !wait->cancelled)
            discard_slot(); // a slot was granted
    }

    // Returns a connection after use: to a waiter, to the idle list, or closed.
    void release(connection_ptr conn, bool reusable)
    {
        pool_type::handoff handoff;
        std::unique_ptr<resumer> handler;
        {
            std::lock_guard lock(mutex_);
            handoff = pool_.release(clock_type::now(), std::move(conn), reusable);
            if (handoff.to_waiter) {
                handoff.waiter->connection = std::move(handoff.connection);
                handler = finish_locked(*handoff.waiter);
            }
        }
        handoff.closed.reset();
        complete(std::move(handler));
    }

    // A connection slot was freed (closed or never opened): give it to a waiter or drop it.
    void discard_slot()
    {
        std::unique_ptr<resumer> handler;
        {
            std::lock_guard lock(mutex_);
            if (auto handoff = pool_.free_slot(); handoff.to_waiter)
                handler = finish_locked(*handoff.waiter);
        }
        complete(std::move(handler));
    }

    // Whether an idle connection has anything to read: end of stream, a reset, a TLS close_notify, or
    // a late or unsolicited response. An idle HTTP/1.1 connection has nothing to say, so any byte
    // means the server is done with it or the stream is out of step.
    static bool unusable_while_idle(connection& conn)
    {
        char byte;
        const auto n = ::recv(conn.lowest().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }

    // A read buffer is lent to a connection for one exchange and comes back afterwards, so that an idle
    // connection holds none while busy ones reuse the same few. It has room for a whole TLS record:
    // Beast reads at most the free capacity, and a small buffer would turn a record into many SSL_reads.
    void lend_read_buffer(connection& conn)
    {
        io_buffers spare;
        {
            std::lock_guard lock(spare_mutex_);
            if (!spare_buffers_.empty()) {
                spare = std::move(spare_buffers_.back());
                spare_buffers_.pop_back();
            }
        }
        conn.buffer = std::move(spare.plain);
        conn.buffer.reserve(tls_record_size);
        if (conn.secure)
            conn.secure->lend_buffers(spare.cipher_in, spare.cipher_out);
    }

    void return_read_buffer(connection& conn)
    {
        io_buffers spare;
        spare.plain = std::move(conn.buffer);
        conn.buffer = beast::flat_buffer();
        if (conn.secure)
            conn.secure->return_buffers(spare.cipher_in, spare.cipher_out);
        if (spare.plain.size() != 0 || spare.plain.capacity() > kept_buffer_size ||
            spare.cipher_out.capacity() > kept_buffer_size * 4)
            return; // freed here
        std::lock_guard lock(spare_mutex_);
        if (spare_buffers_.size() < max_spare_buffers)
            spare_buffers_.push_back(std::move(spare));
    }

    asio::any_io_executor executor_;
    const client_options& options_;
    net::connector connector_; // outlives the pooled connections, whose SSL objects use its context
    net::exchanger exchanger_;

    using pool_type = pool_state<connection_ptr, std::shared_ptr<waiter>>;
    mutable std::mutex mutex_;
    pool_type pool_; // guarded by mutex_
    std::error_code last_connect_error_;

    static constexpr std::size_t max_spare_buffers = 16;
    std::mutex spare_mutex_;
    struct io_buffers
    {
        beast::flat_buffer plain;
        std::vector<char> cipher_in;
        std::string cipher_out;
    };
    std::vector<io_buffers> spare_buffers_;
};

} // namespace

std::unique_ptr<transport> make_transport(const client_impl& impl)
{
    return std::make_unique<beast_transport>(impl, net::resolve_function());
}

std::unique_ptr<transport> net::make_transport(const client_impl& impl, resolve_function resolve)
{
    return std::make_unique<beast_transport>(impl, std::move(resolve));
}

} // namespace wacht::detail
