// SPDX-License-Identifier: BSL-1.0
// The connection pool's decisions, with no I/O and the time passed in: which idle connection a call
// gets, when a new one may be opened, who waits (FIFO), what a released connection becomes, and which
// idle connections are closed on the way (stale, dead, out of step). The Asio glue in pool.cpp
// holds the lock, probes sockets through the `usable` callback, and carries out what these return.
// Unit-tested with fake connections and a fake clock (test/unit/pool_state_test.cpp).
#pragma once

#include <wacht/observer.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace wacht::detail {

struct pool_limits
{
    std::size_t max_connections = 64;
    std::size_t max_idle = 64;
    std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(30);
};

/// `Connection`: a movable owner of one connection (closing it is destroying it). `Waiter`: a copyable handle
/// that identifies a waiting call (compared with ==). Not thread-safe: the caller serialises every call.
template <class Connection, class Waiter>
class pool_state
{
public:
    using time_point = std::chrono::steady_clock::time_point;

    explicit pool_state(pool_limits limits) : limits_(limits) {}

    /// What a call asking for a connection does next.
    enum class action
    {
        use_idle, // `connection` is an idle one, checked usable
        open_new, // a slot is counted for it: open a connection (or give the slot back)
        wait,     // call enqueue() (under the same lock), then wait to be handed a connection or a slot
    };
    struct grant
    {
        action what = action::wait;
        Connection connection{};
        std::vector<Connection> closed; // idle ones closed on the way: destroy outside the lock
    };

    /// A call wants a connection. Idle ones older than idle_timeout are closed first; then the most
    /// recently used idle one for which `usable(connection)` holds is granted, and every one tried
    /// before it is closed (dead or out of step; not an attempt). With `new_only` no idle one is used:
    /// a slot is granted, made by closing the longest-idle connection when the pool is full.
    template <class Usable>
    grant acquire(time_point now, bool new_only, Usable&& usable)
    {
        grant g;
        evict(now, g.closed);
        if (new_only) {
            if (open_ >= limits_.max_connections && !idle_.empty())
                close_front(g.closed, closed_counts_.made_room);
        } else {
            while (!idle_.empty()) {
                Connection c = std::move(idle_.back().connection);
                idle_.pop_back();
                if (usable(c)) {
                    g.what = action::use_idle;
                    g.connection = std::move(c);
                    return g;
                }
                g.closed.push_back(std::move(c));
                --open_;
                ++closed_counts_.unusable_while_idle;
            }
        }
        if (open_ < limits_.max_connections) {
            ++open_;
            g.what = action::open_new;
            return g;
        }
        g.what = action::wait;
        return g;
    }

    /// Queues a call that was told to wait; it is served first come, first served.
    void enqueue(Waiter waiter) { waiters_.push_back(std::move(waiter)); }

    /// What became of a released connection or a freed slot.
    struct handoff
    {
        bool to_waiter = false; // `waiter` is served: with `connection`, or a slot when that is empty
        Waiter waiter{};
        Connection connection{}; // for the waiter
        Connection closed{};     // closed here: destroy outside the lock
    };

    /// A call is done with its connection. A reusable one goes to the first waiter, else to the idle
    /// list (up to max_idle), else it is closed; one that is not reusable is closed and its slot goes to
    /// the first waiter.
    handoff release(time_point now, Connection c, bool reusable)
    {
        handoff h;
        if (!reusable) {
            ++closed_counts_.not_reusable;
            h.closed = std::move(c);
            h.to_waiter = give_slot(h.waiter);
            return h;
        }
        if (!waiters_.empty()) {
            h.to_waiter = true;
            h.waiter = waiters_.front();
            waiters_.pop_front();
            h.connection = std::move(c);
            return h;
        }
        if (idle_.size() < limits_.max_idle) {
            idle_.push_back({std::move(c), now});
            return h;
        }
        --open_;
        ++closed_counts_.idle_limit;
        h.closed = std::move(c);
        return h;
    }

    /// A slot was freed without a connection to pool (opening failed or was cancelled, or a waiter that
    /// had been granted one left): it goes to the first waiter, or the count drops.
    handoff free_slot()
    {
        handoff h;
        h.to_waiter = give_slot(h.waiter);
        return h;
    }

    /// A waiter leaves the queue (deadline or cancellation); false if it was not queued (already served).
    bool cancel(const Waiter& waiter)
    {
        const auto at = std::find(waiters_.begin(), waiters_.end(), waiter);
        if (at == waiters_.end())
            return false;
        waiters_.erase(at);
        return true;
    }

    /// Closes every idle connection (the transport's destructor).
    std::vector<Connection> take_idle()
    {
        std::vector<Connection> out;
        std::uint64_t at_shutdown = 0; // not reported: nobody reads the figures of a pool being destroyed
        while (!idle_.empty())
            close_front(out, at_shutdown);
        return out;
    }

    const pool_limits& limits() const { return limits_; }
    std::size_t open() const { return open_; }
    std::size_t idle() const { return idle_.size(); }
    std::size_t waiting() const { return waiters_.size(); }

    /// How a new connection's TLS handshake went (none for plain http).
    enum class handshake
    {
        none,
        full,
        resumed,
    };

    /// A connection was opened in a granted slot, or failed to open (its slot then goes back through
    /// free_slot()). Counted for the statistics only.
    void opened(handshake how = handshake::none)
    {
        ++opened_;
        if (how == handshake::full)
            ++tls_full_;
        else if (how == handshake::resumed)
            ++tls_resumed_;
    }
    void open_failed() { ++open_failed_; }

    /// The figures of the pool (pool_statistics without the retry budget).
    pool_statistics statistics() const
    {
        pool_statistics s;
        s.open = open_;
        s.idle = idle_.size();
        s.busy = open_ - idle_.size();
        s.waiting_calls = waiters_.size();
        s.connections_opened = opened_;
        s.connections_failed = open_failed_;
        s.closed = closed_counts_;
        s.tls_sessions_resumed = tls_resumed_;
        s.tls_full_handshakes = tls_full_;
        s.connections_closed = closed_counts_.idle_timeout + closed_counts_.idle_limit +
                               closed_counts_.unusable_while_idle + closed_counts_.not_reusable +
                               closed_counts_.made_room;
        return s;
    }

private:
    void evict(time_point now, std::vector<Connection>& closed)
    {
        while (!idle_.empty() && now - idle_.front().since > limits_.idle_timeout)
            close_front(closed, closed_counts_.idle_timeout);
    }

    void close_front(std::vector<Connection>& closed, std::uint64_t& reason)
    {
        closed.push_back(std::move(idle_.front().connection));
        idle_.pop_front();
        --open_;
        ++reason;
    }

    bool give_slot(Waiter& to)
    {
        if (waiters_.empty()) {
            --open_;
            return false;
        }
        to = waiters_.front();
        waiters_.pop_front();
        return true;
    }

    struct idle_entry
    {
        Connection connection;
        time_point since;
    };

    pool_limits limits_;
    std::deque<idle_entry> idle_; // front: idle longest
    std::deque<Waiter> waiters_;
    std::size_t open_ = 0; // idle + busy + being opened
    std::uint64_t opened_ = 0;
    std::uint64_t open_failed_ = 0;
    std::uint64_t tls_full_ = 0;
    std::uint64_t tls_resumed_ = 0;
    connection_close_counts closed_counts_;
};

} // namespace wacht::detail
