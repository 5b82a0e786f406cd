// SPDX-License-Identifier: BSL-1.0
// The pool's decisions (lib/transport/pool_state.hpp) with fake connections and a fake clock: no
// sockets, no sleeps.
#include "transport/deadline_heap.hpp"
#include "transport/pool_state.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <set>

using namespace std::chrono_literals;
using wacht::detail::pool_limits;

namespace {

// A fake connection: an id, and whether its peer is still there; `closed` records destruction.
struct fake_connection
{
    int id = 0;
    bool alive = true;
    std::set<int>* closed = nullptr;
    ~fake_connection()
    {
        if (closed)
            closed->insert(id);
    }
};
using connection = std::unique_ptr<fake_connection>;
using waiter = int; // a waiting call's handle
using pool = wacht::detail::pool_state<connection, waiter>;
using action = pool::action;

const auto is_alive = [](const connection& c) { return c->alive; };

struct fixture
{
    explicit fixture(pool_limits limits) : p(limits) {}

    // Opens `n` connections (each gets a slot) and releases them all as reusable idle ones.
    std::vector<fake_connection*> idle(int n)
    {
        std::vector<connection> open;
        for (int i = 0; i < n; ++i) {
            REQUIRE(p.acquire(now, false, is_alive).what == action::open_new);
            open.push_back(std::make_unique<fake_connection>(fake_connection{next_id++, true, &closed}));
        }
        std::vector<fake_connection*> raw;
        for (auto& c : open) {
            raw.push_back(c.get());
            p.release(now, std::move(c), true);
        }
        return raw;
    }

    std::set<int> closed; // declared first: the pool's connections write into it when destroyed
    pool p;
    std::chrono::steady_clock::time_point now{};
    int next_id = 1;
};

} // namespace

TEST_CASE("pool state: the most recently used idle connection is reused")
{
    fixture f({.max_connections = 4, .max_idle = 4});
    f.idle(3);
    auto g = f.p.acquire(f.now, false, is_alive);
    REQUIRE(g.what == action::use_idle);
    CHECK(g.connection->id == 3);
    CHECK(g.closed.empty());
    CHECK(f.p.open() == 3);
    CHECK(f.p.idle() == 2);
}

TEST_CASE("pool state: N dead idle connections after a restart are closed on the way - a new one is "
          "opened - not an attempt")
{
    const int dead = GENERATE(3, 10, 32);
    fixture f({.max_connections = 64, .max_idle = 64});
    for (auto* c : f.idle(dead))
        c->alive = false; // the server restarted
    auto g = f.p.acquire(f.now, false, is_alive);
    CHECK(g.what == action::open_new); // one call: every dead one closed, then a new slot
    CHECK(g.closed.size() == static_cast<std::size_t>(dead));
    g.closed.clear();
    CHECK(f.closed.size() == static_cast<std::size_t>(dead));
    CHECK(f.p.idle() == 0);
    CHECK(f.p.open() == 1);
}

TEST_CASE("pool state: a dead idle connection is skipped - a live older one is used")
{
    fixture f({.max_connections = 4, .max_idle = 4});
    auto idle = f.idle(3);
    idle[2]->alive = false;
    auto g = f.p.acquire(f.now, false, is_alive);
    REQUIRE(g.what == action::use_idle);
    CHECK(g.connection->id == 2);
    CHECK(g.closed.size() == 1);
    CHECK(f.p.open() == 2);
}

TEST_CASE("pool state: new_only never takes an idle connection - a full pool closes the longest idle")
{
    fixture f({.max_connections = 3, .max_idle = 3});
    f.idle(2);
    auto g = f.p.acquire(f.now, true, is_alive);
    CHECK(g.what == action::open_new); // room left: both idle ones stay
    CHECK(g.closed.empty());
    CHECK(f.p.open() == 3);
    auto full = f.p.acquire(f.now, true, is_alive);
    CHECK(full.what == action::open_new);
    REQUIRE(full.closed.size() == 1);
    CHECK(full.closed[0]->id == 1); // the longest idle made room
    CHECK(f.p.open() == 3);
}

TEST_CASE("pool state: waiters are served first come - first served - a cancelled one leaves the queue")
{
    fixture f({.max_connections = 1, .max_idle = 1});
    REQUIRE(f.p.acquire(f.now, false, is_alive).what == action::open_new);
    for (waiter w : {1, 2, 3}) {
        REQUIRE(f.p.acquire(f.now, false, is_alive).what == action::wait);
        f.p.enqueue(w);
    }
    CHECK(f.p.cancel(2));
    CHECK_FALSE(f.p.cancel(2));
    auto h = f.p.release(f.now, std::make_unique<fake_connection>(fake_connection{7, true, nullptr}), true);
    REQUIRE(h.to_waiter);
    CHECK(h.waiter == 1);
    CHECK(h.connection->id == 7);
    // Not reusable: closed, and its slot goes to the next waiter.
    auto h2 = f.p.release(f.now, std::move(h.connection), false);
    REQUIRE(h2.to_waiter);
    CHECK(h2.waiter == 3);
    CHECK(h2.closed);
    CHECK_FALSE(h2.connection);
    CHECK(f.p.open() == 1);
    CHECK(f.p.waiting() == 0);
    // The slot's opening failed: nobody waits, the count drops.
    CHECK_FALSE(f.p.free_slot().to_waiter);
    CHECK(f.p.open() == 0);
}

TEST_CASE("pool state: idle connections past idle_timeout are evicted - by the injected clock")
{
    fixture f({.max_connections = 4, .max_idle = 4, .idle_timeout = 30s});
    f.idle(2);
    f.now += 30s;
    CHECK(f.p.acquire(f.now, false, is_alive).what == action::use_idle); // exactly 30 s: still fresh
    f.now += 1ms;
    auto g = f.p.acquire(f.now, false, is_alive);
    CHECK(g.what == action::open_new);
    CHECK(g.closed.size() == 1); // the other one, evicted
    CHECK(f.p.open() == 2);      // the one in use and the new one
}

TEST_CASE("pool state: max_idle bounds the idle list - the extra connection is closed")
{
    fixture f({.max_connections = 4, .max_idle = 1});
    REQUIRE(f.p.acquire(f.now, false, is_alive).what == action::open_new);
    REQUIRE(f.p.acquire(f.now, false, is_alive).what == action::open_new);
    CHECK_FALSE(f.p.release(f.now, std::make_unique<fake_connection>(), true).closed);
    CHECK(f.p.release(f.now, std::make_unique<fake_connection>(), true).closed);
    CHECK(f.p.idle() == 1);
    CHECK(f.p.open() == 1);
    CHECK(f.p.take_idle().size() == 1);
    CHECK(f.p.open() == 0);
}

TEST_CASE("pool state: statistics count opened and failed connections and every close by its reason")
{
    fixture f({.max_connections = 3, .max_idle = 1, .idle_timeout = 10s});
    auto idle = f.idle(1);
    f.p.opened();
    auto s = f.p.statistics();
    CHECK(s.open == 1);
    CHECK(s.idle == 1);
    CHECK(s.busy == 0);
    CHECK(s.connections_opened == 1);

    // Two busy (the idle one and a new one) and a slot being opened: busy counts them all.
    auto reused = f.p.acquire(f.now, false, is_alive);
    REQUIRE(reused.what == action::use_idle);
    auto fresh = f.p.acquire(f.now, false, is_alive);
    REQUIRE(fresh.what == action::open_new);
    f.p.opened(pool::handshake::full);
    auto failing = f.p.acquire(f.now, false, is_alive);
    REQUIRE(failing.what == action::open_new);
    REQUIRE(f.p.acquire(f.now, false, is_alive).what == action::wait);
    f.p.enqueue(7);
    s = f.p.statistics();
    CHECK(s.open == 3);
    CHECK(s.busy == 3);
    CHECK(s.idle == 0);
    CHECK(s.waiting_calls == 1);

    // The slot that failed to open goes to the waiter, which opens a connection; nothing was closed.
    f.p.open_failed();
    CHECK(f.p.free_slot().to_waiter);
    f.p.opened(pool::handshake::resumed);
    s = f.p.statistics();
    CHECK(s.connections_failed == 1);
    CHECK(s.connections_opened == 3);
    CHECK(s.tls_full_handshakes == 1);
    CHECK(s.tls_sessions_resumed == 1);
    CHECK(s.connections_closed == 0);

    // Released: one not reusable (closed), one to idle, one over max_idle (closed).
    f.p.release(f.now, std::move(reused.connection), false);
    f.p.release(f.now, std::make_unique<fake_connection>(fake_connection{10, true, &f.closed}), true);
    f.p.release(f.now, std::make_unique<fake_connection>(fake_connection{11, true, &f.closed}), true);
    s = f.p.statistics();
    CHECK(s.closed.not_reusable == 1);
    CHECK(s.closed.idle_limit == 1);
    CHECK(s.open == 1);
    CHECK(s.idle == 1);

    // Idle too long (by the injected clock): evicted on the next acquire, which opens a new one.
    f.now += 11s;
    REQUIRE(f.p.acquire(f.now, false, is_alive).what == action::open_new);
    CHECK(f.p.statistics().closed.idle_timeout == 1);
    // Dead while idle: closed on the way.
    f.p.release(f.now, std::make_unique<fake_connection>(fake_connection{12, false, &f.closed}), true);
    REQUIRE(f.p.acquire(f.now, false, is_alive).what == action::open_new);
    CHECK(f.p.statistics().closed.unusable_while_idle == 1);
    // A full pool makes room for a replay's new connection by closing the longest-idle one.
    f.p.release(f.now, std::make_unique<fake_connection>(fake_connection{13, true, &f.closed}), true);
    REQUIRE(f.p.acquire(f.now, false, is_alive).what == action::use_idle);
    f.p.release(f.now, std::make_unique<fake_connection>(fake_connection{14, true, &f.closed}), true);
    REQUIRE(f.p.acquire(f.now, true, is_alive).what == action::open_new);
    REQUIRE(f.p.acquire(f.now, true, is_alive).what == action::open_new);
    s = f.p.statistics();
    CHECK(s.open == 3);
    CHECK(s.idle == 1);
    REQUIRE(f.p.acquire(f.now, true, is_alive).what == action::open_new); // the idle one made room
    s = f.p.statistics();
    CHECK(s.closed.made_room == 1);
    CHECK(s.open == 3);
    CHECK(s.idle == 0);
    CHECK(s.connections_closed == s.closed.idle_timeout + s.closed.idle_limit + s.closed.unusable_while_idle +
                                      s.closed.not_reusable + s.closed.made_room);
}

TEST_CASE("deadline heap: earliest first after pushes and erasures in any order - each item knows its slot")
{
    struct item
    {
        std::chrono::steady_clock::time_point deadline;
        std::size_t heap_slot = wacht::detail::deadline_heap<item>::absent;
    };
    const auto t0 = std::chrono::steady_clock::time_point{};
    std::mt19937 random(7);
    for (int round = 0; round < 50; ++round) {
        std::vector<item> items(200);
        wacht::detail::deadline_heap<item> heap;
        std::multiset<std::chrono::steady_clock::time_point> expected; // the reference: a sorted container
        for (auto& i : items) {
            i.deadline = t0 + std::chrono::milliseconds(random() % 50); // many equal deadlines
            heap.push(i);
            expected.insert(i.deadline);
        }
        // A third leave early (served before their deadline), from anywhere in the heap; twice is a no-op.
        for (std::size_t k = 0; k < items.size(); k += 3) {
            heap.erase(items[k]);
            heap.erase(items[k]);
            CHECK(items[k].heap_slot == wacht::detail::deadline_heap<item>::absent);
            expected.erase(expected.find(items[k].deadline));
        }
        REQUIRE(heap.size() == expected.size());
        std::vector<std::chrono::steady_clock::time_point> order;
        while (!heap.empty()) {
            item* top = heap.top();
            CHECK(top->heap_slot == 0);
            order.push_back(top->deadline);
            heap.erase(*top);
        }
        CHECK(order == std::vector<std::chrono::steady_clock::time_point>(expected.begin(), expected.end()));
    }
}
