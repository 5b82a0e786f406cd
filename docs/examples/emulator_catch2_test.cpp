// SPDX-License-Identifier: BSL-1.0
// A user's Catch2 test of their own code against wacht-emulator, in-process: no network beyond
// loopback, no process to manage, a fresh store per test.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <wacht/emulator/server.hpp>
#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>

// The code under test: the user's own function, which takes a wacht::client.
boost::asio::awaitable<std::size_t> count_active_sessions(wacht::client& client, std::string user_id)
{
    const auto sessions = co_await client.users().sessions().list(user_id).send();
    co_return sessions.data.size();
}

struct fixture
{
    wacht::emulator::server server{wacht::emulator::server_options{}}; // 127.0.0.1, a free port, TLS
    boost::asio::io_context io;
    wacht::client client{io.get_executor(), [this] {
                             wacht::client_options o;
                             o.base_url = server.base_url();
                             o.api_key = server.api_key();
                             o.tls.use_system_roots = false;
                             o.tls.ca_pem = server.ca_pem(); // the emulator's own CA
                             return o;
                         }()};

    template <class T>
    T run(boost::asio::awaitable<T> task)
    {
        auto result = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
        io.restart();
        io.run();
        return result.get();
    }
};

TEST_CASE_METHOD(fixture, "sessions expire after their expiry time")
{
    const auto user = server.seed_user({.first_name = "Ada", .email_address = "ada@example.com"});
    server.seed_session(user, {.expires_at = server.now() + std::chrono::hours(1)});
    CHECK(run(count_active_sessions(client, user)) == 1);

    server.advance(std::chrono::hours(2)); // no waiting: the emulator's clock moves
    CHECK(run(count_active_sessions(client, user)) == 0);
}

TEST_CASE_METHOD(fixture, "the caller sees a server error, and what was sent is in the log")
{
    const auto user = server.seed_user({.username = "grace"});
    server.faults().add("status:status=500,path=/users/" + user + "/sessions");
    CHECK_THROWS_AS(run(count_active_sessions(client, user)), wacht::api_error);
    server.faults().clear();
    CHECK(run(count_active_sessions(client, user)) == 0);

    const auto log = server.request_log();
    REQUIRE_FALSE(log.empty());
    CHECK(log.front().method == "GET");
    CHECK(log.front().target == "/users/" + user + "/sessions");
    CHECK(log.front().status == 500);
    CHECK(log.back().status == 200);

    server.reset(); // an empty store again
    CHECK_THROWS_AS(server.seed_session(user, {}), std::runtime_error);
}
