// SPDX-License-Identifier: BSL-1.0
// The transport: keep-alive pool, limits, replay of idempotent requests, per-phase timeouts and
// deadlines, TLS verification, and the error model for responses the emulator never sends.
#include "canned_server.hpp"
#include "detail/client_impl.hpp"
#include "harness.hpp"
#include "plain_client.hpp"
#include "transport/connect.hpp"
#include "wacht/emulator/pki.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <latch>
#include <mutex>
#include <sys/socket.h>
#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using wacht::errc;
using wacht::test::canned_server;
using wacht::test::error_of;
using wacht::test::harness;
using wacht::test::jane;
using wacht::test::plain_client;

namespace {

// A whole HTTP/1.1 response with a correct Content-Length.
std::string http_response(const std::string& status_line, const std::string& content_type,
                          const std::string& body)
{
    return "HTTP/1.1 " + status_line + "\r\nContent-Type: " + content_type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

} // namespace

TEST_CASE("sequential calls reuse one keep-alive connection")
{
    harness h;
    for (int i = 0; i < 20; ++i)
        h.run(h.client.users().list().send());
    CHECK(h.server.connection_count() == 1);
}

TEST_CASE("plain http:// works too")
{
    auto options = wacht::test::default_server_options();
    options.tls = false;
    harness h(options, [](wacht::client_options& o) { o.tls = {}; });
    CHECK(h.server.base_url().starts_with("http://"));
    CHECK(h.run(h.client.users().create(jane).send()).first_name == "Jane");
}

TEST_CASE("the pool never opens more than max_connections and queues the rest")
{
    harness h(wacht::test::default_server_options(),
              [](wacht::client_options& o) { o.pool.max_connections = 3; });
    int succeeded = 0;
    for (int i = 0; i < 60; ++i)
        asio::co_spawn(
            h.io,
            [&]() -> asio::awaitable<void> {
                co_await h.client.users().list().limit(1).send();
                ++succeeded;
            },
            asio::detached);
    h.io.run();
    CHECK(succeeded == 60);
    CHECK(h.server.connection_count() <= 3);
    CHECK(h.server.backend().request_count() == 60);
}

TEST_CASE("waiters are served first come - first served")
{
    harness h(wacht::test::default_server_options(),
              [](wacht::client_options& o) { o.pool.max_connections = 1; });
    std::vector<int> order;
    for (int i = 0; i < 6; ++i)
        asio::co_spawn(
            h.io,
            [&, i]() -> asio::awaitable<void> {
                co_await h.client.users().list().limit(1).send();
                order.push_back(i);
            },
            asio::detached);
    h.io.run();
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5});
    CHECK(h.server.connection_count() == 1);
}

TEST_CASE("a keep-alive connection the server closed while idle is never used again")
{
    harness h;
    h.run(h.client.users().list().send());
    h.server.close_idle_connections(); // as a server's keep-alive timer would
    CHECK(h.run(h.client.users().create(jane).try_send()).has_value()); // even a POST goes to a fresh one
    CHECK(h.server.connection_count() == 2);
    CHECK(h.server.backend().request_count() == 2);
}

TEST_CASE("a reused connection closed before any response byte: a GET is replayed once - a POST is not")
{
    using wacht::emulator::fault;
    harness h(wacht::test::default_server_options(),
              [](wacht::client_options& o) { o.retry.max_attempts = 1; });
    h.run(h.client.users().list().send());
    fault close;
    close.type = fault::kind::close_before_answer;
    close.path_prefix = "/users";
    close.times = 1;
    h.server.backend().add_fault(close);
    CHECK(h.run(h.client.users().list().try_send()).has_value()); // the pool's replay, not a retry
    CHECK(h.server.backend().request_count() == 3);

    h.server.backend().add_fault(close);
    const auto e = error_of(h.run(h.client.users().create(jane).try_send()));
    CHECK(e.code == errc::read_failed);
    CHECK(e.diagnostics.request_id.size() == 32);
    CHECK(h.server.backend().request_count() == 4); // the POST arrived once and was not resent
    CHECK(h.run(h.client.users().create(jane).send()).first_name == "Jane");
    CHECK(h.run(h.client.users().list().send()).data.size() == 1);
}

TEST_CASE("new connections resume the origin's TLS session - unless turned off - and a failed one does not "
          "spoil it")
{
    // max_idle 0: every call opens a connection and closes it after the response.
    harness resumed(wacht::test::default_server_options(),
                    [](wacht::client_options& o) { o.pool.max_idle = 0; });
    for (int i = 0; i < 4; ++i)
        CHECK(resumed.run(resumed.client.users().list().try_send()).has_value());
    CHECK(resumed.server.connection_count() == 4);
    CHECK(resumed.server.resumed_handshake_count() == 3); // all but the first

    // A connection that fails mid-response is dropped; the next one still resumes.
    using wacht::emulator::fault;
    fault cut;
    cut.type = fault::kind::close_mid_body;
    cut.path_prefix = "/users";
    cut.times = 1;
    resumed.server.backend().add_fault(cut);
    CHECK_FALSE(resumed.run(resumed.client.users().create(jane).try_send()).has_value());
    CHECK(resumed.run(resumed.client.users().list().try_send()).has_value());
    CHECK(resumed.server.resumed_handshake_count() == 5);

    harness full(wacht::test::default_server_options(), [](wacht::client_options& o) {
        o.pool.max_idle = 0;
        o.tls.session_resumption = false;
    });
    for (int i = 0; i < 3; ++i)
        CHECK(full.run(full.client.users().list().try_send()).has_value());
    CHECK(full.server.connection_count() == 3);
    CHECK(full.server.resumed_handshake_count() == 0);
}

TEST_CASE("release_idle_buffers: one connection reused for large and small bodies both ways")
{
    auto options = wacht::test::default_server_options();
    options.api.seed_users = 120;
    harness h(options, [](wacht::client_options& o) { o.tls.release_idle_buffers = true; });
    for (int round = 0; round < 3; ++round) {
        const auto page = h.run(h.client.users().list().limit(100).send()); // many TLS records
        REQUIRE(page.data.size() == 100);
        const auto details = h.run(h.client.users().details(page.data[round].id).send());
        CHECK(details.id == page.data[round].id);
        wacht::update_user_params change;
        change.public_metadata = boost::json::object{{"note", std::string(40'000, 'x')}}; // a large upload
        const auto updated = h.run(h.client.users().update(page.data[round].id, change).send());
        CHECK(updated.public_metadata.as_object().at("note").as_string().size() == 40'000);
    }
    CHECK(h.server.connection_count() == 1);
}

TEST_CASE("a response over max_response_body is a typed error and the pool stays usable")
{
    auto options = wacht::test::default_server_options();
    options.api.seed_users = 5;
    harness h(options, [](wacht::client_options& o) { o.max_response_body = 200; });
    const auto e = error_of(h.run(h.client.users().list().try_send()));
    CHECK(e.code == errc::body_limit_exceeded);
    CHECK(h.run(h.client.users().list().limit(0).try_send()).has_value());
}

TEST_CASE("connect refused is connect_failed with the system error as cause")
{
    std::uint16_t port;
    {
        canned_server closed("");
        port = closed.port();
    }
    plain_client c("http://127.0.0.1:" + std::to_string(port));
    const auto e = error_of(c.attempt(c.client.users().list()));
    CHECK(e.code == errc::connect_failed);
    CHECK(e.diagnostics.cause == std::errc::connection_refused);
}

TEST_CASE("a peer that never completes the TLS handshake: handshake timeout - or the call deadline")
{
    canned_server silent("", canned_server::mode::stall);
    plain_client c(silent.url("https"), [](wacht::client_options& o) { o.timeouts.tls_handshake = 100ms; });
    CHECK(error_of(c.attempt(c.client.users().list())).code == errc::tls_handshake_timeout);
    CHECK(error_of(c.attempt(c.client.users().list().deadline(50ms))).code == errc::deadline_exceeded);
}

TEST_CASE("a server that never answers: read timeout - or the call deadline")
{
    canned_server silent("HTTP/1.1 200 OK\r\n", canned_server::mode::respond); // a head that never ends
    plain_client c(silent.url(), [](wacht::client_options& o) { o.timeouts.read = 100ms; });
    CHECK(error_of(c.attempt(c.client.users().list())).code == errc::read_timeout);
    const auto started = std::chrono::steady_clock::now();
    CHECK(error_of(c.attempt(c.client.users().list().deadline(60ms))).code == errc::deadline_exceeded);
    CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("a non-JSON error body keeps its status and a snippet")
{
    canned_server proxy(
        http_response("502 Bad Gateway", "text/html", "<html><h1>502 Bad Gateway</h1></html>"));
    plain_client c(proxy.url());
    const auto e = error_of(c.attempt(c.client.users().list()));
    CHECK(e.code == errc::server_error);
    CHECK(e.diagnostics.http_status == 502);
    CHECK(e.diagnostics.server_messages.empty());
    CHECK(e.diagnostics.body_snippet.starts_with("<html>"));
}

TEST_CASE("a 429 exposes the wait the server wrote in its message")
{
    const std::string body =
        R"({"errors":[{"message":"Rate limit exceeded. Retry after 17 seconds","code":429}]})";
    canned_server limited(http_response("429 Too Many Requests", "application/json", body));
    plain_client c(limited.url());
    const auto e = error_of(c.attempt(c.client.users().list()));
    CHECK(e.code == errc::rate_limited);
    CHECK(e.diagnostics.retry_after == 17s);
    CHECK(e.diagnostics.server_messages.at(0).code == 429);
}

TEST_CASE(
    "a Retry-After header counts when the message names no wait - and 429 is retried after it when asked")
{
    const std::string body = R"({"errors":[{"message":"Rate limit exceeded","code":429}]})";
    canned_server limited(
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 3\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    plain_client c(limited.url(), [](wacht::client_options& o) {
        o.retry.retry_rate_limited = true;
        o.timeouts.call_deadline = 1s; // shorter than the 3 s asked for: no retry
    });
    const auto e = error_of(c.attempt(c.client.users().list()));
    CHECK(e.code == errc::rate_limited);
    CHECK(e.diagnostics.retry_after == 3s);
    CHECK(limited.requests() == 1);
}

TEST_CASE("a malformed response is invalid_response - a 200 of the wrong shape is decode_failed")
{
    canned_server garbage("NOT-HTTP garbage\r\n\r\n");
    plain_client c1(garbage.url());
    CHECK(error_of(c1.attempt(c1.client.users().list())).code == errc::invalid_response);

    const std::string body = R"({"data":{"not":"an array"},"has_more":false})";
    canned_server wrong(http_response("200 OK", "application/json", body));
    plain_client c2(wrong.url());
    const auto e = error_of(c2.attempt(c2.client.users().list()));
    CHECK(e.code == errc::decode_failed);
    CHECK(e.diagnostics.detail.find("'data'") != std::string::npos);
}

TEST_CASE("TLS fails closed: unknown CA - wrong host name - expired certificate")
{
    const auto expect_tls_failure = [](wacht::emulator::server_options options, std::string trusted_ca) {
        wacht::emulator::server server(std::move(options));
        plain_client c(server.base_url(), [&](wacht::client_options& o) { o.tls.ca_pem = trusted_ca; });
        const auto e = error_of(c.attempt(c.client.users().list()));
        CHECK(e.code == errc::tls_handshake_failed);
        CHECK(server.backend().request_count() == 0);
        return e.diagnostics.detail;
    };
    auto options = wacht::test::default_server_options();

    const auto other_ca = wacht::emulator::generate_pki().ca_pem;
    CHECK(expect_tls_failure(options, other_ca).find("unable to get local issuer certificate") !=
          std::string::npos);

    wacht::emulator::certificate_request wrong_name;
    wrong_name.dns_names = {"example.invalid"};
    wrong_name.ip_addresses = {};
    auto pki = wacht::emulator::generate_pki(wrong_name);
    options.cert_pem = pki.cert_pem;
    options.key_pem = pki.key_pem;
    CHECK(expect_tls_failure(options, pki.ca_pem).find("mismatch") != std::string::npos);

    wacht::emulator::certificate_request expired;
    expired.not_before = -48h;
    expired.not_after = -24h;
    pki = wacht::emulator::generate_pki(expired);
    options.cert_pem = pki.cert_pem;
    options.key_pem = pki.key_pem;
    CHECK(expect_tls_failure(options, pki.ca_pem).find("expired") != std::string::npos);
}

TEST_CASE("a client shared by four threads: every call completes - the pool bound holds")
{
    auto options = wacht::test::default_server_options();
    options.threads = 2;
    options.api.seed_users = 3;
    harness h(options, [](wacht::client_options& o) { o.pool.max_connections = 8; });
    constexpr int calls = 400;
    std::atomic<int> succeeded{0};
    std::latch done(calls);
    auto guard = asio::make_work_guard(h.io);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] { h.io.run(); });
    for (int i = 0; i < calls; ++i)
        asio::co_spawn(
            h.io,
            [&, i]() -> asio::awaitable<void> {
                // Two statements, not a conditional expression: GCC 12 mis-destroys temporaries of a
                // co_await inside ?:.
                wacht::result<wacht::user_page> r;
                if (i % 2)
                    r = co_await h.client.users().list().limit(2).try_send();
                else
                    r = co_await h.client.users().list().search("ada").try_send();
                if (r)
                    ++succeeded;
                done.count_down();
            },
            asio::detached);
    done.wait();
    guard.reset();
    for (auto& t : threads)
        t.join();
    CHECK(succeeded == calls);
    CHECK(h.server.connection_count() <= 8);
}

namespace {

using wacht::detail::net::resolve_result;

// A transport for `base_url` whose names are resolved by `resolve`, and a way to run one GET on it.
struct seamed_transport
{
    seamed_transport(const std::string& base_url, std::chrono::milliseconds resolve_timeout,
                     wacht::detail::net::resolve_function resolve)
        : impl(io.get_executor(),
               [&] {
                   wacht::client_options o;
                   o.base_url = base_url;
                   o.api_key = "k";
                   o.timeouts.resolve = resolve_timeout;
                   return o;
               }()),
          transport(wacht::detail::net::make_transport(impl, std::move(resolve)))
    {}

    wacht::detail::exchange_outcome get(std::chrono::milliseconds deadline)
    {
        auto future =
            asio::co_spawn(io,
                           transport->exchange(spec, "req-1", std::chrono::steady_clock::now() + deadline,
                                               nullptr, false, nullptr),
                           asio::use_future);
        io.restart();
        io.run();
        return future.get();
    }

    asio::io_context io;
    wacht::detail::client_impl impl;
    std::unique_ptr<wacht::detail::transport> transport;
    const wacht::detail::request_spec spec{
        .method = wacht::detail::http_method::get, .target = "/users", .idempotent = true};
};

} // namespace

TEST_CASE(
    "resolve timeout: a resolver that never answers - or the call deadline - is cancelled, nothing is sent")
{
    std::vector<std::string> asked;
    int cancelled = 0;
    const auto never = [&](std::string host, std::string port) -> asio::awaitable<resolve_result> {
        asked.push_back(host + ":" + port);
        asio::steady_timer forever(co_await asio::this_coro::executor,
                                   std::chrono::steady_clock::time_point::max());
        auto [ec] = co_await forever.async_wait(asio::as_tuple(asio::use_awaitable));
        cancelled += ec == asio::error::operation_aborted;
        co_return resolve_result{ec, asio::ip::tcp::resolver::results_type()};
    };
    seamed_transport by_timeout("http://api.wacht.test:8080", 50ms, never);
    const auto timed_out = by_timeout.get(60s);
    CHECK(timed_out.code == errc::resolve_timeout);
    CHECK(timed_out.detail == "resolving api.wacht.test");
    CHECK_FALSE(timed_out.request_sent);
    CHECK(asked == std::vector<std::string>{"api.wacht.test:8080"});
    CHECK(cancelled == 1);

    seamed_transport by_deadline("https://api.wacht.test", 60s, never);
    CHECK(by_deadline.get(50ms).code == errc::deadline_exceeded);
    CHECK(asked.back() == "api.wacht.test:443");
    CHECK(cancelled == 2);
}

TEST_CASE("names go through the resolver: its addresses are connected - its failure is resolve_failed")
{
    std::string head;
    std::mutex mutex;
    canned_server api([&](std::string_view request) {
        std::lock_guard lock(mutex);
        head = std::string(request);
        return http_response("200 OK", "application/json", wacht::test::read_data("users-list.json"));
    });
    const auto port = api.port();
    seamed_transport resolved(
        "http://api.wacht.test:8080", 5s,
        [port](std::string host, std::string service) -> asio::awaitable<resolve_result> {
            // An unreachable address first: the next one is tried.
            const asio::ip::tcp::endpoint endpoints[] = {{asio::ip::make_address("127.0.0.1"), 1},
                                                         {asio::ip::make_address("127.0.0.1"), port}};
            co_return resolve_result{boost::system::error_code(),
                                     asio::ip::tcp::resolver::results_type::create(
                                         std::begin(endpoints), std::end(endpoints), host, service)};
        });
    const auto ok = resolved.get(10s);
    CHECK_FALSE(ok.code);
    CHECK(ok.status == 200);
    {
        std::lock_guard lock(mutex);
        CHECK(head.find("\r\nHost: api.wacht.test:8080\r\n") != std::string::npos);
    }

    seamed_transport failing(
        "http://api.wacht.test", 5s, [](std::string, std::string) -> asio::awaitable<resolve_result> {
            co_return resolve_result{boost::system::error_code(asio::error::host_not_found),
                                     asio::ip::tcp::resolver::results_type()};
        });
    const auto failed = failing.get(10s);
    CHECK(failed.code == errc::resolve_failed);
    CHECK(failed.cause == std::error_code(boost::system::error_code(asio::error::host_not_found)));
    CHECK_FALSE(failed.request_sent);
}

TEST_CASE("a listener whose accept queue is full: connect timeout - or the call deadline")
{
    // Linux queues backlog + 1 connections on a listener that never accepts, then drops further SYNs
    // (net.ipv4.tcp_abort_on_overflow = 0, the default): a connect to it stays pending.
    asio::io_context io;
    asio::ip::tcp::acceptor full(io, asio::ip::tcp::v4());
    full.bind({asio::ip::address_v4::loopback(), 0});
    full.listen(0);
    std::vector<asio::ip::tcp::socket> queued;
    for (int i = 0; i < 4; ++i) {
        auto& s = queued.emplace_back(io);
        s.open(asio::ip::tcp::v4());
        s.non_blocking(true);
        const auto target = full.local_endpoint();
        // The system call itself: Asio's synchronous connect would wait for the pending ones.
        ::connect(s.native_handle(), target.data(), static_cast<socklen_t>(target.size()));
    }
    plain_client c("http://127.0.0.1:" + std::to_string(full.local_endpoint().port()),
                   [](wacht::client_options& o) {
                       o.timeouts.connect = 100ms;
                       o.retry.max_attempts = 1;
                   });
    const auto e = error_of(c.attempt(c.client.users().list()));
    CHECK(e.code == errc::connect_timeout);
    CHECK(e.diagnostics.cause == std::errc::timed_out);
    CHECK(e.diagnostics.detail.find("connecting to 127.0.0.1:") != std::string::npos);
    CHECK(error_of(c.attempt(c.client.users().list().deadline(50ms))).code == errc::deadline_exceeded);
}
