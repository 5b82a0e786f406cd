// SPDX-License-Identifier: BSL-1.0
// Issue 15: the clerk-rs UsersApi calls that have a Wacht equivalent, against the in-process emulator
// (success and every error path), and merge_metadata's read-failure path against a canned server.
#include "canned_server.hpp"
#include "harness.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace json = boost::json;
using wacht::errc;
using wacht::test::error_of;
using wacht::test::harness;
using wacht::test::message_of;
using wacht::test::seed;

namespace {

const std::string unknown_user = "1394412856401047552";

wacht::user make_user(harness& h, std::string email, std::optional<std::string> username = {})
{
    const wacht::create_user_params params{.first_name = "Jane",
                                           .last_name = "Smith",
                                           .email_address = std::move(email),
                                           .username = std::move(username),
                                           .password = "S3cure!pass"};
    return h.run(h.client.users().create(params).send());
}

// A client of the same emulator with a key it refuses.
wacht::client wrong_key_client(harness& h)
{
    auto o = h.make_options({});
    o.api_key = "not-the-key";
    return wacht::client(h.io.get_executor(), o);
}

} // namespace

TEST_CASE("ban - unban: disabled only - banning deletes every sign-in - errors")
{
    harness h;
    const auto user = make_user(h, "ban@example.com");
    wacht::update_user_params meta;
    meta.public_metadata = json::parse(R"({"plan":"pro"})");
    h.run(h.client.users().update(user.id, meta).send());
    const auto sessions_path = "/_emulator/users/" + user.id + "/sessions";
    seed(h, sessions_path, {{"browser", "Firefox"}});
    seed(h, sessions_path, {{"browser", "Chrome"}});
    auto sessions = h.client.users().sessions();
    REQUIRE(h.run(sessions.list(user.id).include_expired(true).send()).data.size() == 2);

    const auto banned = h.run(h.client.users().ban(user.id).send());
    CHECK(banned.disabled);
    CHECK(banned.first_name == "Jane"); // nothing else changed
    CHECK(banned.public_metadata == json::parse(R"({"plan":"pro"})"));
    CHECK(h.run(sessions.list(user.id).include_expired(true).send()).data.empty());
    CHECK(h.run(h.client.users().details(user.id).send()).disabled);

    const auto unbanned = h.run(h.client.users().unban(user.id).send());
    CHECK_FALSE(unbanned.disabled);
    CHECK(unbanned.public_metadata == json::parse(R"({"plan":"pro"})"));
    CHECK(h.run(sessions.list(user.id).include_expired(true).send()).data.empty()); // still gone

    const auto unknown = error_of(h.run(h.client.users().ban(unknown_user).try_send()));
    CHECK(unknown.code == errc::not_found);
    CHECK(message_of(unknown) == "Resource not found");
    CHECK(error_of(h.run(h.client.users().unban("..").try_send())).code == errc::invalid_argument);
    auto stranger = wrong_key_client(h);
    CHECK(error_of(h.run(stranger.users().ban(user.id).try_send())).code == errc::unauthorized);
    CHECK(h.run(h.client.users().details(user.id).send()).disabled == false);
}

TEST_CASE("merge_metadata: RFC 7386 over the stored metadata - only what was patched is written")
{
    harness h;
    const auto user = make_user(h, "merge@example.com");
    wacht::update_user_params initial;
    initial.public_metadata =
        json::parse(R"({"plan":"pro","limits":{"seats":5,"api":true},"tags":["a","b"]})");
    initial.private_metadata = json::parse(R"({"stripe":"cus_1","notes":{"vip":true}})");
    h.run(h.client.users().update(user.id, initial).send());

    const auto merged =
        h.run(h.client.users()
                  .merge_metadata(user.id, json::parse(R"({"limits":{"api":null,"storage":10},)"
                                                       R"("tags":["c"],"new":1})"))
                  .send());
    const auto expected_public =
        json::parse(R"({"plan":"pro","limits":{"seats":5,"storage":10},"tags":["c"],"new":1})");
    CHECK(merged.public_metadata == expected_public);
    CHECK(merged.private_metadata == json::parse(R"({"stripe":"cus_1","notes":{"vip":true}})"));
    const auto stored = h.run(h.client.users().details(user.id).send());
    CHECK(stored.public_metadata == expected_public);

    // The private metadata alone; null removes a key.
    const auto private_only =
        h.run(h.client.users()
                  .merge_metadata(user.id, std::nullopt, json::parse(R"({"stripe":null,"notes":{"x":1}})"))
                  .send());
    CHECK(private_only.private_metadata == json::parse(R"({"notes":{"vip":true,"x":1}})"));
    CHECK(private_only.public_metadata == expected_public);

    // A non-object patch replaces the value.
    const auto replaced = h.run(h.client.users().merge_metadata(user.id, json::parse("[1,2]")).send());
    CHECK(replaced.public_metadata == json::parse("[1,2]"));

    // Errors: an unknown user (the read fails), a bad id (nothing sent), a refused key.
    const auto unknown =
        error_of(h.run(h.client.users().merge_metadata(unknown_user, json::parse(R"({"a":1})")).try_send()));
    CHECK(unknown.code == errc::not_found);
    CHECK(error_of(h.run(h.client.users().merge_metadata("", json::parse(R"({"a":1})")).try_send())).code ==
          errc::invalid_argument);
    auto stranger = wrong_key_client(h);
    CHECK(error_of(h.run(stranger.users().merge_metadata(user.id, json::parse(R"({"a":1})")).try_send()))
              .code == errc::unauthorized);
    CHECK(h.run(h.client.users().details(user.id).send()).public_metadata == json::parse("[1,2]"));
}

TEST_CASE("merge_metadata: a failed read sends no update")
{
    const std::string body = R"({"errors":[{"message":"Something went wrong","code":500}]})";
    wacht::test::canned_server server("HTTP/1.1 500 X\r\nContent-Type: application/json\r\nContent-Length: " +
                                      std::to_string(body.size()) + "\r\n\r\n" + body);
    boost::asio::io_context io;
    wacht::client_options o;
    o.base_url = server.url();
    o.api_key = "k";
    o.retry.max_attempts = 1;
    wacht::client c(io.get_executor(), o);
    auto future = boost::asio::co_spawn(
        io, c.users().merge_metadata("1", json::parse(R"({"a":1})")).try_send(), boost::asio::use_future);
    io.run();
    const auto r = future.get();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::server_error);
    CHECK(server.requests() == 1); // the GET of the details only
}

TEST_CASE("mfa().disable: true when an authenticator was deleted - false when there was none - errors")
{
    harness h;
    const auto user = make_user(h, "mfa@example.com");
    auto mfa = h.client.users().mfa();
    h.run(mfa.create_authenticator(user.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").send());
    CHECK(h.run(mfa.disable(user.id).send()));
    CHECK_FALSE(h.run(mfa.disable(user.id).send()));
    CHECK_FALSE(h.run(mfa.disable(unknown_user).send())); // the server answers the same
    h.run(mfa.create_authenticator(user.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").send()); // can be made again
    CHECK(error_of(h.run(mfa.disable("..").try_send())).code == errc::invalid_argument);
    auto stranger = wrong_key_client(h);
    CHECK(error_of(h.run(stranger.users().mfa().disable(user.id).try_send())).code == errc::unauthorized);
    CHECK(h.run(mfa.disable(user.id).send()));
}

TEST_CASE("social_connections().access_token: the provider's connection with its tokens or nullopt")
{
    harness h;
    const auto user = make_user(h, "oauth@example.com");
    seed(h, "/_emulator/users/" + user.id + "/social-connections",
         {{"provider", "github_oauth"}, {"access_token", "gho_first"}});
    seed(h, "/_emulator/users/" + user.id + "/social-connections",
         {{"provider", "google_oauth"}, {"access_token", "ya29.token"}, {"refresh_token", "1//r"}});
    auto connections = h.client.users().social_connections();
    const auto google = h.run(connections.access_token(user.id, "google_oauth").send());
    REQUIRE(google);
    CHECK(google->access_token == "ya29.token");
    CHECK(google->refresh_token == "1//r");
    std::ostringstream printed;
    printed << *google;
    CHECK(printed.str().find("ya29.token") == std::string::npos);
    const auto github = h.run(connections.access_token(user.id, "github_oauth").send());
    REQUIRE(github);
    CHECK(github->access_token == "gho_first");
    CHECK_FALSE(h.run(connections.access_token(user.id, "gitlab_oauth").send()));
    CHECK_FALSE(h.run(connections.access_token(user.id, "GOOGLE_OAUTH").send())); // exact
    CHECK_FALSE(h.run(connections.access_token(unknown_user, "google_oauth").send()));
    CHECK(error_of(h.run(connections.access_token(user.id, "").try_send())).code == errc::invalid_argument);
    CHECK(error_of(h.run(connections.access_token("..", "google_oauth").try_send())).code ==
          errc::invalid_argument);
    auto stranger = wrong_key_client(h);
    CHECK(error_of(
              h.run(stranger.users().social_connections().access_token(user.id, "google_oauth").try_send()))
              .code == errc::unauthorized);
}

TEST_CASE("find_by_username: an exact, case-sensitive match among the search results")
{
    harness h;
    const auto ann = make_user(h, "ann@example.com", "ann_b");
    const auto wildcard = make_user(h, "annx@example.com", "annxb"); // "_" matches any character in search
    const auto longer = make_user(h, "annb2@example.com", "ann_b2");
    auto users = h.client.users();
    const auto found = h.run(users.find_by_username("ann_b").send());
    REQUIRE(found);
    CHECK(found->id == ann.id);
    CHECK(h.run(users.find_by_username("annxb").send())->id == wildcard.id);
    CHECK(h.run(users.find_by_username("  ann_b2 ").send())->id == longer.id); // trimmed
    CHECK_FALSE(h.run(users.find_by_username("ann").send()));
    CHECK_FALSE(h.run(users.find_by_username("ANN_B").send()));
    CHECK(error_of(h.run(users.find_by_username(" ").try_send())).code == errc::invalid_argument);
    CHECK(error_of(h.run(users.find_by_username("\xff").try_send())).code == errc::invalid_argument);
    auto stranger = wrong_key_client(h);
    CHECK(error_of(h.run(stranger.users().find_by_username("ann_b").try_send())).code == errc::unauthorized);
}

TEST_CASE("find_by_phone: country code and number joined or the bare number - on any of the numbers")
{
    harness h;
    const auto first = make_user(h, "phone1@example.com");
    const auto second = make_user(h, "phone2@example.com");
    auto phones = h.client.users().phones();
    h.run(phones.add(first.id, "4155550123", "+1").is_primary(true).send());
    h.run(phones.add(second.id, "4155550199", "+1").send()); // not primary: found through details
    h.run(phones.add(second.id, "2079460000", "+44").is_primary(true).send());
    auto users = h.client.users();
    const auto by_joined = h.run(users.find_by_phone("+14155550123").send());
    REQUIRE(by_joined);
    CHECK(by_joined->id == first.id);
    CHECK(h.run(users.find_by_phone("4155550123").send())->id == first.id);
    CHECK(h.run(users.find_by_phone("+14155550199").send())->id == second.id);
    CHECK(h.run(users.find_by_phone("4155550199").send())->id == second.id);
    CHECK(h.run(users.find_by_phone("+442079460000").send())->id == second.id);
    CHECK_FALSE(h.run(users.find_by_phone("415555").send())); // a part is no match
    CHECK_FALSE(h.run(users.find_by_phone("+19999999999").send()));
    CHECK(error_of(h.run(users.find_by_phone("").try_send())).code == errc::invalid_argument);
    auto stranger = wrong_key_client(h);
    CHECK(error_of(h.run(stranger.users().find_by_phone("4155550123").try_send())).code ==
          errc::unauthorized);
}
