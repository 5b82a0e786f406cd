// SPDX-License-Identifier: BSL-1.0
// Reliability under hostile servers, restarts and many threads (issue 10): late and unsolicited
// responses, 1xx interim responses, dead idle connections, the retry budget, deadline arithmetic, TLS
// failure reasons, host-name origins and what goes on the wire. Each test talks to a misbehaving peer
// over real sockets (test/support/scripted_server.hpp), never to the emulator's code.
#include "canned_server.hpp"
#include "harness.hpp"
#include "plain_client.hpp"
#include "scripted_server.hpp"
#include "wacht/emulator/pki.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <atomic>
#include <latch>
#include <mutex>
#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using wacht::errc;
using wacht::test::error_of;
using wacht::test::plain_client;
using wacht::test::read_data;
using wacht::test::scripted_server;
using wacht::test::whole_response;
using reply = scripted_server::reply;

namespace {

// "GET /users/1/details HTTP/1.1..." -> "/users/1/details"
std::string target_of(const scripted_server::request& r)
{
    const auto first = r.head.find(' ') + 1;
    return r.head.substr(first, r.head.find(' ', first) - first);
}

std::string method_of(const scripted_server::request& r)
{
    return r.head.substr(0, r.head.find(' '));
}

// The contract's user-details fixture with another id.
std::string details_body(const std::string& id)
{
    auto body = read_data("user-details.json");
    const std::string fixture_id = "1394412856401047552";
    body.replace(body.find(fixture_id), fixture_id.size(), id);
    return body;
}

const std::string not_found_body = R"({"errors":[{"message":"User not found","code":404}]})";

// GET /users/{id}/details answers that user; DELETE /users/{id} answers 200 for "1001", else 404;
// GET /users answers the list fixture.
reply plain_answer(const scripted_server::request& r)
{
    const auto target = target_of(r);
    if (method_of(r) == "GET" && target.ends_with("/details")) {
        const auto id = target.substr(7, target.size() - 7 - 8);
        return {{{whole_response("200 OK", details_body(id))}}};
    }
    if (method_of(r) == "DELETE")
        return {{{target == "/users/1001" ? whole_response("200 OK", "{}")
                                          : whole_response("404 Not Found", not_found_body)}}};
    return {{{whole_response("200 OK", read_data("users-list.json"))}}};
}

} // namespace

TEST_CASE("a late duplicate response is never taken as the next call's answer - GET and DELETE")
{
    // Every first answer on a connection is written twice, the copy 20 ms later, while the connection
    // is idle in the client's pool.
    scripted_server server([](const scripted_server::request& r) {
        auto answer = plain_answer(r);
        if (r.index == 1 || r.index == 3)
            answer.steps.push_back({answer.steps[0].bytes, 20ms});
        return answer;
    });
    plain_client c(server.url(), [](wacht::client_options& o) { o.retry.max_attempts = 1; });
    CHECK(c.attempt(c.client.users().details("1001"))->id == "1001");
    REQUIRE(server.wait_for_steps(2)); // the stale copy has been written
    const auto second = c.attempt(c.client.users().details("1002"));
    REQUIRE(second.has_value());
    CHECK(second->id == "1002"); // its own answer, not the stale 1001

    CHECK(c.attempt(c.client.users().remove("1001")).has_value());
    REQUIRE(server.wait_for_steps(5));
    const auto removed = c.attempt(c.client.users().remove("1003"));
    REQUIRE_FALSE(removed.has_value()); // the server's 404, not the stale 200
    CHECK(removed.error().code == errc::not_found);
    CHECK(server.requests() == 4);
}

TEST_CASE("bytes after a complete response in the same segment: the connection is not reused")
{
    scripted_server server([](const scripted_server::request& r) {
        auto answer = plain_answer(r);
        if (r.index == 1)
            answer.steps[0].bytes += answer.steps[0].bytes; // an unsolicited second response at once
        return answer;
    });
    plain_client c(server.url(), [](wacht::client_options& o) { o.retry.max_attempts = 1; });
    CHECK(c.attempt(c.client.users().details("1001"))->id == "1001");
    CHECK(c.attempt(c.client.users().details("1002"))->id == "1002");
    CHECK(server.connections() == 2);
}

TEST_CASE("1xx interim responses are skipped - in the same segment or their own - and 101 is an error")
{
    const std::string created = whole_response("200 OK", read_data("user-create.json"));
    scripted_server server([&](const scripted_server::request& r) -> reply {
        switch (r.index) {
        case 1: // 100 Continue and the answer together
            return {{{"HTTP/1.1 100 Continue\r\n\r\n" + created}}};
        case 2: // 103 Early Hints alone, then the answer in a later segment
            return {{{"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"},
                     {whole_response("200 OK", details_body("1002")), 20ms}}};
        case 4:
            return {
                {{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"}}};
        default:
            return plain_answer(r);
        }
    });
    plain_client c(server.url(), [](wacht::client_options& o) { o.retry.max_attempts = 1; });
    wacht::create_user_params jane{.first_name = "Jane", .email_address = "jane@example.com"};
    const auto create = c.client.users().create(jane);
    const auto user = c.attempt(create);
    REQUIRE(user.has_value()); // the POST the server executed is reported as executed
    CHECK(user->first_name == "Lin");
    const auto details = c.attempt(c.client.users().details("1002"));
    REQUIRE(details.has_value());
    CHECK(details->id == "1002");
    // The connection is still in step: the next call gets its own answer on it.
    CHECK(c.attempt(c.client.users().details("1003"))->id == "1003");
    CHECK(server.connections() == 1);
    const auto upgraded = c.attempt(c.client.users().details("1004"));
    REQUIRE_FALSE(upgraded.has_value());
    CHECK(upgraded.error().code == errc::invalid_response);
}

TEST_CASE("dead idle connections after a server restart are closed on the way - GET and DELETE succeed")
{
    const int dead = GENERATE(3, 10, 32);
    const bool reset = GENERATE(false, true);
    CAPTURE(dead, reset);
    // The first `dead` requests are held 100 ms, so that each gets a connection of its own.
    scripted_server server([dead](const scripted_server::request& r) {
        auto answer = plain_answer(r);
        if (r.index <= dead)
            answer.steps[0].pause = 100ms;
        return answer;
    });
    plain_client c(server.url(), [](wacht::client_options& o) { o.retry.max_attempts = 1; });
    int succeeded = 0;
    for (int i = 0; i < dead; ++i)
        asio::co_spawn(
            c.io,
            [&]() -> asio::awaitable<void> {
                succeeded += (co_await c.client.users().list().try_send()).has_value() ? 1 : 0;
            },
            asio::detached);
    c.io.run();
    REQUIRE(succeeded == dead);
    REQUIRE(server.connections() == dead); // all idle in the pool now
    server.close_all(reset);               // the restart
    // No retries to hide behind (max_attempts 1): each call must find a live connection itself.
    CHECK(c.attempt(c.client.users().list()).has_value());
    CHECK(c.attempt(c.client.users().remove("1001")).has_value());
    for (int i = 0; i < 3; ++i)
        CHECK(c.attempt(c.client.users().details("1002")).has_value());
    CHECK(server.connections() == dead + 1);
}

TEST_CASE("a reused connection closed just as the request went out: the GET is replayed once on a newly "
          "opened connection - not on another idle one")
{
    // Requests 1-3 are held so that three connections are opened; request 4 (on a reused connection) is
    // read and the connection closed without an answer, as a server whose keep-alive timer fired then.
    scripted_server server([](const scripted_server::request& r) {
        auto answer = plain_answer(r);
        if (r.index <= 3)
            answer.steps[0].pause = 100ms;
        if (r.index == 4) {
            answer.steps.clear();
            answer.after = reply::then::close;
        }
        return answer;
    });
    plain_client c(server.url(), [](wacht::client_options& o) { o.retry.max_attempts = 1; });
    int succeeded = 0;
    for (int i = 0; i < 3; ++i)
        asio::co_spawn(
            c.io,
            [&]() -> asio::awaitable<void> {
                succeeded += (co_await c.client.users().list().try_send()).has_value() ? 1 : 0;
            },
            asio::detached);
    c.io.run();
    REQUIRE(succeeded == 3);
    const auto r = c.attempt(c.client.users().details("1002"));
    REQUIRE(r.has_value()); // the replay, not a retry (max_attempts 1)
    CHECK(r->id == "1002");
    const auto seen = server.received();
    REQUIRE(seen.size() == 5);
    CHECK(seen[3].connection <= 3); // the first try went out on a pooled connection
    CHECK(seen[4].connection == 4); // the replay on a new one, though two idle ones were left
}

TEST_CASE("a per-call retry policy does not resize the client's budget - a failed decode refills nothing")
{
    scripted_server server([](const scripted_server::request& r) -> reply {
        if (target_of(r).starts_with("/users?limit=2")) // a 200 that is not a page
            return {{{whole_response("200 OK", R"({"data":{"not":"an array"},"has_more":false})")}}};
        if (target_of(r).starts_with("/users?limit=3"))
            return {{{whole_response("200 OK", read_data("users-list.json"))}}};
        return {
            {{whole_response("503 Service Unavailable", R"({"errors":[{"message":"down","code":503}]})")}}};
    });
    plain_client c(server.url(), [](wacht::client_options& o) {
        o.retry.initial_backoff = 1ms;
        o.retry.max_backoff = 2ms;
        o.retry.budget_tokens = 2;
        o.retry.budget_refill_per_success = 1;
    });
    wacht::retry_policy no_budget;
    no_budget.max_attempts = 2;
    no_budget.initial_backoff = 1ms;
    no_budget.max_backoff = 2ms;
    no_budget.budget_tokens = 0;
    no_budget.budget_refill_per_success = 0;
    // The call's policy chooses 2 attempts; the retry spends one of the client's 2 tokens.
    CHECK_FALSE(c.attempt(c.client.users().list().limit(1).retry(no_budget)).has_value());
    CHECK(server.requests() == 2);
    // The client's bucket still holds 1 token: 2 attempts.
    CHECK_FALSE(c.attempt(c.client.users().list().limit(1)).has_value());
    CHECK(server.requests() == 4);
    // A 200 that does not decode is not a success: the bucket stays empty.
    CHECK(error_of(c.attempt(c.client.users().list().limit(2))).code == errc::decode_failed);
    CHECK_FALSE(c.attempt(c.client.users().list().limit(1)).has_value());
    CHECK(server.requests() == 6);
    // A real success refills one token: one retry.
    CHECK(c.attempt(c.client.users().list().limit(3)).has_value());
    CHECK_FALSE(c.attempt(c.client.users().list().limit(1)).has_value());
    CHECK(server.requests() == 9);
}

TEST_CASE("deadlines saturate: milliseconds::max, 400 years, read = max - nonsense is rejected at "
          "construction")
{
    scripted_server server(plain_answer);
    plain_client forever(server.url(), [](wacht::client_options& o) {
        o.timeouts.call_deadline = std::chrono::milliseconds::max();
        o.timeouts.read = std::chrono::milliseconds::max();
        o.timeouts.write = std::chrono::milliseconds::max();
        o.timeouts.connect = std::chrono::milliseconds::max();
    });
    CHECK(forever.attempt(forever.client.users().list()).has_value());
    plain_client c(server.url());
    CHECK(c.attempt(c.client.users().list().deadline(std::chrono::milliseconds::max())).has_value());
    CHECK(c.attempt(c.client.users().list().deadline(std::chrono::hours(24 * 365 * 400))).has_value());

    const auto rejected = [&](std::function<void(wacht::client_options&)> adjust) {
        try {
            plain_client bad(server.url(), adjust);
        } catch (const wacht::api_error& e) {
            return e.error().code == errc::invalid_argument;
        }
        return false;
    };
    CHECK(rejected([](wacht::client_options& o) { o.timeouts.call_deadline = 0ms; }));
    CHECK(rejected([](wacht::client_options& o) { o.timeouts.call_deadline = -5ms; }));
    CHECK(rejected([](wacht::client_options& o) { o.timeouts.read = 0ms; }));
    CHECK(rejected([](wacht::client_options& o) { o.timeouts.connect = -1ms; }));
    CHECK(rejected([](wacht::client_options& o) { o.pool.idle_timeout = -1ms; }));
    CHECK(rejected([](wacht::client_options& o) { o.retry.budget_tokens = -1; }));
    CHECK(server.requests() == 3);
}

TEST_CASE("a call whose deadline is already over sends nothing")
{
    scripted_server server(plain_answer);
    plain_client c(server.url());
    CHECK(error_of(c.attempt(c.client.users().list().deadline(0ms))).code == errc::deadline_exceeded);
    CHECK(error_of(c.attempt(c.client.users().remove("1001").deadline(-1ms))).code ==
          errc::deadline_exceeded);
    CHECK(server.requests() == 0);
}

TEST_CASE("Content-Length: 0 goes with DELETE and a bodiless POST - never with GET")
{
    scripted_server server([](const scripted_server::request& r) -> reply {
        return {{{whole_response("200 OK", method_of(r) == "GET" ? read_data("users-list.json") : "{}")}}};
    });
    plain_client c(server.url());
    CHECK(c.attempt(c.client.users().remove("1001")).has_value());
    CHECK(c.attempt(c.client.users().emails().make_primary("1001", "2002")).has_value());
    CHECK(c.attempt(c.client.users().list()).has_value());
    const auto seen = server.received();
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].head.starts_with("DELETE /users/1001 "));
    CHECK(seen[0].head.find("\r\nContent-Length: 0\r\n") != std::string::npos);
    CHECK(seen[1].head.starts_with("POST /users/1001/emails/2002/make-primary "));
    CHECK(seen[1].head.find("\r\nContent-Length: 0\r\n") != std::string::npos);
    CHECK(seen[2].head.find("Content-Length") == std::string::npos);
}

TEST_CASE("an unknown CA: the cause is the X509 verify reason, not how the stream ended")
{
    wacht::emulator::server server(wacht::test::default_server_options()); // only a TLS peer here
    plain_client c(server.base_url(),
                   [&](wacht::client_options& o) { o.tls.ca_pem = wacht::emulator::generate_pki().ca_pem; });
    const auto e = error_of(c.attempt(c.client.users().list()));
    CHECK(e.code == errc::tls_handshake_failed);
    CHECK(e.diagnostics.cause.category().name() == std::string("x509_verify"));
    CHECK(e.diagnostics.cause.message() == "unable to get local issuer certificate");
}

TEST_CASE("host-name origins: https://localhost resolves - verifies the name - a .invalid name is "
          "resolve_failed")
{
    wacht::test::harness h(wacht::test::default_server_options(), [](wacht::client_options& o) {
        const auto port = o.base_url.substr(o.base_url.rfind(':'));
        o.base_url = "https://localhost" + port;
    });
    CHECK(h.run(h.client.users().list().try_send()).has_value());
    CHECK(h.server.connection_count() == 1);

    // A certificate for another name, trusted CA: the name is what fails (SSL_set1_host).
    auto options = wacht::test::default_server_options();
    wacht::emulator::certificate_request other_name;
    other_name.dns_names = {"wacht.example"};
    auto pki = wacht::emulator::generate_pki(other_name);
    options.cert_pem = pki.cert_pem;
    options.key_pem = pki.key_pem;
    wacht::emulator::server wrong(options);
    const auto port = wrong.base_url().substr(wrong.base_url().rfind(':'));
    plain_client named("https://localhost" + port,
                       [&](wacht::client_options& o) { o.tls.ca_pem = pki.ca_pem; });
    const auto e = error_of(named.attempt(named.client.users().list()));
    CHECK(e.code == errc::tls_handshake_failed);
    CHECK(e.diagnostics.cause.message() == "hostname mismatch");

    plain_client nowhere("https://wacht-sdk-test.invalid:443", [](wacht::client_options& o) {
        o.retry.max_attempts = 1;
        o.timeouts.resolve = 10s;
    });
    const auto unresolved = error_of(nowhere.attempt(nowhere.client.users().list()));
    CHECK(unresolved.code == errc::resolve_failed);
    CHECK(unresolved.diagnostics.cause);
}

TEST_CASE("two threads - deadlines firing mid-read: every call ends in its answer or deadline_exceeded")
{
    // Each answer's body arrives in two pieces; the pause before the second is 0 to 24 ms, so deadlines
    // of 12 ms fire in the middle of about half the reads, on either thread.
    std::atomic<int> n{0};
    scripted_server server([&](const scripted_server::request&) -> reply {
        const auto bytes = whole_response("200 OK", read_data("users-list.json"));
        const auto half = bytes.size() / 2;
        return {{{bytes.substr(0, half)}, {bytes.substr(half), std::chrono::milliseconds(n++ % 9 * 3)}}};
    });
    asio::io_context io(2);
    wacht::client_options o;
    o.base_url = server.url();
    o.api_key = "k";
    o.tls.use_system_roots = false;
    o.retry.max_attempts = 1;
    o.pool.max_connections = 8;
    wacht::client client(io.get_executor(), o);
    constexpr int workers = 8, calls_each = 30, calls = workers * calls_each;
    std::atomic<int> answered{0}, timed_out{0}, other{0};
    std::mutex errors_mutex;
    std::string other_errors;
    std::latch done(workers);
    auto guard = asio::make_work_guard(io);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i)
        threads.emplace_back([&] { io.run(); });
    // 8 workers, one call at a time each, so that no call waits for the pool: every deadline fires in
    // a read (or the answer wins).
    for (int w = 0; w < workers; ++w)
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                for (int i = 0; i < calls_each; ++i) {
                    const auto r = co_await client.users().list().deadline(12ms).try_send();
                    if (r)
                        ++answered;
                    else if (r.error().code == errc::deadline_exceeded)
                        ++timed_out;
                    else {
                        ++other;
                        std::lock_guard lock(errors_mutex);
                        other_errors += r.error().message() + "\n";
                    }
                }
                done.count_down();
            },
            asio::detached);
    done.wait();
    guard.reset();
    for (auto& t : threads)
        t.join();
    INFO(other_errors.substr(0, 2000));
    CHECK(other == 0);
    CHECK(answered + timed_out == calls);
    CHECK(answered > 0);
    CHECK(timed_out > 0);
}
