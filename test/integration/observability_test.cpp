// SPDX-License-Identifier: BSL-1.0
// Events in the order they happen (success, retry, replay, cancellation, deadline, rejection), what
// they leave out (personal data, the API key), per-call control as the server sees it (request id,
// extra headers, trace context, default headers), and the pool's statistics. Real sockets on loopback:
// the emulator, or test/support's canned and scripted servers, which share no code with the SDK.
#include "canned_server.hpp"
#include "harness.hpp"
#include "plain_client.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>

#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using wacht::errc;
using wacht::emulator::fault;
using wacht::test::canned_server;
using wacht::test::error_of;
using wacht::test::harness;
using wacht::test::jane;
using wacht::test::plain_client;

namespace {

const char* use_name(wacht::connection_use c)
{
    switch (c) {
    case wacht::connection_use::reused:
        return "reused";
    case wacht::connection_use::opened:
        return "opened";
    case wacht::connection_use::none:
        return "none";
    }
    return "?";
}

std::string code_name(std::error_code code)
{
    return code ? code.message() : "ok";
}

// Writes each event as one line (and keeps every string view it was given, copied), so that a test
// compares the whole sequence at once.
class recorder final : public wacht::observer
{
public:
    void on_call_started(const wacht::call_started_event& e) override
    {
        add(e.call, "call_started " + std::string(e.call.method) + " " + std::string(e.call.route));
    }
    void on_attempt_started(const wacht::attempt_started_event& e) override
    {
        add(e.call, "attempt_started " + std::to_string(e.attempt) + (e.replay ? " replay " : " ") +
                        use_name(e.connection));
    }
    void on_attempt_finished(const wacht::attempt_finished_event& e) override
    {
        add(e.call, "attempt_finished " + std::to_string(e.attempt) + (e.replay ? " replay " : " ") +
                        use_name(e.connection) + " " + std::to_string(e.http_status) + " " +
                        code_name(e.code));
        std::lock_guard lock(mutex_);
        finished.push_back(e);
        finished.back().call = {};
        error_bodies.emplace_back(e.error_body);
    }
    void on_retry_scheduled(const wacht::retry_scheduled_event& e) override
    {
        add(e.call,
            "retry_scheduled " + std::to_string(e.next_attempt) + " " + std::string(to_string(e.reason)));
        std::lock_guard lock(mutex_);
        backoffs.push_back(e.backoff);
    }
    void on_call_finished(const wacht::call_finished_event& e) override
    {
        add(e.call, "call_finished " + code_name(e.code) + " " + std::to_string(e.http_status) +
                        " attempts " + std::to_string(e.attempts));
        std::lock_guard lock(mutex_);
        details.emplace_back(e.detail);
        between_attempts.push_back(e.between_attempts);
    }

    std::vector<std::string> take()
    {
        std::lock_guard lock(mutex_);
        return std::exchange(lines, {});
    }

    std::mutex mutex_;
    std::vector<std::string> lines;
    std::vector<std::string> request_ids;  // of every event
    std::vector<std::string> traceparents; // of every event
    std::vector<std::string> everything;   // every string of every event's call_context
    std::vector<wacht::attempt_finished_event> finished;
    std::vector<std::string> error_bodies;
    std::vector<std::chrono::milliseconds> backoffs;
    std::vector<std::string> details;
    std::vector<bool> between_attempts;

private:
    void add(const wacht::call_context& c, std::string line)
    {
        std::lock_guard lock(mutex_);
        lines.push_back(std::move(line));
        request_ids.emplace_back(c.request_id);
        traceparents.emplace_back(c.traceparent);
        for (auto text : {c.method, c.route, c.request_id, c.traceparent, c.tracestate, c.path, c.query})
            everything.emplace_back(text);
    }
};

using lines = std::vector<std::string>;

void watch(wacht::client_options& o, const std::shared_ptr<recorder>& r)
{
    o.observer = r;
    o.retry.initial_backoff = 1ms;
    o.retry.max_backoff = 2ms;
}

fault make_fault(fault::kind type, std::string path, std::uint64_t times)
{
    fault f;
    f.type = type;
    f.path_prefix = std::move(path);
    f.times = times;
    return f;
}

// Header `name`'s value in a request head, or "" (names compare case-insensitively).
std::string header_of(std::string_view head, std::string_view name)
{
    const auto lower = [](std::string_view s) {
        std::string out(s);
        for (auto& c : out)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    };
    const auto text = lower(head);
    const auto at = text.find("\r\n" + lower(name) + ": ");
    if (at == std::string::npos)
        return {};
    const auto start = at + 4 + name.size();
    return std::string(head.substr(start, head.find("\r\n", start) - start));
}

int count_of(std::string_view head, std::string_view name)
{
    int n = 0;
    std::string needle = "\r\n" + std::string(name) + ": ";
    for (auto at = head.find(needle); at != std::string_view::npos; at = head.find(needle, at + 1))
        ++n;
    return n;
}

// A whole 200 response with the contract's list fixture.
std::string list_response()
{
    const auto body = wacht::test::read_data("users-list.json");
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

} // namespace

TEST_CASE("events of a successful call, then of one on the reused connection")
{
    auto r = std::make_shared<recorder>();
    harness h(wacht::test::default_server_options(), [&](wacht::client_options& o) { watch(o, r); });
    h.run(h.client.users().list().limit(10).send());
    h.run(h.client.users().list().limit(10).send());
    CHECK(r->take() == lines{"call_started GET /users", "attempt_started 1 opened",
                             "attempt_finished 1 opened 200 ok", "call_finished ok 200 attempts 1",
                             "call_started GET /users", "attempt_started 1 reused",
                             "attempt_finished 1 reused 200 ok", "call_finished ok 200 attempts 1"});
    // One request id per call, on each of its events; a new one for the next call.
    REQUIRE(r->request_ids.size() == 8);
    CHECK(r->request_ids[0].size() == 32);
    for (int i = 1; i < 4; ++i)
        CHECK(r->request_ids[i] == r->request_ids[0]);
    CHECK(r->request_ids[4] != r->request_ids[0]);
    REQUIRE(r->finished.size() == 2);
    CHECK(r->finished[0].bytes_sent > 0);
    CHECK(r->finished[0].bytes_received > 0);
    CHECK(r->finished[0].elapsed > 0ns);
    // The first attempt opened a TLS connection to an IP address (nothing to resolve); the second
    // reused it. Phases add up to no more than the attempt.
    const auto& opened = r->finished[0].timings;
    CHECK(opened.pool_wait >= 0ns);
    CHECK(opened.resolve == 0ns);
    CHECK(opened.connect > 0ns);
    CHECK(opened.tls_handshake > 0ns);
    CHECK(opened.write > 0ns);
    CHECK(opened.first_byte > 0ns);
    CHECK(opened.read >= opened.decode);
    CHECK(opened.decode > 0ns);
    CHECK(r->finished[0].elapsed >= opened.connect + opened.tls_handshake + opened.write + opened.first_byte);
    CHECK_FALSE(r->finished[0].tls_resumed);
    const auto& reused = r->finished[1].timings;
    CHECK(reused.connect == 0ns);
    CHECK(reused.tls_handshake == 0ns);
    CHECK(reused.first_byte > 0ns);
}

TEST_CASE("events name the route template - never the ids or the query")
{
    auto r = std::make_shared<recorder>();
    harness h(wacht::test::default_server_options(), [&](wacht::client_options& o) { watch(o, r); });
    const auto created = h.run(h.client.users().create(jane).send());
    (void)h.run(h.client.users().details(created.id).try_send());
    (void)h.run(h.client.users().emails().make_primary(created.id, "98765").try_send());
    (void)h.run(h.client.users().list().search("jane@example.com").try_send());
    const auto seen = r->take();
    CHECK(seen[0] == "call_started POST /users");
    CHECK(seen[4] == "call_started GET /users/{user_id}/details");
    CHECK(seen[8] == "call_started POST /users/{user_id}/emails/{email_id}/make-primary");
    CHECK(seen[12] == "call_started GET /users");
    for (const auto& text : r->everything) {
        CHECK(text.find(created.id) == std::string::npos);
        CHECK(text.find("98765") == std::string::npos);
        CHECK(text.find("jane") == std::string::npos);
    }
}

TEST_CASE("events of a retried call: 503 then 200")
{
    auto r = std::make_shared<recorder>();
    harness h(wacht::test::default_server_options(), [&](wacht::client_options& o) { watch(o, r); });
    h.server.backend().add_fault(make_fault(fault::kind::status, "/users", 1));
    REQUIRE(h.run(h.client.users().list().try_send()).has_value());
    CHECK(r->take() == lines{"call_started GET /users", "attempt_started 1 opened",
                             "attempt_finished 1 opened 503 server error",
                             "retry_scheduled 2 server_unavailable", "attempt_started 2 reused",
                             "attempt_finished 2 reused 200 ok", "call_finished ok 200 attempts 2"});
    REQUIRE(r->backoffs.size() == 1);
    CHECK(r->backoffs[0] <= 2ms); // within the policy's bounds
    for (const auto& id : r->request_ids)
        CHECK(id == r->request_ids[0]); // the retry keeps the call's request id
}

TEST_CASE("events of a replay on a new connection after the reused one was closed")
{
    auto r = std::make_shared<recorder>();
    harness h(wacht::test::default_server_options(), [&](wacht::client_options& o) {
        watch(o, r);
        o.retry.max_attempts = 1;
    });
    h.run(h.client.users().list().send());
    (void)r->take();
    h.server.backend().add_fault(make_fault(fault::kind::close_before_answer, "/users", 1));
    REQUIRE(h.run(h.client.users().list().try_send()).has_value());
    CHECK(r->take() == lines{"call_started GET /users", "attempt_started 1 reused",
                             "attempt_finished 1 reused 0 reading the response failed",
                             "retry_scheduled 1 stale_connection", "attempt_started 1 replay opened",
                             "attempt_finished 1 replay opened 200 ok", "call_finished ok 200 attempts 1"});
    const auto stats = h.client.pool_statistics();
    CHECK(stats.connections_opened == 2);
    CHECK(stats.closed.not_reusable == 1);
}

TEST_CASE("events of a cancelled call and of one past its deadline")
{
    canned_server server("", canned_server::mode::stall);
    auto r = std::make_shared<recorder>();
    plain_client c(server.url(), [&](wacht::client_options& o) { watch(o, r); });

    SECTION("cancellation")
    {
        asio::cancellation_signal signal;
        auto future = asio::co_spawn(c.io, c.client.users().list().try_send(),
                                     asio::bind_cancellation_slot(signal.slot(), asio::use_future));
        asio::steady_timer timer(c.io, 20ms);
        timer.async_wait([&](auto) { signal.emit(asio::cancellation_type::terminal); });
        c.io.run();
        CHECK(error_of(future.get()).code == errc::cancelled);
        CHECK(r->take() == lines{"call_started GET /users", "attempt_started 1 opened",
                                 "attempt_finished 1 opened 0 cancelled",
                                 "call_finished cancelled 0 attempts 1"});
    }
    SECTION("deadline")
    {
        CHECK(error_of(c.attempt(c.client.users().list().deadline(30ms))).code == errc::deadline_exceeded);
        CHECK(r->take() == lines{"call_started GET /users", "attempt_started 1 opened",
                                 "attempt_finished 1 opened 0 call deadline exceeded",
                                 "call_finished call deadline exceeded 0 attempts 1"});
    }
}

TEST_CASE("a rejected call: started and finished with invalid_argument - no attempt - no request id")
{
    auto r = std::make_shared<recorder>();
    harness h(wacht::test::default_server_options(), [&](wacht::client_options& o) { watch(o, r); });
    CHECK(error_of(h.run(h.client.users().list().limit(-1).try_send())).code == errc::invalid_argument);
    CHECK(r->take() == lines{"call_started GET /users", "call_finished invalid argument 0 attempts 0"});
    CHECK(r->request_ids == std::vector<std::string>{"", ""});
    CHECK(r->details == std::vector<std::string>{"limit must be between 0 and 2147483646"});
    CHECK(h.server.backend().request_count() == 0);
}

TEST_CASE("an observer that throws changes nothing")
{
    struct thrower : wacht::observer
    {
        void on_call_started(const wacht::call_started_event&) override { throw std::runtime_error("x"); }
        void on_attempt_finished(const wacht::attempt_finished_event&) override { throw 42; }
    };
    harness h(wacht::test::default_server_options(),
              [&](wacht::client_options& o) { o.observer = std::make_shared<thrower>(); });
    CHECK(h.run(h.client.users().list().try_send()).has_value());
}

TEST_CASE("personal data stays out of events and log lines unless opted in - the API key always")
{
    std::mutex mutex;
    std::vector<std::string> log;
    const auto sink = [&](wacht::log_level, std::string_view line) {
        std::lock_guard lock(mutex);
        log.emplace_back(line);
    };
    // A server that echoes the request head (Authorization included) into an error body.
    canned_server server([](std::string_view head) {
        const std::string body =
            R"({"errors":[{"message":")" + std::string(head.substr(0, 300)) + R"(","code":400}]})";
        return "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    });
    auto r = std::make_shared<recorder>();
    const std::string key = "sk_live_secret_5e1f";

    SECTION("by default: route templates only, no body")
    {
        plain_client c(server.url(), [&](wacht::client_options& o) {
            o.api_key = key;
            o.logger = sink;
            watch(o, r);
        });
        // find_by_email searches with the address: it must not reach the log (debug level included).
        (void)c.attempt(c.client.users().find_by_email("ann.private@example.com"));
        (void)c.attempt(c.client.users().details("user-4711"));
        REQUIRE(log.size() == 2);
        CHECK(log[0].starts_with("GET /users -> 400 bad request in "));
        CHECK(log[1].starts_with("GET /users/{user_id}/details -> 400 bad request in "));
        for (const auto& line : log) {
            CHECK(line.find("ann.private") == std::string::npos);
            CHECK(line.find("4711") == std::string::npos);
            CHECK(line.find(key) == std::string::npos);
        }
        for (const auto& text : r->everything) {
            CHECK(text.find("ann.private") == std::string::npos);
            CHECK(text.find(key) == std::string::npos);
        }
        CHECK(r->error_bodies == std::vector<std::string>{"", ""});
    }
    SECTION("opted in per field: path, query, error body - still never the key")
    {
        plain_client c(server.url(), [&](wacht::client_options& o) {
            o.api_key = key;
            o.logger = sink;
            o.event_fields = {.path = true, .query = true, .error_body = true};
            watch(o, r);
        });
        (void)c.attempt(c.client.users().list().search("ann.private@example.com"));
        (void)c.attempt(c.client.users().details("user-4711"));
        REQUIRE(log.size() == 2);
        CHECK(log[0].find("GET /users?search=ann.private%40example.com -> 400") == 0);
        CHECK(log[1].find("GET /users/user-4711/details -> 400") == 0);
        REQUIRE(r->error_bodies.size() == 2);
        CHECK(r->error_bodies[1].find("Authorization: Bearer [redacted]") != std::string::npos);
        for (const auto& body : r->error_bodies)
            CHECK(body.find(key) == std::string::npos);
        for (const auto& line : log)
            CHECK(line.find(key) == std::string::npos);
    }
}

TEST_CASE("request_id: forwarded instead of a random one - kept by retries and in every event")
{
    auto r = std::make_shared<recorder>();
    harness h(wacht::test::default_server_options(), [&](wacht::client_options& o) { watch(o, r); });
    std::mutex mutex;
    std::vector<std::string> seen;
    h.server.backend().set_observer([&](const wacht::emulator::http_request& request) {
        std::lock_guard lock(mutex);
        seen.push_back(request.request_id);
    });
    h.server.backend().add_fault(make_fault(fault::kind::status, "/users", 1));
    REQUIRE(h.run(h.client.users().list().request_id("gw-7f3a.42").try_send()).has_value());
    CHECK(seen == std::vector<std::string>{"gw-7f3a.42", "gw-7f3a.42"});
    for (const auto& id : r->request_ids)
        CHECK(id == "gw-7f3a.42");

    // Invalid ids are refused before anything is sent.
    for (const auto* bad : {"", "has space", "new\r\nline", "é"}) {
        CHECK(error_of(h.run(h.client.users().list().request_id(bad).try_send())).code ==
              errc::invalid_argument);
    }
    CHECK(error_of(h.run(h.client.users().list().request_id(std::string(129, 'a')).try_send())).code ==
          errc::invalid_argument);
    CHECK(seen.size() == 2);
}

TEST_CASE("headers, trace context and default headers arrive at the server")
{
    std::mutex mutex;
    std::vector<std::string> heads;
    canned_server server([&](std::string_view head) {
        std::lock_guard lock(mutex);
        heads.emplace_back(head);
        return list_response();
    });
    auto r = std::make_shared<recorder>();
    plain_client c(server.url(), [&](wacht::client_options& o) {
        watch(o, r);
        o.default_headers = {{"X-Tenant", "acme"}, {"X-Gateway", "edge-1"}};
    });
    const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    REQUIRE(c.attempt(c.client.users().list()).has_value());
    REQUIRE(c.attempt(c.client.users()
                          .list()
                          .header("X-Tenant", "globex")
                          .header("X-Debug", "on; level=2")
                          .trace_context(traceparent, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"))
                .has_value());
    REQUIRE(heads.size() == 2);
    CHECK(header_of(heads[0], "X-Tenant") == "acme");
    CHECK(header_of(heads[0], "X-Gateway") == "edge-1");
    CHECK(header_of(heads[0], "traceparent").empty());
    CHECK(header_of(heads[1], "X-Tenant") == "globex"); // the call's replaces the default
    CHECK(count_of(heads[1], "X-Tenant") == 1);
    CHECK(header_of(heads[1], "X-Gateway") == "edge-1");
    CHECK(header_of(heads[1], "X-Debug") == "on; level=2");
    CHECK(header_of(heads[1], "traceparent") == traceparent);
    CHECK(header_of(heads[1], "tracestate") == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    CHECK(header_of(heads[1], "Authorization") == "Bearer k");
    // The trace context is in every event of the call.
    REQUIRE(r->traceparents.size() == 8);
    for (int i = 4; i < 8; ++i)
        CHECK(r->traceparents[i] == traceparent);
}

TEST_CASE("invalid headers and trace contexts are refused before any byte is sent")
{
    canned_server server(list_response());
    plain_client c(server.url());
    const auto refused = [&](auto builder) {
        const auto e = error_of(c.attempt(builder));
        CHECK(e.code == errc::invalid_argument);
        return e.diagnostics.detail;
    };
    auto users = c.client.users();
    CHECK(refused(users.list().header("X-Evil", "a\r\nHost: evil.example")).find("control") !=
          std::string::npos);
    CHECK(refused(users.list().header("X-Evil", std::string("a\0b", 3))).find("control") !=
          std::string::npos);
    CHECK(refused(users.list().header("X-Evil", "a\nb")).find("control") != std::string::npos);
    CHECK(refused(users.list().header("Bad Name", "v")).find("token") != std::string::npos);
    CHECK(refused(users.list().header("X-Evil:", "v")).find("token") != std::string::npos);
    CHECK(refused(users.list().header("", "v")).find("token") != std::string::npos);
    for (const auto* reserved :
         {"Authorization", "host", "Content-Length", "content-type", "Transfer-Encoding", "Connection",
          "X-Request-Id", "traceparent", "User-Agent", "Expect", "Upgrade"})
        CHECK(refused(users.list().header(reserved, "x")).find("reserved") != std::string::npos);
    CHECK(refused(users.list().header("X-Big", std::string(8 * 1024 + 1, 'a'))).find("8 KiB") !=
          std::string::npos);
    CHECK(refused(users.list().header("X-Space", " padded")).find("whitespace") != std::string::npos);
    // W3C traceparent format.
    for (const auto* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
        CHECK(refused(users.list().trace_context(bad)).find("traceparent") != std::string::npos);
    const std::string good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    for (const auto* bad : {"novalue", "UPPER=1", "k=v\r\nHost: x", "k=a,b=c=d"})
        CHECK(refused(users.list().trace_context(good, bad)).find("tracestate") != std::string::npos);
    CHECK(server.connections() == 0);
    // A later version may extend the header; the checked parts stay.
    CHECK(c.attempt(users.list().trace_context("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-abc"))
              .has_value());
    // Default headers are checked when the client is built.
    wacht::client_options o;
    o.api_key = "k";
    o.default_headers = {{"Host", "evil"}};
    CHECK_THROWS_AS(wacht::client(c.io.get_executor(), o), wacht::api_error);
    o.default_headers = {{"X-Ok", "line\r\nbreak"}};
    CHECK_THROWS_AS(wacht::client(c.io.get_executor(), o), wacht::api_error);
}

TEST_CASE("pool statistics: open - idle - busy - waiting - opened and closed by reason - TLS resumption - "
          "retry budget")
{
    harness h(wacht::test::default_server_options(), [](wacht::client_options& o) {
        o.pool.max_connections = 2;
        o.retry.budget_tokens = 5;
        o.retry.initial_backoff = 1ms;
        o.retry.max_backoff = 2ms;
    });
    auto s = h.client.pool_statistics();
    CHECK(s.open == 0);
    CHECK(s.retry_budget == 5);
    h.run(h.client.users().list().send());
    s = h.client.pool_statistics();
    CHECK(s.open == 1);
    CHECK(s.idle == 1);
    CHECK(s.busy == 0);
    CHECK(s.waiting_calls == 0);
    CHECK(s.connections_opened == 1);
    CHECK(s.tls_full_handshakes == 1);
    CHECK(s.tls_sessions_resumed == 0);

    // Two calls at once: the second opens a connection, which resumes the first one's TLS session.
    fault slow;
    slow.type = fault::kind::latency;
    slow.path_prefix = "/users";
    slow.delay = 50ms;
    slow.times = 2;
    h.server.backend().add_fault(slow);
    auto first = asio::co_spawn(h.io, h.client.users().list().try_send(), asio::use_future);
    auto second = asio::co_spawn(h.io, h.client.users().list().try_send(), asio::use_future);
    h.io.restart();
    h.io.run();
    CHECK(first.get().has_value());
    CHECK(second.get().has_value());
    s = h.client.pool_statistics();
    CHECK(s.connections_opened == 2);
    CHECK(s.idle == 2);
    CHECK(s.tls_sessions_resumed == 1);
    CHECK(s.tls_full_handshakes == 1);

    // A 503 retried spends a token; the connection answering it stays pooled.
    h.server.backend().add_fault(make_fault(fault::kind::status, "/users", 1));
    REQUIRE(h.run(h.client.users().list().try_send()).has_value());
    s = h.client.pool_statistics();
    CHECK(s.retry_budget == Approx(4.1)); // 5 - 1 + 0.1

    // A connection the server drops mid-answer is closed as not reusable.
    h.server.backend().add_fault(make_fault(fault::kind::close_mid_body, "/users", 1));
    (void)h.run(h.client.users().list().try_send());
    s = h.client.pool_statistics();
    CHECK(s.closed.not_reusable >= 1);
    CHECK(s.connections_closed == s.closed.idle_timeout + s.closed.idle_limit + s.closed.unusable_while_idle +
                                      s.closed.not_reusable + s.closed.made_room);
    CHECK(s.open == s.idle + s.busy);
}

TEST_CASE("pool statistics while calls run: busy connections and waiting calls")
{
    canned_server server("", canned_server::mode::stall);
    plain_client c(server.url(), [](wacht::client_options& o) { o.pool.max_connections = 2; });
    asio::cancellation_signal signals[3];
    std::vector<std::future<wacht::result<wacht::user_page>>> calls;
    for (auto& signal : signals)
        calls.push_back(asio::co_spawn(c.io, c.client.users().list().try_send(),
                                       asio::bind_cancellation_slot(signal.slot(), asio::use_future)));
    // Polls until two connections are busy and one call waits (bounded), then cancels every call.
    wacht::pool_statistics during;
    asio::steady_timer poll(c.io);
    int polls = 0;
    std::function<void()> look = [&] {
        during = c.client.pool_statistics();
        if ((during.busy == 2 && during.waiting_calls == 1) || ++polls == 1000) {
            for (auto& signal : signals)
                signal.emit(asio::cancellation_type::terminal);
            return;
        }
        poll.expires_after(5ms);
        poll.async_wait([&](auto) { look(); });
    };
    look();
    c.io.run();
    for (auto& call : calls)
        CHECK(error_of(call.get()).code == errc::cancelled);
    CHECK(during.open == 2);
    CHECK(during.busy == 2);
    CHECK(during.idle == 0);
    CHECK(during.waiting_calls == 1);
    const auto after = c.client.pool_statistics();
    CHECK(after.waiting_calls == 0);
    CHECK(after.open == 0); // a connection cancelled mid-exchange is closed
    CHECK(after.closed.not_reusable == 2);
}

TEST_CASE("composed calls: every step sends the call's request id, headers and trace context")
{
    std::mutex mutex;
    std::vector<std::string> heads;
    canned_server server([&](std::string_view head) {
        std::lock_guard lock(mutex);
        heads.emplace_back(head);
        const auto line = head.substr(0, head.find("\r\n"));
        std::string body = "{}"; // DELETE /users/{id}/authenticators
        if (line.find("/details ") != std::string_view::npos)
            body = wacht::test::read_data("user-details.json");
        else if (line.find("/social-connections ") != std::string_view::npos)
            body = wacht::test::read_data("social-connections-list.json");
        else if (line.starts_with("GET /users?"))
            body = wacht::test::read_data("users-list.json");
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    });
    plain_client c(server.url());
    const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const auto control = [&](auto call) {
        return call.request_id("gw-composed-1").header("X-Tenant", "globex").trace_context(traceparent);
    };

    REQUIRE(c.attempt(control(c.client.users().emails().list("1"))).has_value());
    const auto found = c.attempt(control(c.client.users().find_by_username("ada_l")));
    REQUIRE(found.has_value());
    CHECK(found->has_value());
    const auto token =
        c.attempt(control(c.client.users().social_connections().access_token("1", "google_oauth")));
    REQUIRE(token.has_value());
    CHECK(token->has_value());
    REQUIRE(c.attempt(control(c.client.users().mfa().disable("1"))).has_value());

    REQUIRE(heads.size() == 4);
    for (const auto& head : heads) {
        INFO(head);
        CHECK(header_of(head, "X-Request-Id") == "gw-composed-1");
        CHECK(header_of(head, "X-Tenant") == "globex");
        CHECK(header_of(head, "traceparent") == traceparent);
    }
    // An invalid setting fails the composed call before any step sends a byte.
    CHECK(error_of(c.attempt(c.client.users().emails().list("1").request_id("has space"))).code ==
          errc::invalid_argument);
    CHECK(error_of(c.attempt(c.client.users().find_by_username("ada_l").header("Host", "evil"))).code ==
          errc::invalid_argument);
    CHECK(heads.size() == 4);
}

TEST_CASE("composed calls: both steps of merge_metadata carry the request id - the deadline covers the "
          "whole call")
{
    harness h;
    const auto user = h.run(h.client.users().create(jane).send());
    std::mutex mutex;
    std::vector<std::string> seen;
    h.server.backend().set_observer([&](const wacht::emulator::http_request& request) {
        std::lock_guard lock(mutex);
        seen.push_back(request.method + " " + request.request_id);
    });
    const auto patch = boost::json::parse(R"({"plan":"pro"})");
    REQUIRE(
        h.run(h.client.users().merge_metadata(user.id, patch).request_id("gw-merge").try_send()).has_value());
    CHECK(seen == std::vector<std::string>{"GET gw-merge", "PATCH gw-merge"});

    // Each step answers 300 ms late: either fits in 500 ms, both together do not.
    auto slow = make_fault(fault::kind::latency, "/users/" + user.id, 2);
    slow.delay = 300ms;
    h.server.backend().add_fault(slow);
    const auto late = h.run(h.client.users().merge_metadata(user.id, patch).deadline(500ms).try_send());
    CHECK(error_of(late).code == errc::deadline_exceeded);
    CHECK(seen.size() == 4); // the update went out with what was left of the deadline

    h.server.backend().add_fault(slow);
    CHECK(h.run(h.client.users().merge_metadata(user.id, patch).deadline(3s).try_send()).has_value());
    CHECK(seen.size() == 6);

    // A deadline already over: no step sends anything.
    CHECK(error_of(h.run(h.client.users().merge_metadata(user.id, patch).deadline(0ms).try_send())).code ==
          errc::deadline_exceeded);
    CHECK(error_of(h.run(h.client.users().emails().list(user.id).deadline(0ms).try_send())).code ==
          errc::deadline_exceeded);
    CHECK(seen.size() == 6);
}

TEST_CASE("a call that ends between attempts is logged and marked - it is no attempt's outcome")
{
    canned_server server("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                         "Content-Length: 2\r\n\r\n{}");
    auto r = std::make_shared<recorder>();
    std::vector<std::string> log;
    plain_client c(server.url(), [&](wacht::client_options& o) {
        o.observer = r;
        o.logger = [&](wacht::log_level, std::string_view line) { log.emplace_back(line); };
        o.retry.initial_backoff = 10s; // the cancellation lands in the backoff
        o.retry.max_backoff = 10s;
        o.timeouts.call_deadline = 60s;
    });
    asio::cancellation_signal signal;
    std::optional<wacht::result<wacht::user_page>> outcome;
    c.client.users()
        .list()
        .request_id("between-1")
        .async_send(asio::bind_cancellation_slot(
            signal.slot(), [&](wacht::result<wacht::user_page> r) { outcome = std::move(r); }));
    // Cancelled once the first attempt has finished and the retry is scheduled.
    const auto events_so_far = [&] {
        std::lock_guard lock(r->mutex_);
        return r->lines.size();
    };
    std::function<void()> cancel_after_retry_scheduled = [&] {
        if (events_so_far() >= 3) { // call_started, attempt_started, attempt_finished, retry_scheduled
            signal.emit(asio::cancellation_type::terminal);
            return;
        }
        asio::post(c.io, cancel_after_retry_scheduled);
    };
    asio::post(c.io, cancel_after_retry_scheduled);
    c.io.run();
    REQUIRE(outcome);
    CHECK(error_of(*outcome).code == errc::cancelled);
    CHECK(server.requests() == 1);
    CHECK(r->take() == lines{"call_started GET /users", "attempt_started 1 opened",
                             "attempt_finished 1 opened 503 server error",
                             "retry_scheduled 2 server_unavailable",
                             "call_finished " + code_name(errc::cancelled) + " 503 attempts 1"});
    REQUIRE(r->details.size() == 1);
    CHECK(r->details[0] == "cancelled while waiting to retry");
    CHECK(r->between_attempts == std::vector<bool>{true});
    REQUIRE(log.size() == 3);
    CHECK(log[0].starts_with("GET /users -> 503"));
    CHECK(log[1].starts_with("GET /users: server_unavailable, attempt 2 in "));
    CHECK(log[2] == "GET /users -> " + wacht::make_error_code(errc::cancelled).message() +
                        " (cancelled while waiting to retry) [request between-1, after 1 attempt]");
}
