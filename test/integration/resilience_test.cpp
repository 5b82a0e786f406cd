// SPDX-License-Identifier: BSL-1.0
// Retries, the retry budget and the emulator's fault injection: for each fault, the outcome, how many
// requests the emulator saw, and that a POST is never sent twice unless it never arrived.
#include "canned_server.hpp"
#include "harness.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;
using wacht::errc;
using wacht::emulator::fault;
using wacht::test::error_of;
using wacht::test::harness;
using wacht::test::jane;

namespace {

// Quick retries, so that the tests spend their time on the network and not on backoff.
void fast_retries(wacht::client_options& o)
{
    o.retry.initial_backoff = 1ms;
    o.retry.max_backoff = 5ms;
}

fault make_fault(fault::kind type, std::string path = "/users", std::uint64_t times = UINT64_MAX)
{
    fault f;
    f.type = type;
    f.path_prefix = std::move(path);
    f.times = times;
    return f;
}

std::uint64_t users_in(harness& h)
{
    return h.run(h.client.users().list().limit(100).send()).data.size();
}

} // namespace

TEST_CASE("a GET answered 503 twice succeeds on the third attempt")
{
    harness h(wacht::test::default_server_options(), fast_retries);
    h.server.backend().add_fault(make_fault(fault::kind::status, "/users", 2));
    CHECK(h.run(h.client.users().list().try_send()).has_value());
    CHECK(h.server.backend().request_count() == 3);
}

TEST_CASE("502 503 and 504 are retried up to max_attempts - then the last error stands")
{
    for (int status : {502, 503, 504}) {
        harness h(wacht::test::default_server_options(), fast_retries);
        auto f = make_fault(fault::kind::status);
        f.status = status;
        h.server.backend().add_fault(f);
        const auto e = error_of(h.run(h.client.users().list().try_send()));
        CHECK(e.code == errc::server_error);
        CHECK(e.diagnostics.http_status == status);
        CHECK(h.server.backend().request_count() == 3);
    }
}

TEST_CASE("other statuses are not retried")
{
    harness h(wacht::test::default_server_options(), fast_retries);
    auto f = make_fault(fault::kind::status);
    f.status = 500;
    h.server.backend().add_fault(f);
    CHECK(error_of(h.run(h.client.users().list().try_send())).code == errc::server_error);
    CHECK(h.server.backend().request_count() == 1);
}

TEST_CASE("a POST answered 503 is not sent again")
{
    harness h(wacht::test::default_server_options(), fast_retries);
    h.server.backend().add_fault(make_fault(fault::kind::status, "/users", 1));
    CHECK(error_of(h.run(h.client.users().create(jane).try_send())).code == errc::server_error);
    CHECK(h.server.backend().request_count() == 1);
    CHECK(users_in(h) == 0);
}

TEST_CASE("a connection closed before any answer: GET retried - POST not")
{
    harness h(wacht::test::default_server_options(), fast_retries);
    h.server.backend().add_fault(make_fault(fault::kind::close_before_answer, "/users", 1));
    CHECK(h.run(h.client.users().list().try_send()).has_value());
    CHECK(h.server.backend().request_count() == 2);

    h.server.backend().add_fault(make_fault(fault::kind::close_before_answer, "/users", 1));
    const auto e = error_of(h.run(h.client.users().create(jane).try_send()));
    CHECK(e.code == errc::read_failed);
    CHECK(h.server.backend().request_count() == 3); // the POST arrived once and was not resent
    CHECK(users_in(h) == 0);
    CHECK(h.run(h.client.users().create(jane).try_send()).has_value()); // the pool still serves
}

TEST_CASE("a response cut after its headers or mid-body fails without a retry")
{
    for (auto kind : {fault::kind::close_after_headers, fault::kind::close_mid_body}) {
        harness h(wacht::test::default_server_options(), fast_retries);
        h.server.backend().add_fault(make_fault(kind, "/users", 1));
        const auto e = error_of(h.run(h.client.users().list().try_send()));
        CHECK(e.code == errc::read_failed);
        CHECK(h.server.backend().request_count() == 1);
        CHECK(h.run(h.client.users().list().try_send()).has_value());
    }
}

TEST_CASE("malformed JSON and oversized bodies are typed errors, not retried")
{
    harness h(wacht::test::default_server_options(), [](wacht::client_options& o) {
        fast_retries(o);
        o.max_response_body = 1024 * 1024;
    });
    h.server.backend().add_fault(make_fault(fault::kind::malformed_json, "/users", 1));
    CHECK(error_of(h.run(h.client.users().list().try_send())).code == errc::decode_failed);
    h.server.backend().add_fault(make_fault(fault::kind::oversized_body, "/users", 1));
    CHECK(error_of(h.run(h.client.users().list().try_send())).code == errc::body_limit_exceeded);
    CHECK(h.server.backend().request_count() == 2);
    CHECK(h.run(h.client.users().list().try_send()).has_value());
}

TEST_CASE("stalled headers end in the read timeout - latency past the deadline in deadline_exceeded")
{
    harness h(wacht::test::default_server_options(), [](wacht::client_options& o) {
        fast_retries(o);
        o.timeouts.read = 100ms;
    });
    auto stall = make_fault(fault::kind::stall_headers, "/users", 1);
    stall.delay = 2s;
    h.server.backend().add_fault(stall);
    const auto started = std::chrono::steady_clock::now();
    CHECK(error_of(h.run(h.client.users().list().try_send())).code == errc::read_timeout);
    CHECK(std::chrono::steady_clock::now() - started < 1s);

    auto slow = make_fault(fault::kind::latency, "/users", 1);
    slow.delay = 300ms;
    h.server.backend().add_fault(slow);
    CHECK(error_of(h.run(h.client.users().list().deadline(50ms).try_send())).code == errc::deadline_exceeded);
    CHECK(h.run(h.client.users().list().try_send()).has_value()); // a fresh connection serves again
}

TEST_CASE("429: not retried by default - retried after the server's wait when opted in")
{
    harness h(wacht::test::default_server_options(), fast_retries);
    auto limited = make_fault(fault::kind::rate_limit, "/users", 1);
    limited.retry_after_seconds = 1;
    h.server.backend().add_fault(limited);
    const auto e = error_of(h.run(h.client.users().list().try_send()));
    CHECK(e.code == errc::rate_limited);
    CHECK(e.diagnostics.retry_after == 1s);
    CHECK(h.server.backend().request_count() == 1);

    auto policy = wacht::retry_policy{};
    policy.retry_rate_limited = true;
    h.server.backend().add_fault(limited);
    const auto started = std::chrono::steady_clock::now();
    CHECK(h.run(h.client.users().create(jane).retry(policy).try_send()).has_value()); // even a POST
    CHECK(std::chrono::steady_clock::now() - started >= 1s);
    CHECK(h.server.backend().request_count() == 3);

    // A wait past the deadline is not waited for.
    h.server.backend().add_fault(limited);
    CHECK(error_of(h.run(h.client.users().list().retry(policy).deadline(300ms).try_send())).code ==
          errc::rate_limited);
    CHECK(h.server.backend().request_count() == 4);
}

TEST_CASE("connect failures are retried for any method - the request never left")
{
    std::uint16_t port;
    {
        wacht::test::canned_server closed("");
        port = closed.port();
    }
    std::mutex mutex;
    int attempts = 0;
    boost::asio::io_context io;
    wacht::client_options o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port);
    o.api_key = "k";
    fast_retries(o);
    o.logger = [&](wacht::log_level, std::string_view line) {
        std::lock_guard lock(mutex);
        attempts += line.find("connect failed") != std::string_view::npos;
    };
    wacht::client client(io.get_executor(), o);
    auto future = boost::asio::co_spawn(io, client.users().create(jane).try_send(), boost::asio::use_future);
    io.run();
    CHECK(error_of(future.get()).code == errc::connect_failed);
    CHECK(attempts == 3);
}

TEST_CASE("the retry budget stops retries against a failing server - and refills on success")
{
    harness h(wacht::test::default_server_options(), [](wacht::client_options& o) {
        fast_retries(o);
        o.retry.budget_tokens = 2;
        o.retry.budget_refill_per_success = 1;
    });
    auto failing = make_fault(fault::kind::status, "/users?limit=1");
    h.server.backend().add_fault(failing);
    (void)h.run(h.client.users().list().limit(1).try_send()); // 3 attempts: 2 tokens spent
    CHECK(h.server.backend().request_count() == 3);
    (void)h.run(h.client.users().list().limit(1).try_send()); // bucket empty: 1 attempt
    CHECK(h.server.backend().request_count() == 4);
    CHECK(h.run(h.client.users().list().limit(2).try_send()).has_value()); // refills one token
    (void)h.run(h.client.users().list().limit(1).try_send());
    CHECK(h.server.backend().request_count() == 7);
}

TEST_CASE("a per-call policy overrides the client's")
{
    harness h(wacht::test::default_server_options(), fast_retries);
    h.server.backend().add_fault(make_fault(fault::kind::status));
    wacht::retry_policy once;
    once.max_attempts = 1;
    CHECK(error_of(h.run(h.client.users().list().retry(once).try_send())).code == errc::server_error);
    CHECK(h.server.backend().request_count() == 1);
}

TEST_CASE("fault specs parse from the command-line syntax")
{
    const auto f = fault::parse("status:status=502,probability=0.25,path=/users,method=GET,times=4");
    CHECK(f.type == fault::kind::status);
    CHECK(f.status == 502);
    CHECK(f.probability == 0.25);
    CHECK(f.path_prefix == "/users");
    CHECK(f.method == "GET");
    CHECK(f.times == 4);
    CHECK(fault::parse("stall_headers:delay_ms=1500").delay == 1500ms);
    CHECK(fault::parse("rate_limit:retry_after=7").retry_after_seconds == 7);
    CHECK_THROWS(fault::parse("explode"));
    CHECK_THROWS(fault::parse("status:colour=red"));
    CHECK_THROWS(fault::parse("status:times=x"));
}

TEST_CASE("a fault with a probability fires about that often")
{
    harness h(wacht::test::default_server_options(),
              [](wacht::client_options& o) { o.retry.max_attempts = 1; });
    auto sometimes = make_fault(fault::kind::status);
    sometimes.probability = 0.5;
    h.server.backend().add_fault(sometimes);
    int failed = 0;
    for (int i = 0; i < 200; ++i)
        failed += h.run(h.client.users().list().try_send()).has_value() ? 0 : 1;
    // Binomial(200, 0.5): outside [60, 140] with probability below 1e-8.
    CHECK(failed > 60);
    CHECK(failed < 140);
}

TEST_CASE("a pool busy until the deadline is pool_exhausted - and it names the last connect error")
{
    harness h(wacht::test::default_server_options(), [](wacht::client_options& o) {
        fast_retries(o);
        o.pool.max_connections = 1;
    });
    auto stall = make_fault(fault::kind::latency, "/users", 1);
    stall.delay = 500ms;
    h.server.backend().add_fault(stall);
    wacht::error waiting_error;
    boost::asio::co_spawn(
        h.io, [&]() -> boost::asio::awaitable<void> { (void)co_await h.client.users().list().try_send(); },
        boost::asio::detached);
    boost::asio::co_spawn(
        h.io,
        [&]() -> boost::asio::awaitable<void> {
            auto r = co_await h.client.users().list().limit(1).deadline(100ms).try_send();
            waiting_error = r.error();
        },
        boost::asio::detached);
    h.io.restart();
    h.io.run();
    CHECK(waiting_error.code == errc::pool_exhausted);
    CHECK(waiting_error.diagnostics.detail.find("busy") != std::string::npos);
    CHECK(h.server.backend().request_count() == 1); // the waiter never sent anything

    // Against a peer that never finishes the TLS handshake: A times out connecting (150 ms) while B and
    // C wait; B takes the slot and stalls too; C's deadline passes while waiting, and its error names
    // the connect failure the pool saw last (A's).
    wacht::test::canned_server silent("", wacht::test::canned_server::mode::stall);
    boost::asio::io_context io;
    wacht::client_options o;
    o.base_url = silent.url("https");
    o.api_key = "k";
    o.tls.use_system_roots = false;
    o.pool.max_connections = 1;
    o.retry.max_attempts = 1;
    o.timeouts.tls_handshake = 150ms;
    wacht::client client(io.get_executor(), o);
    std::map<char, wacht::error> errors;
    for (auto [name, deadline] : {std::pair{'A', 1000ms}, std::pair{'B', 1000ms}, std::pair{'C', 250ms}})
        boost::asio::co_spawn(
            io,
            [&, name = name, deadline = deadline]() -> boost::asio::awaitable<void> {
                auto r = co_await client.users().list().deadline(deadline).try_send();
                errors[name] = r.error();
            },
            boost::asio::detached);
    io.run();
    CHECK(errors['A'].code == errc::tls_handshake_timeout);
    CHECK(errors['B'].code == errc::tls_handshake_timeout);
    CHECK(errors['C'].code == errc::pool_exhausted);
    CHECK(errors['C'].diagnostics.detail.find("last connect error") != std::string::npos);
    CHECK(errors['C'].diagnostics.cause);
}

TEST_CASE("waiting calls leave the queue at their own deadlines, in deadline order, whatever order they "
          "queued in")
{
    harness h(wacht::test::default_server_options(), [](wacht::client_options& o) {
        fast_retries(o);
        o.pool.max_connections = 1;
    });
    auto slow = make_fault(fault::kind::latency, "/users", 1);
    slow.delay = 1200ms;
    h.server.backend().add_fault(slow);
    std::vector<std::string> ended;
    std::map<std::string, wacht::error> errors;
    boost::asio::co_spawn(
        h.io,
        [&]() -> boost::asio::awaitable<void> {
            auto held = co_await h.client.users().list().try_send(); // holds the one connection
            CHECK(held.has_value());
            ended.emplace_back("holder");
        },
        boost::asio::detached);
    // Queued in this order; the second has the earliest deadline, so the pool's one timer is set
    // earlier than it was for the first.
    for (auto [name, deadline] :
         {std::pair{"w900", 900ms}, std::pair{"w300", 300ms}, std::pair{"w600", 600ms}})
        boost::asio::co_spawn(
            h.io,
            [&, name = std::string(name), deadline = deadline]() -> boost::asio::awaitable<void> {
                auto r = co_await h.client.users().list().limit(1).deadline(deadline).try_send();
                errors[name] = r.error();
                ended.push_back(name);
            },
            boost::asio::detached);
    h.io.restart();
    h.io.run();
    CHECK(ended == std::vector<std::string>{"w300", "w600", "w900", "holder"});
    for (const auto& [name, e] : errors)
        CHECK(e.code == errc::pool_exhausted);
    CHECK(h.server.backend().request_count() == 1);
    CHECK(h.client.pool_statistics().waiting_calls == 0);
    // The pool serves on: a waiter with no deadline at all is served when the connection comes back.
    auto again = make_fault(fault::kind::latency, "/users", 1);
    again.delay = 200ms;
    h.server.backend().add_fault(again);
    int served = 0;
    for (int i = 0; i < 2; ++i)
        boost::asio::co_spawn(
            h.io,
            [&]() -> boost::asio::awaitable<void> {
                auto r =
                    co_await h.client.users().list().deadline(std::chrono::milliseconds::max()).try_send();
                served += r.has_value() ? 1 : 0;
            },
            boost::asio::detached);
    h.io.restart();
    h.io.run();
    CHECK(served == 2);
}

TEST_CASE("an awaitable-operator timeout cancels a call mid-exchange - its connection is closed - the pool "
          "serves on")
{
    harness h(wacht::test::default_server_options(),
              [](wacht::client_options& o) { o.pool.max_connections = 1; });
    h.run(h.client.users().list().send()); // one pooled connection
    auto slow = make_fault(fault::kind::latency, "/users", 1);
    slow.delay = 1s;
    h.server.backend().add_fault(slow);
    const auto started = std::chrono::steady_clock::now();
    const auto winner = h.run([&]() -> boost::asio::awaitable<std::size_t> {
        using namespace boost::asio::experimental::awaitable_operators;
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 50ms);
        // Named operands: GCC 12 mishandles temporaries inside a co_await expression.
        auto call = h.client.users().list().try_send();
        auto tick = timer.async_wait(boost::asio::use_awaitable);
        auto which = co_await (std::move(call) || std::move(tick));
        co_return which.index();
    }());
    CHECK(winner == 1);
    CHECK(std::chrono::steady_clock::now() - started < 500ms);
    // The cancelled connection was not pooled, and its slot came back: a new one serves.
    CHECK(h.run(h.client.users().list().try_send()).has_value());
    CHECK(h.server.connection_count() == 2);
}

TEST_CASE("cancelling a call that waits for a pooled connection takes it out of the queue")
{
    harness h(wacht::test::default_server_options(),
              [](wacht::client_options& o) { o.pool.max_connections = 1; });
    auto slow = make_fault(fault::kind::latency, "/users", 1);
    slow.delay = 300ms;
    h.server.backend().add_fault(slow);
    bool first_done = false;
    boost::asio::co_spawn(
        h.io,
        [&]() -> boost::asio::awaitable<void> {
            first_done = (co_await h.client.users().list().try_send()).has_value();
        },
        boost::asio::detached);
    boost::asio::cancellation_signal signal;
    wacht::result<wacht::user_page> second;
    boost::asio::co_spawn(h.io, h.client.users().list().limit(1).try_send(),
                          boost::asio::bind_cancellation_slot(
                              signal.slot(), [&](std::exception_ptr, wacht::result<wacht::user_page> r) {
                                  second = std::move(r);
                              }));
    boost::asio::steady_timer timer(h.io, 50ms);
    timer.async_wait(
        [&](boost::system::error_code) { signal.emit(boost::asio::cancellation_type::terminal); });
    const auto started = std::chrono::steady_clock::now();
    h.io.restart();
    h.io.run();
    CHECK(first_done);
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error().code == errc::cancelled);
    CHECK(h.server.backend().request_count() == 1); // the cancelled call sent nothing
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    CHECK(h.run(h.client.users().list().try_send()).has_value());
}

TEST_CASE("a server closing idle keep-alive connections after 50 ms: a GET is replayed - a POST is never "
          "sent into a closed one")
{
    auto options = wacht::test::default_server_options();
    options.keep_alive_timeout = 50ms;
    harness h(options,
              [](wacht::client_options& o) { o.retry.max_attempts = 1; }); // no retries to hide behind
    const auto wait_for_close = [&](std::uint64_t closed) {
        // Bounded wait for the server's keep-alive timer (a condition, not a guess at a duration).
        for (int i = 0; i < 500 && h.server.closed_connection_count() < closed; ++i)
            std::this_thread::sleep_for(10ms);
        REQUIRE(h.server.closed_connection_count() >= closed);
    };
    h.run(h.client.users().list().send());
    wait_for_close(1);
    // The GET goes out on the pooled connection, finds it closed before any response byte, and is
    // replayed once on a new connection.
    CHECK(h.run(h.client.users().list().try_send()).has_value());
    wait_for_close(2);
    // The POST is not replayable: the pool peeks, drops the closed connection and opens a new one.
    CHECK(h.run(h.client.users().create(jane).try_send()).has_value());
    CHECK(h.server.backend().request_count() == 3);
    CHECK(h.server.connection_count() == 3);
}
