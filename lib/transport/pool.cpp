// SPDX-License-Identifier: BSL-1.0
// The pooled transport: the Asio glue around the pool's decisions (transport/pool_state.hpp) for one
// origin: calls wait FIFO until their deadline for an idle connection or a slot, idle connections are
// peeked at before use, read buffers are lent per exchange. Set-up is connect.cpp's, the HTTP exchange
// exchange.cpp's; this file reports their facts (sent? any response byte? reused connection?) for the
// pipeline to decide on a replay.
#include "transport/connect.hpp"
#include "transport/connection.hpp"
#include "transport/deadline_heap.hpp"
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
#include <optional>
#include <utility>
#include <vector>

namespace wacht::detail {
namespace {

using namespace net;

class beast_transport;
struct held;

// What a waiting call is resumed with: the handler of the coroutine that awaits wait() (one type,
// use_awaitable's), kept in its reservation: no allocation of its own.
using wait_handler = asio::async_result<asio::use_awaitable_t<>, void(error_code)>::handler_type;
using pool_type = pool_state<connection_ptr, held*>;

// The pool's state and the one timer that ends waits at their deadlines (instead of a timer and a
// pending wait per waiting call). Shared with that timer's pending wait, so that a wait completing as
// the transport goes away still finds what it touches.
struct waiting_room
{
    waiting_room(const asio::any_io_executor& ex, pool_limits limits) : pool(limits), timer(ex) {}

    std::mutex mutex;
    pool_type pool;                // guarded by mutex
    deadline_heap<held> deadlines; // queued calls with a deadline: guarded by mutex
    asio::steady_timer timer;      // set for the earliest of `deadlines`
    clock_type::time_point timer_at = clock_type::time_point::max();
    std::error_code last_connect_error; // guarded by mutex
};

// What reserve() gives a call: an idle connection, a slot to open one, why neither (`failed`, allocated
// only then), or a place in the queue until one of those: then it is the waiter itself, with the
// coroutine's handler and its place in the deadline index, so that thousands of waiting calls cost one
// small allocation each. Given back to the pool when destroyed unused.
struct held final : reservation
{
    explicit held(beast_transport& t) : owner(t) {}
    ~held() override;
    const exchange_outcome* failure() const override { return failed.get(); }
    bool reused() const override { return conn && conn->uses > 0; }
    bool waiting() const override { return must_wait; }

    beast_transport& owner;
    connection_ptr conn;
    std::unique_ptr<exchange_outcome> failed;
    bool slot = false;
    bool must_wait = false; // set by reserve(), never changed after: the call co_awaits wait()
    bool new_only = false;  // the waiter wants a slot, not a pooled connection
    // Guarded by the room's mutex while must_wait:
    bool queued = false; // in the pool's queue, not yet served nor ended
    clock_type::time_point deadline;
    std::size_t heap_slot = deadline_heap<held>::absent; // its place among the room's deadlines
    std::optional<wait_handler> handler;                 // set once the waiting coroutine has suspended
};

// Resumes a coroutine that waited, on its own executor, its cancellation handler detached first.
void resume(wait_handler handler)
{
    auto executor = asio::get_associated_executor(handler);
    asio::post(executor, [h = std::move(handler)]() mutable {
        asio::get_associated_cancellation_slot(h).clear();
        std::move(h)(error_code{});
    });
}

// Called with the room's mutex held: `h` is out of the pool's queue; now out of the deadline index too
// (the timer stops when no call waits with a deadline).
void unqueue_locked(waiting_room& room, held& h)
{
    h.queued = false;
    room.deadlines.erase(h);
    if (room.deadlines.empty() && room.timer_at != clock_type::time_point::max()) {
        room.timer_at = clock_type::time_point::max();
        room.timer.cancel();
    }
}

// Called with the room's mutex held: the wait is over (`failed`, `conn` and `slot` say how); moves the
// handler to resume after unlocking into `out`, if the coroutine has suspended yet (else it sees that it
// need not wait).
void finish_locked(waiting_room& room, held& h, std::optional<wait_handler>& out)
{
    unqueue_locked(room, h);
    if (h.handler) {
        out.emplace(std::move(*h.handler));
        h.handler.reset();
    }
}

void on_deadlines(const std::shared_ptr<waiting_room>& room);

// Called with the room's mutex held: sets the timer for `at`, replacing a later setting.
void arm(const std::shared_ptr<waiting_room>& room, clock_type::time_point at)
{
    room->timer_at = at;
    room->timer.expires_at(at);
    room->timer.async_wait([room](error_code ec) {
        if (!ec) // else replaced by an earlier deadline, or no call waits any more
            on_deadlines(room);
    });
}

// The timer fired: every queued call whose deadline has passed leaves the queue with pool_exhausted.
void on_deadlines(const std::shared_ptr<waiting_room>& room)
{
    std::vector<wait_handler> expired;
    {
        std::lock_guard lock(room->mutex);
        room->timer_at = clock_type::time_point::max();
        const auto now = clock_type::now();
        auto& index = room->deadlines;
        while (!index.empty() && index.top()->deadline <= now) {
            held& h = *index.top();
            room->pool.cancel(&h);
            h.failed = std::make_unique<exchange_outcome>();
            h.failed->code = errc::pool_exhausted;
            h.failed->cause = room->last_connect_error;
            h.failed->detail = "all " + std::to_string(room->pool.limits().max_connections) +
                               " connections stayed busy until the deadline";
            if (room->last_connect_error)
                h.failed->detail += "; last connect error: " + room->last_connect_error.message();
            std::optional<wait_handler> handler;
            finish_locked(*room, h, handler);
            if (handler)
                expired.push_back(std::move(*handler));
        }
        if (!index.empty())
            arm(room, index.top()->deadline);
    }
    for (auto& handler : expired)
        resume(std::move(handler));
}

class beast_transport final : public transport
{
public:
    beast_transport(const client_impl& impl, resolve_function resolve)
        : executor_(impl.executor),
          options_(impl.options),
          connector_(impl.executor, impl.options, impl.origin, impl.proxy, std::move(resolve)),
          exchanger_(impl.options, impl.origin, impl.headers),
          room_(std::make_shared<waiting_room>(impl.executor,
                                               pool_limits{.max_connections = options_.pool.max_connections,
                                                           .max_idle = options_.pool.max_idle,
                                                           .idle_timeout = options_.pool.idle_timeout}))
    {}

    ~beast_transport() override
    {
        std::vector<connection_ptr> closed;
        {
            std::lock_guard lock(room_->mutex);
            closed = room_->pool.take_idle();
            room_->timer.cancel(); // its pending wait keeps the room until it completes
        }
    }

    // An idle connection, a slot, or a place in the queue (FIFO, until `deadline`), at once.
    std::unique_ptr<reservation> reserve(clock_type::time_point deadline, bool new_only) override
    {
        auto r = std::make_unique<held>(*this);
        pool_type::grant grant;
        {
            std::lock_guard lock(room_->mutex);
            grant = room_->pool.acquire(clock_type::now(), new_only,
                                        [](const connection_ptr& c) { return !unusable_while_idle(*c); });
            if (grant.what == pool_type::action::wait) {
                r->must_wait = r->queued = true;
                r->new_only = new_only;
                room_->pool.enqueue(r.get());
                if (deadline != clock_type::time_point::max()) {
                    r->deadline = deadline;
                    room_->deadlines.push(*r);
                    if (deadline < room_->timer_at)
                        arm(room_, deadline);
                }
            }
        }
        grant.closed.clear(); // stale, dead or out-of-step idle connections: closed outside the lock
        if (grant.what == pool_type::action::use_idle)
            r->conn = std::move(grant.connection);
        else if (grant.what == pool_type::action::open_new)
            r->slot = true;
        return r;
    }

    // Not a coroutine: the awaiting call's only frame while it waits is async_initiate's.
    asio::awaitable<void> wait(reservation& r) override
    {
        return asio::async_initiate<decltype(asio::use_awaitable), void(error_code)>(
            [this](auto handler, held* h) { start_wait(std::move(handler), *h); }, asio::use_awaitable,
            &static_cast<held&>(r));
    }

    pool_statistics statistics() const override
    {
        std::lock_guard lock(room_->mutex);
        return room_->pool.statistics();
    }

    asio::awaitable<exchange_outcome> exchange(const request_spec& spec, std::string_view request_id,
                                               clock_type::time_point deadline, const slot* model,
                                               bool new_connection,
                                               std::unique_ptr<reservation> reserved) override
    {
        if (!reserved || new_connection) {
            reserved.reset();
            reserved = reserve(deadline, new_connection);
            if (reserved->waiting())
                co_await wait(*reserved);
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

    // A reservation is destroyed: out of the queue if it still waits (its coroutine unwound), and
    // whatever it holds goes back.
    void give_back(held& h)
    {
        if (h.must_wait) {
            std::lock_guard lock(room_->mutex);
            // Its handler is left alone: if one is set, destroying it is what destroys this.
            if (h.queued) {
                room_->pool.cancel(&h);
                unqueue_locked(*room_, h);
            }
        }
        if (h.conn)
            release(std::move(h.conn), true);
        else if (h.slot)
            discard_slot();
    }

private:
    // Runs once the awaiting coroutine has suspended: keeps its handler until the call is served, times
    // out or is cancelled, or resumes it at once when that happened already. Per-operation cancellation
    // takes the call out of the queue at once.
    void start_wait(wait_handler handler, held& h)
    {
        auto slot = asio::get_associated_cancellation_slot(handler);
        std::unique_lock lock(room_->mutex);
        if (h.queued) {
            if (slot.is_connected())
                slot.assign([this, &h](asio::cancellation_type type) {
                    if (type != asio::cancellation_type::none)
                        cancel_wait(h);
                });
            h.handler.emplace(std::move(handler));
            return;
        }
        lock.unlock();
        resume(std::move(handler));
    }

    void cancel_wait(held& h)
    {
        std::optional<wait_handler> handler;
        {
            std::lock_guard lock(room_->mutex);
            if (!h.queued)
                return; // served or timed out meanwhile
            room_->pool.cancel(&h);
            h.failed = std::make_unique<exchange_outcome>();
            h.failed->code = errc::cancelled;
            h.failed->detail = "cancelled while waiting for a pooled connection";
            finish_locked(*room_, h, handler);
        }
        if (handler)
            resume(std::move(*handler));
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
            std::lock_guard lock(room_->mutex);
            if (conn) {
                room_->pool.opened(!conn->secure         ? pool_type::handshake::none
                                   : outcome.tls_resumed ? pool_type::handshake::resumed
                                                         : pool_type::handshake::full);
            } else {
                room_->pool.open_failed();
                room_->last_connect_error = outcome.cause ? outcome.cause : outcome.code;
            }
        }
        if (!conn)
            discard_slot();
        co_return conn;
    }

    // Returns a connection after use: to a waiter, to the idle list, or closed. A waiter that wants a
    // new connection, or one that finds bytes waiting on it (RFC 9112 section 9.3: nothing may follow a
    // complete response), gets its slot instead and the connection is closed.
    void release(connection_ptr conn, bool reusable)
    {
        pool_type::handoff handoff;
        std::optional<wait_handler> handler;
        {
            std::lock_guard lock(room_->mutex);
            handoff = room_->pool.release(clock_type::now(), std::move(conn), reusable);
            if (handoff.to_waiter) {
                held& h = *handoff.waiter;
                if (handoff.connection && (h.new_only || unusable_while_idle(*handoff.connection)))
                    handoff.closed = std::move(handoff.connection);
                h.conn = std::move(handoff.connection);
                h.slot = !h.conn;
                finish_locked(*room_, h, handler);
            }
        }
        handoff.closed.reset();
        if (handler)
            resume(std::move(*handler));
    }

    // A connection slot was freed (closed or never opened): give it to a waiter or drop it.
    void discard_slot()
    {
        std::optional<wait_handler> handler;
        {
            std::lock_guard lock(room_->mutex);
            if (auto handoff = room_->pool.free_slot(); handoff.to_waiter) {
                handoff.waiter->slot = true;
                finish_locked(*room_, *handoff.waiter, handler);
            }
        }
        if (handler)
            resume(std::move(*handler));
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

    std::shared_ptr<waiting_room> room_;

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

held::~held()
{
    owner.give_back(*this);
}

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
