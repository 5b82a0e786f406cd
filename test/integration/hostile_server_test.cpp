// SPDX-License-Identifier: BSL-1.0
// Issue 10, defects 3 and 10 over real sockets: a server whose 2xx bodies are not the model, and a
// server that echoes the Authorization header (the API key) into its answers. The server is the small
// canned peer of test/support, not the emulator.
#include "canned_server.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <mutex>

using wacht::errc;

namespace {

const std::string api_key = "sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

std::string http_response(int status, std::string_view content_type, std::string_view body)
{
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + std::string(content_type) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// The value of the request's Authorization header, as the server received it.
std::string authorization_of(std::string_view head)
{
    std::string lower(head);
    for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto at = lower.find("\r\nauthorization:");
    REQUIRE(at != std::string::npos);
    auto value = head.substr(at + 16);
    value = value.substr(0, value.find("\r\n"));
    while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    return std::string(value);
}

struct peer
{
    explicit peer(wacht::test::canned_server::responder respond) : server(std::move(respond)) {}
    explicit peer(std::string response) : server(std::move(response)) {}

    wacht::client make_client()
    {
        wacht::client_options o;
        o.base_url = server.url();
        o.api_key = api_key;
        o.retry.max_attempts = 1;
        return wacht::client(io.get_executor(), o);
    }

    template <class T>
    T run(boost::asio::awaitable<T> task)
    {
        auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
        io.restart();
        io.run();
        return future.get();
    }

    wacht::test::canned_server server;
    boost::asio::io_context io;
};

template <class T>
wacht::error failure_of(const wacht::result<T>& r)
{
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

// Nothing of the key in any text of the error.
void check_no_key(const wacht::error& e)
{
    INFO(e.message());
    CHECK(e.message().find(api_key.substr(0, 8)) == std::string::npos);
    CHECK(std::string(wacht::api_error(e).what()).find(api_key.substr(0, 8)) == std::string::npos);
    CHECK(e.diagnostics.body_snippet.find(api_key.substr(0, 8)) == std::string::npos);
    for (const auto& m : e.diagnostics.server_messages)
        CHECK(m.message.find(api_key.substr(0, 8)) == std::string::npos);
}

} // namespace

TEST_CASE("hostile server - a 200 {} is decode_failed naming the missing field - for reads and writes")
{
    peer p(http_response(200, "application/json", "{}"));
    auto c = p.make_client();
    const auto details = failure_of(p.run(c.users().details("1").try_send()));
    CHECK(details.code == errc::decode_failed);
    CHECK(details.diagnostics.http_status == 200);
    CHECK(details.diagnostics.detail == "field 'id' is missing");
    CHECK(details.diagnostics.body_snippet == "{}");

    const wacht::create_user_params jane{.first_name = "Jane", .email_address = "jane@example.com"};
    const auto created = failure_of(p.run(c.users().create(jane).try_send()));
    CHECK(created.code == errc::decode_failed);
    CHECK(created.diagnostics.detail == "field 'id' is missing");

    const auto sessions = failure_of(p.run(c.users().sessions().list("1").try_send()));
    CHECK(sessions.diagnostics.detail == "field 'data' is missing");
    const auto revoked = failure_of(p.run(c.users().sessions().revoke_all("1").try_send()));
    CHECK(revoked.diagnostics.detail == "field 'revoked' is missing");
    const auto codes = failure_of(p.run(c.users().mfa().regenerate_backup_codes("1").try_send()));
    CHECK(codes.diagnostics.detail == "field 'backup_codes' is missing");
    const auto invitations = failure_of(p.run(c.invitations().list().try_send()));
    CHECK(invitations.diagnostics.detail == "field 'data' is missing");
    // A void call takes any 200: the contract's empty success is {}.
    CHECK(p.run(c.users().remove("1").try_send()).has_value());
}

TEST_CASE("hostile server - a decode failure is not sent again")
{
    peer p(http_response(200, "application/json", "{}"));
    wacht::client_options o;
    o.base_url = p.server.url();
    o.api_key = api_key;
    o.retry.max_attempts = 3;
    wacht::client c(p.io.get_executor(), o);
    CHECK(failure_of(p.run(c.users().details("1").try_send())).code == errc::decode_failed);
    CHECK(p.server.requests() == 1);
}

TEST_CASE("hostile server - an error-shaped 200 is decode_failed")
{
    peer p(http_response(200, "application/json", R"({"errors":[{"message":"User not found","code":404}]})"));
    auto c = p.make_client();
    const auto e = failure_of(p.run(c.users().details("1").try_send()));
    CHECK(e.code == errc::decode_failed);
    CHECK(e.diagnostics.detail == "field 'id' is missing");
    const auto page = failure_of(p.run(c.users().list().try_send()));
    CHECK(page.code == errc::decode_failed);
    CHECK(page.diagnostics.detail == "field 'data' is missing");
}

TEST_CASE("hostile server - a users page without limit fails the pager instead of ending it")
{
    // A full page that would otherwise look like the last one.
    auto user = boost::json::parse(wacht::test::read_data("user-create.json")).as_object();
    boost::json::object page{{"data", boost::json::array{user}}, {"has_more", true}, {"offset", 0}};
    peer p(http_response(200, "application/json", boost::json::serialize(page)));
    auto c = p.make_client();
    auto pages = c.users().list().limit(1).pages();
    const auto first = p.run(pages.try_next());
    const auto e = failure_of(first);
    CHECK(e.code == errc::decode_failed);
    CHECK(e.diagnostics.detail == "field 'limit' is missing");
    auto items = c.users().list().items(1);
    CHECK(failure_of(p.run(items.try_next())).diagnostics.detail == "field 'limit' is missing");
    // The unpaged lists never carry limit: the same body without it is a whole sessions list.
    page["data"] = boost::json::array{};
    peer unpaged(http_response(200, "application/json", boost::json::serialize(page)));
    auto c2 = unpaged.make_client();
    CHECK(unpaged.run(c2.users().sessions().list("1").try_send()).has_value());
}

TEST_CASE("hostile server - an echoed API key is redacted from JSON error messages")
{
    peer p([](std::string_view head) {
        const auto auth = authorization_of(head);
        boost::json::object body{
            {"errors",
             boost::json::array{boost::json::object{{"message", "bad credentials: " + auth}, {"code", 401}},
                                boost::json::object{{"message", "key " + auth.substr(7)}, {"code", 401}}}}};
        return http_response(401, "application/json", boost::json::serialize(body));
    });
    auto c = p.make_client();
    const auto e = failure_of(p.run(c.users().details("1").try_send()));
    CHECK(e.code == errc::unauthorized);
    REQUIRE(e.diagnostics.server_messages.size() == 2);
    CHECK(e.diagnostics.server_messages[0].message == "bad credentials: Bearer [redacted]");
    CHECK(e.diagnostics.server_messages[1].message == "key [redacted]");
    check_no_key(e);
}

TEST_CASE("hostile server - an echoed API key is redacted from a non-JSON body snippet - even cut off")
{
    SECTION("whole")
    {
        peer p([](std::string_view head) {
            return http_response(502, "text/html",
                                 "<p>upstream got Authorization: " + authorization_of(head) + "</p>");
        });
        auto c = p.make_client();
        const auto e = failure_of(p.run(c.users().details("1").try_send()));
        CHECK(e.code == errc::server_error);
        CHECK(e.diagnostics.body_snippet == "<p>upstream got Authorization: Bearer [redacted]</p>");
        check_no_key(e);
    }
    SECTION("cut by the end of the snippet")
    {
        peer p([](std::string_view head) {
            // The snippet keeps 256 bytes: the key starts 10 bytes before its end.
            return http_response(500, "text/plain", std::string(246, '.') + authorization_of(head).substr(7));
        });
        auto c = p.make_client();
        const auto e = failure_of(p.run(c.users().details("1").try_send()));
        CHECK(e.diagnostics.body_snippet == std::string(246, '.') + "[redacted]");
        check_no_key(e);
    }
}

TEST_CASE("hostile server - an echoed API key is redacted from a decode failure's body head")
{
    peer p([](std::string_view head) {
        return http_response(200, "application/json",
                             R"({"echo":")" + authorization_of(head) + R"(","id":7})");
    });
    auto c = p.make_client();
    const auto e = failure_of(p.run(c.users().details("1").try_send()));
    CHECK(e.code == errc::decode_failed);
    CHECK(e.diagnostics.body_snippet == R"({"echo":"Bearer [redacted]","id":7})");
    check_no_key(e);
}

TEST_CASE("base URL - a normalized URL is what goes on the wire - a refused one sends nothing")
{
    std::mutex mutex;
    std::string seen;
    peer p([&](std::string_view head) {
        std::lock_guard lock(mutex);
        seen = std::string(head);
        return http_response(404, "application/json",
                             R"({"errors":[{"message":"User not found","code":404}]})");
    });
    const auto port = std::to_string(p.server.port());
    wacht::client_options o;
    o.base_url = "HTTP://127.0.0.1:" + port + "/v1/";
    o.api_key = api_key;
    wacht::client c(p.io.get_executor(), o);
    CHECK(failure_of(p.run(c.users().details("1").try_send())).code == errc::not_found);
    {
        std::lock_guard lock(mutex);
        CHECK(seen.starts_with("GET /v1/users/1/details HTTP/1.1\r\n"));
        CHECK(seen.find("\r\nHost: 127.0.0.1:" + port + "\r\n") != std::string::npos);
    }
    for (const std::string& bad :
         {"http://127.0.0.1:" + port + "/a/../users", "http://127.0.0.1:" + port + "/%zz",
          "http://127.0.0.1\\@127.0.0.1:" + port, std::string("http://127.0.0.1:")}) {
        INFO(bad);
        o.base_url = bad;
        CHECK_THROWS_AS(wacht::client(p.io.get_executor(), o), wacht::api_error);
    }
    CHECK(p.server.connections() == 1);
}
