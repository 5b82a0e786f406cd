// SPDX-License-Identifier: BSL-1.0
// The users core endpoints (E1 to E7) over TLS against the in-process emulator.
#include "harness.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <mutex>
#include <set>

namespace asio = boost::asio;
namespace json = boost::json;
using wacht::errc;
using wacht::test::error_of;
using wacht::test::harness;
using wacht::test::jane;
using wacht::test::message_of;

namespace {

// Runs a builder's try_send() to completion.
template <class Builder>
auto attempt(harness& h, const Builder& b)
{
    return h.run(b.try_send());
}

} // namespace

TEST_CASE("create - read - list - update and delete a user")
{
    harness h;
    const auto created = h.run(h.client.users().create(jane).send());
    CHECK(created.first_name == "Jane");
    CHECK(created.primary_email_address == "jane@example.com");
    CHECK_FALSE(created.username);
    CHECK(created.profile_picture_url.empty());
    REQUIRE(created.id.find_first_not_of("0123456789") == std::string::npos);

    const auto details = h.run(h.client.users().details(created.id).send());
    CHECK(details.id == created.id);
    CHECK(details.schema_version == "v1");
    CHECK(details.second_factor_policy == "optional");
    CHECK(details.has_password);
    REQUIRE(details.email_addresses.size() == 1);
    CHECK(details.email_addresses[0].is_primary);
    CHECK(details.email_addresses[0].verified);
    CHECK(details.primary_email_address_id == details.email_addresses[0].id);
    CHECK(details.public_metadata.as_object().empty());

    const auto page = h.run(h.client.users().list().search("JANE@example").send());
    REQUIRE(page.data.size() == 1);
    CHECK(page.data[0].id == created.id);
    CHECK(page.data[0].username == std::optional<std::string>("")); // the list writes ""
    CHECK(page.limit == 10);
    CHECK(page.offset == 0);
    CHECK_FALSE(page.has_more);

    wacht::update_user_params changes;
    changes.first_name = "Janet";
    changes.username = "janet_s";
    changes.public_metadata = json::object{{"plan", "pro"}, {"seats", 3}};
    changes.private_metadata = json::array{1, 2};
    changes.second_factor_policy = wacht::second_factor_policy::enforced;
    const auto updated = h.run(h.client.users().update(created.id, changes).send());
    CHECK(updated.first_name == "Janet");
    CHECK(updated.last_name == "Smith");
    CHECK(updated.username == "janet_s");
    CHECK(updated.public_metadata == json::value(json::object{{"plan", "pro"}, {"seats", 3}}));
    CHECK(updated.private_metadata == json::value(json::array{1, 2}));
    CHECK(updated.second_factor_policy == "enforced");
    CHECK(updated.updated_at > details.updated_at);

    h.run(h.client.users().remove(created.id).send());
    const auto gone = attempt(h, h.client.users().details(created.id));
    CHECK(error_of(gone).code == errc::not_found);
    CHECK(message_of(gone.error()) == "Resource not found");
    const auto again = attempt(h, h.client.users().remove(created.id));
    CHECK(error_of(again).code == errc::not_found);
    CHECK(message_of(again.error()) == "User not found");
    CHECK(h.run(h.client.users().list().search("jane").send()).data.empty());
}

TEST_CASE("send() throws api_error with status - server message and request id")
{
    harness h;
    try {
        h.run(h.client.users().details("1394412856401047552").send());
        FAIL("no exception");
    } catch (const wacht::api_error& e) {
        CHECK(e.code() == errc::not_found);
        CHECK(e.status() == 404);
        CHECK(e.request_id().size() == 32);
        CHECK(std::string(e.what()).find("Resource not found") != std::string::npos);
        CHECK(std::string(e.what()).find(e.request_id()) != std::string::npos);
    }
}

TEST_CASE("every request carries the auth - agent - accept and request-id headers")
{
    harness h;
    std::mutex mutex;
    std::vector<wacht::emulator::http_request> seen;
    h.server.backend().set_observer([&](const wacht::emulator::http_request& r) {
        std::lock_guard lock(mutex);
        seen.push_back(r);
    });
    h.run(h.client.users().list().send());
    h.run(h.client.users().list().send());
    REQUIRE(seen.size() == 2);
    for (const auto& r : seen) {
        CHECK(r.authorization == "Bearer test-key-7f3a9c");
        CHECK(r.user_agent == std::string("wacht-cpp/") + wacht::version);
        CHECK(r.accept == "application/json");
        CHECK(r.request_id.size() == 32);
    }
    CHECK(seen[0].request_id != seen[1].request_id);
}

TEST_CASE("a wrong API key is a 401 whose error text never contains the key")
{
    harness h(wacht::test::default_server_options(),
              [](wacht::client_options& o) { o.api_key = "sk_wrong_91c2"; });
    std::vector<std::string> log_lines;
    const auto r = attempt(h, h.client.users().list());
    const auto e = error_of(r);
    CHECK(e.code == errc::unauthorized);
    CHECK(message_of(e) == "Authentication failed");
    CHECK(e.message().find("sk_wrong_91c2") == std::string::npos);
}

TEST_CASE("log lines never contain the API key")
{
    std::vector<std::string> lines;
    std::mutex mutex;
    harness h(wacht::test::default_server_options(), [&](wacht::client_options& o) {
        o.logger = [&](wacht::log_level, std::string_view line) {
            std::lock_guard lock(mutex);
            lines.emplace_back(line);
        };
    });
    h.run(h.client.users().list().limit(1).send());
    (void)attempt(h, h.client.users().details("42"));
    (void)attempt(h, h.client.users().list().limit(-1));
    REQUIRE(lines.size() == 3);
    for (const auto& line : lines)
        CHECK(line.find("test-key-7f3a9c") == std::string::npos);
    // Routes by template: no query, no id (client_options::event_fields opts in to them).
    CHECK(lines[0].find("GET /users -> 200") == 0);
    CHECK(lines[1].find("GET /users/{user_id}/details -> 404") == 0);
    CHECK(lines[2] == "GET /users rejected before sending: limit must be between 0 and 2147483646");
}

TEST_CASE("list: paging - has_more and the echoed limit and offset")
{
    auto options = wacht::test::default_server_options();
    options.api.seed_users = 25;
    harness h(options);
    const auto first = h.run(h.client.users().list().limit(10).send());
    CHECK(first.data.size() == 10);
    CHECK(first.has_more);
    const auto last = h.run(h.client.users().list().limit(10).offset(20).send());
    CHECK(last.data.size() == 5);
    CHECK_FALSE(last.has_more);
    CHECK(last.offset == 20);
    const auto none = h.run(h.client.users().list().limit(0).send());
    CHECK(none.data.empty());
    CHECK(none.has_more); // rows exist past an empty page

    std::set<std::string> ids;
    for (int offset = 0; offset < 25; offset += 7)
        for (const auto& u : h.run(h.client.users().list().limit(7).offset(offset).send()).data)
            ids.insert(u.id);
    CHECK(ids.size() == 25);
}

TEST_CASE("list: every sort key in both orders")
{
    auto options = wacht::test::default_server_options();
    options.api.seed_users = 12;
    harness h(options);
    const auto created_desc = h.run(h.client.users().list().limit(100).send()).data;
    REQUIRE(created_desc.size() == 12);
    for (std::size_t i = 1; i < created_desc.size(); ++i)
        CHECK(created_desc[i - 1].created_at >= created_desc[i].created_at);

    const auto by_email = h.run(
        h.client.users().list().limit(100).sort_key(wacht::user_sort_key::email).sort_order("asc").send());
    for (std::size_t i = 1; i < by_email.data.size(); ++i)
        CHECK(*by_email.data[i - 1].primary_email_address <= *by_email.data[i].primary_email_address);

    // Seeded users without a phone sort as NULL: last in ascending order, first in descending.
    const auto by_phone_asc =
        h.run(h.client.users().list().limit(100).sort_key("phone_number").sort_order("asc").send());
    CHECK(by_phone_asc.data.front().primary_phone_number);
    CHECK_FALSE(by_phone_asc.data.back().primary_phone_number);
    const auto by_phone_desc = h.run(h.client.users().list().limit(100).sort_key("phone_number").send());
    CHECK_FALSE(by_phone_desc.data.front().primary_phone_number);

    const auto by_username = h.run(h.client.users()
                                       .list()
                                       .limit(100)
                                       .sort_key(wacht::user_sort_key::username)
                                       .sort_order(wacht::sort_order::desc)
                                       .send());
    for (std::size_t i = 1; i < by_username.data.size(); ++i)
        CHECK(*by_username.data[i - 1].username >= *by_username.data[i].username);
}

TEST_CASE("list: search is a case-insensitive substring over names - emails and phones")
{
    auto options = wacht::test::default_server_options();
    options.api.seed_users = 20;
    harness h(options);
    const auto ada = h.run(h.client.users().list().limit(100).search("  ADA ").send());
    REQUIRE_FALSE(ada.data.empty());
    for (const auto& u : ada.data)
        CHECK(u.first_name == "Ada");
    // Phones match with and without the country code.
    const auto with_code = h.run(h.client.users().list().search("+14155550004").send());
    REQUIRE(with_code.data.size() == 1);
    const auto bare = h.run(h.client.users().list().search("4155550004").send());
    REQUIRE(bare.data.size() == 1);
    CHECK(bare.data[0].id == with_code.data[0].id);
    CHECK(with_code.data[0].primary_phone_number == "+14155550004");
    CHECK(h.run(h.client.users().list().search("no-such-person").send()).data.empty());
}

TEST_CASE("list: invalid arguments are rejected before anything is sent")
{
    harness h;
    const auto before = h.server.backend().request_count();
    const auto check = [&](const wacht::list_users_request& b, std::string_view needle) {
        const auto r = attempt(h, b);
        const auto e = error_of(r);
        CHECK(e.code == errc::invalid_argument);
        CHECK(e.diagnostics.detail.find(needle) != std::string::npos);
        CHECK(e.diagnostics.http_status == 0);
    };
    check(h.client.users().list().limit(-1), "limit");
    check(h.client.users().list().limit(2147483647), "limit");
    check(h.client.users().list().offset(-5), "offset");
    check(h.client.users().list().sort_key("created"), "sort_key");
    check(h.client.users().list().sort_order("ascending"), "sort_order");
    check(h.client.users().list().search("\xff"), "search");
    CHECK_THROWS_AS(h.run(h.client.users().list().limit(-1).send()), wacht::api_error);
    CHECK(h.server.backend().request_count() == before);
}

TEST_CASE("details: the username is null and the phone bare - unlike the list")
{
    harness h;
    auto params = jane;
    params.phone_number = "4155550199";
    const auto created = h.run(h.client.users().create(params).send());
    CHECK(created.primary_phone_number == "4155550199");
    const auto d = h.run(h.client.users().details(created.id).send());
    CHECK_FALSE(d.username);
    CHECK(d.primary_phone_number == "4155550199");
    REQUIRE(d.phone_numbers.size() == 1);
    CHECK(d.phone_numbers[0].verified);
    const auto listed = h.run(h.client.users().list().send());
    REQUIRE(listed.data.size() == 1);
    CHECK(listed.data[0].username == std::optional<std::string>(""));
}

TEST_CASE("path ids are percent-encoded and can never reach another route")
{
    harness h;
    const auto created = h.run(h.client.users().create(jane).send());
    for (const char* id : {"../users", "1/details", "1?x=1", "1#x", "%31", "1 2", "1\r\nX: y", "１"}) {
        const auto r = attempt(h, h.client.users().details(id));
        CAPTURE(id);
        CHECK(error_of(r).code == errc::bad_request); // one segment that is not an i64
    }
    for (const char* id : {"", ".", ".."}) {
        const auto r = attempt(h, h.client.users().remove(id));
        CHECK(error_of(r).code == errc::invalid_argument);
    }
    CHECK(h.run(h.client.users().details(created.id).send()).id == created.id); // still there
}

TEST_CASE("create: a profile image travels as multipart bytes")
{
    harness h;
    std::string png("\x89PNG\r\n\x1a\n", 8);
    for (int i = 0; i < 4096; ++i)
        png += static_cast<char>(i * 31 % 256);
    auto params = jane;
    params.profile_image = wacht::profile_image{"image/png", png};
    const auto created = h.run(h.client.users().create(params).send());
    CHECK(created.profile_picture_url.empty()); // always "" in the create response
    const auto d = h.run(h.client.users().details(created.id).send());
    CHECK(d.profile_picture_url.ends_with("/users/" + created.id + "/profile.png"));

    // The emulator-only route hands back the stored bytes.
    const auto stored =
        h.server.backend().handle({.method = "GET",
                                   .target = "/_emulator/users/" + created.id + "/profile-image",
                                   .authorization = "Bearer test-key-7f3a9c"});
    CHECK(stored.status == 200);
    CHECK(stored.content_type == "image/png");
    CHECK(stored.body == png);

    wacht::update_user_params remove;
    remove.remove_profile_image = true;
    CHECK(h.run(h.client.users().update(created.id, remove).send()).profile_picture_url.empty());
}

TEST_CASE("create: the server's validation messages - stage A then stage B")
{
    harness h;
    auto no_email = jane;
    no_email.email_address.reset();
    CHECK(message_of(error_of(attempt(h, h.client.users().create(no_email)))) == "Email address is required");

    auto short_password = jane;
    short_password.password = "Ab1!";
    CHECK(message_of(error_of(attempt(h, h.client.users().create(short_password)))) ==
          "Password must be at least 8 characters");

    auto no_password = jane;
    no_password.password.reset();
    CHECK(message_of(error_of(attempt(h, h.client.users().create(no_password)))) == "Password is required");
    no_password.skip_password_check = true;
    CHECK(h.run(h.client.users().create(no_password).send()).primary_email_address == "jane@example.com");

    auto bad = jane;
    bad.email_address = "not-an-email";
    bad.username = "a b";
    bad.phone_number = "0123"; // must start with 1-9
    bad.password = "lowercase-only";
    const auto e = error_of(attempt(h, h.client.users().create(bad)));
    CHECK(e.code == errc::bad_request);
    CHECK(
        message_of(e) ==
        "Validation failed: email_address: Invalid email format, phone_number: Invalid phone number format, "
        "username: Username can only contain letters, numbers, underscores, and hyphens, password: Password "
        "must contain at least one uppercase letter, password: Password must contain at least one number");

    auto unsupported = jane;
    unsupported.email_address = "other@example.com";
    unsupported.profile_image = wacht::profile_image{"image/bmp", "BM...."};
    CHECK(message_of(error_of(attempt(h, h.client.users().create(unsupported)))) ==
          "Unsupported image format. Supported formats: JPEG, PNG, GIF, WEBP, ICO");
}

TEST_CASE("create: a duplicate email address is a 409 conflict")
{
    harness h;
    h.run(h.client.users().create(jane).send());
    const auto e = error_of(attempt(h, h.client.users().create(jane)));
    CHECK(e.code == errc::conflict);
    CHECK(message_of(e) == "Resource already exists");
}

TEST_CASE("create and update: arguments the server would silently drop are rejected before sending")
{
    harness h;
    const auto before = h.server.backend().request_count();
    const auto rejected = [&](const auto& builder, std::string_view needle) {
        const auto e = error_of(attempt(h, builder));
        CHECK(e.code == errc::invalid_argument);
        CHECK(e.diagnostics.detail.find(needle) != std::string::npos);
    };
    auto p = jane;
    p.profile_image = wacht::profile_image{"application/octet-stream", "x"};
    rejected(h.client.users().create(p), "content_type");
    p.profile_image = wacht::profile_image{"image/png", ""};
    rejected(h.client.users().create(p), "data");
    p = jane;
    p.password = " S3cure!pass";
    rejected(h.client.users().create(p), "whitespace");
    p = jane;
    p.username = "";
    rejected(h.client.users().create(p), "username");
    p = jane;
    p.first_name = "\xc3";
    rejected(h.client.users().create(p), "UTF-8");

    wacht::update_user_params u;
    u.first_name = "";
    rejected(h.client.users().update("1", u), "first_name");
    u = {};
    u.remove_profile_image = true;
    u.profile_image = wacht::profile_image{"image/png", "x"};
    rejected(h.client.users().update("1", u), "remove_profile_image");
    CHECK(h.server.backend().request_count() == before);
}

TEST_CASE("update: validation - unknown users and disabling")
{
    harness h;
    const auto created = h.run(h.client.users().create(jane).send());
    wacht::update_user_params u;
    u.username = "ab";
    CHECK(message_of(error_of(attempt(h, h.client.users().update(created.id, u)))) ==
          "Username must be at least 3 characters");
    u.username = std::string(31, 'x');
    CHECK(message_of(error_of(attempt(h, h.client.users().update(created.id, u)))) ==
          "Username must be at most 30 characters");

    wacht::update_user_params disable;
    disable.disabled = true;
    CHECK(h.run(h.client.users().update(created.id, disable).send()).disabled);
    const auto missing = error_of(attempt(h, h.client.users().update("1394412856401047552", disable)));
    CHECK(missing.code == errc::not_found);
    CHECK(message_of(missing) == "Resource not found");
}

TEST_CASE("passwords: update with the server's rules - skip them - remove")
{
    harness h;
    const auto created = h.run(h.client.users().create(jane).send());
    const auto weak = error_of(attempt(h, h.client.users().update_password(created.id, "weakpass")));
    CHECK(weak.code == errc::bad_request);
    CHECK(message_of(weak) ==
          "Validation failed: password: Password must contain at least one uppercase letter, "
          "password: Password must contain at least one number, password: Password must "
          "contain at least one special character");
    h.run(h.client.users().update_password(created.id, "N3w-Passw0rd!").send());
    h.run(h.client.users().update_password(created.id, "weak").skip_password_check(true).send());
    // No existence check on the server: an unknown user still gets 200 {}.
    h.run(h.client.users().update_password("1394412856401047552", "N3w-Passw0rd!").send());

    h.run(h.client.users().remove_password(created.id).send());
    CHECK_FALSE(h.run(h.client.users().details(created.id).send()).has_password);
    const auto missing = error_of(attempt(h, h.client.users().remove_password("1394412856401047552")));
    CHECK(missing.code == errc::not_found);
    CHECK(message_of(missing) == "user not found");
}

TEST_CASE("deleting a user cascades to its emails and phones")
{
    harness h;
    auto params = jane;
    params.phone_number = "4155550100";
    const auto created = h.run(h.client.users().create(params).send());
    h.run(h.client.users().remove(created.id).send());
    CHECK(h.run(h.client.users().list().search("4155550100").send()).data.empty());
    // The email is free again: a new user may take it.
    CHECK(h.run(h.client.users().create(params).send()).primary_email_address == "jane@example.com");
}
