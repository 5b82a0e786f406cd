// SPDX-License-Identifier: BSL-1.0
// async_send() and async_next() with every kind of Asio completion token, over TLS against the
// emulator: callbacks, futures, deferred operations, as_tuple, coroutines on a concrete executor type,
// strands and a second io_context, cancellation through a bound slot, errors and invalid arguments.
#include "harness.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using wacht::errc;
using wacht::test::harness;
using wacht::test::jane;

namespace {

const std::string unknown_user = "1394412856401047552";

/// Runs the harness's io_context on a thread of its own until destroyed (a work guard keeps run()
/// from returning while the test waits on futures from the main thread).
class background_io
{
public:
    explicit background_io(asio::io_context& io) : io_(io), work_(io.get_executor())
    {
        io_.restart();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~background_io()
    {
        work_.reset();
        thread_.join();
    }
    std::thread::id id() const { return thread_.get_id(); }

private:
    asio::io_context& io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::thread thread_;
};

wacht::emulator::fault latency_on_users(std::chrono::milliseconds delay)
{
    wacht::emulator::fault f;
    f.type = wacht::emulator::fault::kind::latency;
    f.path_prefix = "/users";
    f.times = 1;
    f.delay = delay;
    return f;
}

} // namespace

TEST_CASE("async_send with a callback: the model - on the client's executor - never from within async_send")
{
    harness h;
    int calls = 0;
    wacht::result<wacht::user> created;
    std::thread::id ran_on;
    h.client.users().create(jane).async_send([&](wacht::result<wacht::user> r) {
        ++calls;
        ran_on = std::this_thread::get_id();
        created = std::move(r);
    });
    CHECK(calls == 0); // not invoked from within the initiating function
    h.io.run();
    CHECK(calls == 1);
    CHECK(ran_on == std::this_thread::get_id()); // the thread running the client's io_context
    REQUIRE(created.has_value());
    CHECK(created->first_name == "Jane");
    CHECK(created->primary_email_address == "jane@example.com");
    // The user exists on the server, as the awaitable path sees it.
    CHECK(h.run(h.client.users().details(created->id).send()).first_name == "Jane");

    // A call that returns no data completes with result<void>.
    wacht::result<void> removed{wacht::error{}};
    h.client.users().remove(created->id).async_send([&](wacht::result<void> r) { removed = r; });
    h.io.restart();
    h.io.run();
    CHECK(removed.has_value());
    CHECK(wacht::test::error_of(h.run(h.client.users().details(created->id).try_send())).code ==
          errc::not_found);
}

TEST_CASE("async_send with use_future: synchronous calls with the io_context on a background thread")
{
    harness h;
    background_io running(h.io);
    auto users = h.client.users();

    std::future<wacht::result<wacht::user>> pending = users.create(jane).async_send(asio::use_future);
    wacht::result<wacht::user> created = pending.get();
    REQUIRE(created.has_value());

    const auto details = users.details(created->id).async_send(asio::use_future).get();
    REQUIRE(details.has_value());
    CHECK(details->email_addresses.at(0).email == "jane@example.com");

    // A composed call (a details read projected onto its emails) and a list.
    const auto emails = users.emails().list(created->id).async_send(asio::use_future).get();
    REQUIRE(emails.has_value());
    REQUIRE(emails->size() == 1);
    CHECK(emails->at(0).email == "jane@example.com");
    const auto found = users.find_by_email("JANE@example.com").async_send(asio::use_future).get();
    REQUIRE(found.has_value());
    REQUIRE(found->has_value());
    CHECK((*found)->id == created->id);
    const auto page = users.list().limit(5).async_send(asio::use_future).get();
    REQUIRE(page.has_value());
    CHECK(page->data.size() == 1);
}

TEST_CASE("an HTTP error through a future carries status - server messages and the request id sent")
{
    harness h;
    std::mutex mutex;
    std::vector<std::string> sent_ids;
    h.server.backend().set_observer([&](const wacht::emulator::http_request& r) {
        std::lock_guard lock(mutex);
        sent_ids.push_back(r.request_id);
    });
    background_io running(h.io);
    const auto r = h.client.users().details(unknown_user).async_send(asio::use_future).get();
    const auto e = wacht::test::error_of(r);
    CHECK(e.code == errc::not_found);
    CHECK(e.diagnostics.http_status == 404);
    CHECK(wacht::test::message_of(e) == "Resource not found");
    std::lock_guard lock(mutex);
    REQUIRE(sent_ids.size() == 1);
    CHECK(e.diagnostics.request_id.size() == 32);
    CHECK(e.diagnostics.request_id == sent_ids[0]);
    // value() throws the same api_error send() would.
    CHECK_THROWS_AS(r.value(), wacht::api_error);
}

TEST_CASE("invalid arguments complete the handler with invalid_argument and send nothing")
{
    harness h;
    std::optional<wacht::result<wacht::user_details>> bad_id;
    h.client.users().details("..").async_send([&](wacht::result<wacht::user_details> r) { bad_id = r; });
    std::optional<std::tuple<wacht::result<wacht::user_page>>> bad_limit;
    h.client.users().list().limit(-1).async_send(
        asio::as_tuple([&](std::tuple<wacht::result<wacht::user_page>> t) { bad_limit = std::move(t); }));
    CHECK_FALSE(bad_id); // reported through the handler, not from async_send
    h.io.run();
    REQUIRE(bad_id);
    const auto e = wacht::test::error_of(*bad_id);
    CHECK(e.code == errc::invalid_argument);
    CHECK(e.diagnostics.detail.find("user_id") != std::string::npos);
    REQUIRE(bad_limit);
    CHECK(wacht::test::error_of(std::get<0>(*bad_limit)).code == errc::invalid_argument);
    CHECK(h.server.backend().request_count() == 0);
    CHECK(h.server.connection_count() == 0);

    // Started from the client's own thread, where the work could run inline: the handler is still not
    // called from within async_send().
    bool called = false;
    bool called_inline = true;
    asio::post(h.io, [&] {
        h.client.users().details("").async_send(
            [&](wacht::result<wacht::user_details> r) { called = r.error().code == errc::invalid_argument; });
        called_inline = called;
    });
    h.io.restart();
    h.io.run();
    CHECK(called);
    CHECK_FALSE(called_inline);
    CHECK(h.server.backend().request_count() == 0);
}

TEST_CASE(
    "async_send with deferred: nothing is sent until the operation is invoked - the builder may be gone")
{
    harness h;
    const auto user = h.run(h.client.users().create(jane).send());
    const auto before = h.server.backend().request_count();
    auto operation = [&] {
        auto builder = h.client.users().details(user.id);
        return builder.async_send(asio::deferred);
    }(); // the builder is destroyed here
    h.io.restart();
    h.io.run();
    CHECK(h.server.backend().request_count() == before);
    wacht::result<wacht::user_details> details;
    std::move(operation)([&](wacht::result<wacht::user_details> r) { details = std::move(r); });
    h.io.restart();
    h.io.run();
    REQUIRE(details.has_value());
    CHECK(details->id == user.id);
    CHECK(h.server.backend().request_count() == before + 1);
}

TEST_CASE("async_send with as_tuple and use_awaitable on a concrete executor type")
{
    harness h;
    using executor = asio::io_context::executor_type;
    const asio::use_awaitable_t<executor> on_io;
    std::string created_id;
    std::optional<wacht::error> missing;
    asio::co_spawn(
        h.io.get_executor(),
        [&]() -> asio::awaitable<void, executor> {
            auto builder = h.client.users().create(jane);
            wacht::result<wacht::user> created = co_await builder.async_send(on_io);
            created_id = created.value().id;
            auto lookup = h.client.users().details(unknown_user);
            auto [outcome] = co_await lookup.async_send(asio::as_tuple(on_io));
            if (!outcome)
                missing = outcome.error();
        },
        asio::detached);
    h.io.run();
    CHECK(created_id.size() > 0);
    REQUIRE(missing);
    CHECK(missing->code == errc::not_found);
    CHECK(missing->diagnostics.http_status == 404);

    // And with the default any_io_executor coroutine.
    const auto page = h.run([&]() -> asio::awaitable<wacht::result<wacht::user_page>> {
        auto builder = h.client.users().list();
        co_return co_await builder.async_send(asio::use_awaitable);
    }());
    REQUIRE(page.has_value());
    CHECK(page->data.at(0).id == created_id);
}

TEST_CASE("the handler runs on its associated executor: a strand")
{
    harness h;
    auto strand = asio::make_strand(h.io);
    std::atomic<int> on_strand{0};
    std::atomic<int> done{0};
    for (int i = 0; i < 4; ++i)
        h.client.users().list().async_send(
            asio::bind_executor(strand, [&](wacht::result<wacht::user_page> r) {
                if (strand.running_in_this_thread() && r.has_value())
                    ++on_strand;
                ++done;
            }));
    std::thread second([&] { h.io.run(); });
    h.io.run();
    second.join();
    CHECK(done == 4);
    CHECK(on_strand == 4);
}

TEST_CASE("the handler runs on its associated executor: a second io_context kept busy until it has run")
{
    harness h;
    asio::io_context other;
    std::thread::id ran_on;
    bool in_other = false;
    wacht::result<wacht::user_page> page;
    h.client.users().list().async_send(
        asio::bind_executor(other.get_executor(), [&](wacht::result<wacht::user_page> r) {
            ran_on = std::this_thread::get_id();
            in_other = other.get_executor().running_in_this_thread();
            page = std::move(r);
        }));
    std::thread client_thread([&] { h.io.run(); });
    // other.run() returns only after the handler: the operation counts as work on `other`.
    other.run();
    client_thread.join();
    CHECK(ran_on == std::this_thread::get_id());
    CHECK(in_other);
    CHECK(page.has_value());
}

TEST_CASE("a cancellation slot bound to a callback cancels the call mid-exchange - the pool serves on")
{
    harness h(wacht::test::default_server_options(),
              [](wacht::client_options& o) { o.pool.max_connections = 1; });
    h.server.backend().add_fault(latency_on_users(2s));
    asio::cancellation_signal signal;
    // Emitted on the client's thread once the request has reached the server (which then holds the
    // answer back for 2 s).
    h.server.backend().set_observer([&](const wacht::emulator::http_request&) {
        asio::post(h.io, [&] { signal.emit(asio::cancellation_type::terminal); });
    });
    std::optional<wacht::result<wacht::user_page>> outcome;
    const auto started = std::chrono::steady_clock::now();
    h.client.users().list().async_send(asio::bind_cancellation_slot(
        signal.slot(), [&](wacht::result<wacht::user_page> r) { outcome = std::move(r); }));
    h.io.run();
    REQUIRE(outcome);
    CHECK(wacht::test::error_of(*outcome).code == errc::cancelled);
    CHECK(std::chrono::steady_clock::now() - started < 1500ms);
    h.server.backend().set_observer({});
    CHECK(h.run(h.client.users().list().try_send()).has_value());
}

TEST_CASE("a cancellation slot cancels a call made with use_future and with a deferred operation")
{
    harness h;
    asio::cancellation_signal signal;
    h.server.backend().set_observer([&](const wacht::emulator::http_request&) {
        asio::post(h.io, [&] { signal.emit(asio::cancellation_type::terminal); });
    });

    SECTION("use_future")
    {
        h.server.backend().add_fault(latency_on_users(2s));
        background_io running(h.io);
        const auto started = std::chrono::steady_clock::now();
        auto future =
            h.client.users().list().async_send(asio::bind_cancellation_slot(signal.slot(), asio::use_future));
        const auto r = future.get();
        CHECK(wacht::test::error_of(r).code == errc::cancelled);
        CHECK(std::chrono::steady_clock::now() - started < 1500ms);
    }
    SECTION("deferred, then a callback with the slot")
    {
        h.server.backend().add_fault(latency_on_users(2s));
        auto operation = h.client.users().list().async_send(asio::deferred);
        std::optional<wacht::result<wacht::user_page>> outcome;
        std::move(operation)(asio::bind_cancellation_slot(
            signal.slot(), [&](wacht::result<wacht::user_page> r) { outcome = std::move(r); }));
        const auto started = std::chrono::steady_clock::now();
        h.io.run();
        REQUIRE(outcome);
        CHECK(wacht::test::error_of(*outcome).code == errc::cancelled);
        CHECK(std::chrono::steady_clock::now() - started < 1500ms);
    }
    SECTION("a composed call: the steps after the cancelled one are not started")
    {
        const auto user = h.run(h.client.users().create(jane).send());
        wacht::emulator::fault slow_details;
        slow_details.type = wacht::emulator::fault::kind::latency;
        slow_details.path_prefix = "/users/" + user.id;
        slow_details.times = 1;
        slow_details.delay = 2s;
        h.server.backend().add_fault(slow_details);
        const auto before = h.server.backend().request_count();
        std::optional<wacht::result<std::vector<wacht::user_email>>> outcome;
        h.client.users().emails().list(user.id).async_send(asio::bind_cancellation_slot(
            signal.slot(), [&](wacht::result<std::vector<wacht::user_email>> r) { outcome = std::move(r); }));
        h.io.restart();
        h.io.run();
        REQUIRE(outcome);
        CHECK(wacht::test::error_of(*outcome).code == errc::cancelled);
        CHECK(h.server.backend().request_count() == before + 1);
    }
}

TEST_CASE("async_send(use_awaitable) raced against a timer with || is cancelled when the timer wins")
{
    harness h;
    h.server.backend().add_fault(latency_on_users(2s));
    const auto started = std::chrono::steady_clock::now();
    const auto winner = h.run([&]() -> asio::awaitable<std::size_t> {
        using namespace asio::experimental::awaitable_operators;
        asio::steady_timer timer(co_await asio::this_coro::executor, 50ms);
        // Named operands: GCC 12 mishandles temporaries inside a co_await expression.
        auto builder = h.client.users().list();
        auto call = builder.async_send(asio::use_awaitable);
        auto tick = timer.async_wait(asio::use_awaitable);
        auto which = co_await (std::move(call) || std::move(tick));
        co_return which.index();
    }());
    CHECK(winner == 1);
    // The operator waits for the cancelled call: without cancellation it would take the 2 s latency.
    CHECK(std::chrono::steady_clock::now() - started < 1500ms);
    CHECK(h.run(h.client.users().list().try_send()).has_value());
}

TEST_CASE("pagers: async_next with futures and item pagers with callbacks walk every item once")
{
    harness h;
    std::set<std::string> created;
    for (int i = 0; i < 5; ++i) {
        auto params = jane;
        params.email_address = "jane" + std::to_string(i) + "@example.com";
        created.insert(h.run(h.client.users().create(params).send()).id);
    }

    SECTION("pages with use_future on a background thread")
    {
        background_io running(h.io);
        auto pages = h.client.users().list().sort_key(wacht::user_sort_key::created_at).pages(2);
        std::set<std::string> seen;
        int page_count = 0;
        for (;;) {
            auto next = pages.async_next(asio::use_future).get();
            REQUIRE(next.has_value());
            if (!*next)
                break;
            ++page_count;
            for (const auto& u : (*next)->data)
                CHECK(seen.insert(u.id).second);
        }
        CHECK(page_count == 3);
        CHECK(seen == created);
        CHECK(pages.done());
        // The walk is over: nullopt again, without a request.
        const auto count = h.server.backend().request_count();
        CHECK_FALSE(pages.async_next(asio::use_future).get().value().has_value());
        CHECK(h.server.backend().request_count() == count);
    }
    SECTION("items with a callback that asks for the next item")
    {
        auto items = h.client.users().list().items(2);
        std::set<std::string> seen;
        std::optional<wacht::error> failure;
        std::function<void(wacht::result<std::optional<wacht::user>>)> on_item;
        on_item = [&](wacht::result<std::optional<wacht::user>> r) {
            if (!r) {
                failure = r.error();
                return;
            }
            if (!*r)
                return; // the walk is over
            seen.insert((*r)->id);
            items.async_next(on_item);
        };
        items.async_next(on_item);
        h.io.restart();
        h.io.run();
        CHECK_FALSE(failure);
        CHECK(seen == created);
        CHECK(items.offset() == 5);
    }
    SECTION("an error and a retry of the same page through as_tuple")
    {
        auto pages = h.client.users().list().pages(3);
        wacht::emulator::fault unavailable;
        unavailable.type = wacht::emulator::fault::kind::status;
        unavailable.status = 400;
        unavailable.path_prefix = "/users";
        unavailable.times = 1;
        h.server.backend().add_fault(unavailable);
        std::optional<std::tuple<wacht::result<std::optional<wacht::user_page>>>> first, second;
        pages.async_next(asio::as_tuple([&](auto t) { first = std::move(t); }));
        h.io.restart();
        h.io.run();
        REQUIRE(first);
        CHECK(wacht::test::error_of(std::get<0>(*first)).code == errc::bad_request);
        CHECK(pages.offset() == 0);
        pages.async_next(asio::as_tuple([&](auto t) { second = std::move(t); }));
        h.io.restart();
        h.io.run();
        REQUIRE(second);
        REQUIRE(std::get<0>(*second).has_value());
        CHECK(std::get<0>(*second)->value().data.size() == 3);
        CHECK(pages.offset() == 3);
    }
}
