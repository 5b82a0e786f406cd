// SPDX-License-Identifier: BSL-1.0
// The emulator against the contract, for requests the SDK never sends malformed (wrong content types,
// bad JSON, bad query values) and for the framework-level rules: auth, routing, body limits.
#include "canned_server.hpp"
#include "emulator_calls.hpp"
#include "harness.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace json = boost::json;
using wacht::emulator::api;
using wacht::emulator::http_request;
using wacht::emulator::http_response;
using wacht::test::form_type;
using wacht::test::message_of;
using wacht::test::multipart;

namespace {

constexpr const char* bearer = "Bearer emulator-test-key";

api make_api(std::size_t seed = 0, wacht::emulator::auth_settings auth = {})
{
    return wacht::test::make_emulator_api("emulator-test-key", seed, auth);
}

http_response call(api& a, std::string method, std::string target, std::string body = {},
                   std::string content_type = {}, std::string authorization = bearer)
{
    return wacht::test::emulator_call(a, std::move(authorization), std::move(method), std::move(target),
                                      std::move(body), std::move(content_type));
}

} // namespace

TEST_CASE("auth runs first: missing or foreign schemes and wrong keys are 401 with their texts")
{
    auto a = make_api();
    for (const char* auth : {"", "bearer emulator-test-key", "Basic abc", "Bearer"}) {
        const auto r = call(a, "GET", "/users", {}, {}, auth);
        CHECK(r.status == 401);
        CHECK(message_of(r) == "Authorization header must be Bearer token");
    }
    const auto wrong = call(a, "GET", "/users", {}, {}, "Bearer other");
    CHECK(wrong.status == 401);
    CHECK(message_of(wrong) == "Authentication failed");
    // Unknown paths and wrong methods are 401 too without a valid key.
    CHECK(call(a, "GET", "/nowhere", {}, {}, "").status == 401);
    CHECK(call(a, "PUT", "/users", {}, {}, "").status == 401);
}

TEST_CASE("health needs no key")
{
    auto a = make_api();
    const auto r = call(a, "GET", "/health", {}, {}, "");
    CHECK(r.status == 200);
    const auto body = json::parse(r.body).as_object();
    CHECK(body.at("status") == "healthy");
    CHECK(wacht::parse_timestamp(body.at("timestamp").as_string()));
}

TEST_CASE("routing: 404 for unknown paths and trailing slashes - 405 for known paths")
{
    auto a = make_api();
    for (const char* target :
         {"/nowhere", "/users/", "/users/1/details/", "/v1/users", "/users/1/emails/x/y/z"}) {
        const auto r = call(a, "GET", target);
        CAPTURE(target);
        CHECK(r.status == 404);
        CHECK(message_of(r) == "Not found");
    }
    for (auto [method, target] :
         std::vector<std::pair<const char*, const char*>>{{"GET", "/users/1"},
                                                          {"PUT", "/users"},
                                                          {"POST", "/users/1/details"},
                                                          {"GET", "/users/1/password"}}) {
        const auto r = call(a, method, target);
        CHECK(r.status == 405);
        CHECK(message_of(r) == "Method not allowed");
    }
}

TEST_CASE("path ids must parse as i64")
{
    auto a = make_api();
    for (const char* target : {"/users/abc/details", "/users/1.5/details",
                               "/users/99999999999999999999/details", "/users/%31x/details"}) {
        const auto r = call(a, "GET", target);
        CAPTURE(target);
        CHECK(r.status == 400);
        CHECK(message_of(r) == "Bad request");
    }
    // Negative, signed and zero-padded ids parse and simply match nothing.
    for (const char* target :
         {"/users/-5/details", "/users/+5/details", "/users/0005/details", "/users/%35/details"})
        CHECK(message_of(call(a, "GET", target)) == "Resource not found");
}

TEST_CASE("list query values: 400 for bad values - 500 where the database would fail")
{
    auto a = make_api(3);
    for (const char* query :
         {"limit=-1", "limit=abc", "limit=", "limit=+2" /* '+' is a space */, "offset=x", "sort_key=name",
          "sort_order=up", "limit=1&limit=2", "sort_key=created_at&sort_key=email"}) {
        const auto r = call(a, "GET", std::string("/users?") + query);
        CAPTURE(query);
        CHECK(r.status == 400);
        CHECK(message_of(r) == "Bad request");
    }
    for (const char* query : {"offset=-1", "limit=2147483647"}) {
        const auto r = call(a, "GET", std::string("/users?") + query);
        CHECK(r.status == 500);
        CHECK(message_of(r) == "Something went wrong");
    }
    const auto page =
        json::parse(call(a, "GET", "/users?limit=%2B2&unknown=1&search=%20%20").body).as_object();
    CHECK(page.at("data").as_array().size() == 2);
    CHECK(page.at("limit") == 2);
    CHECK(page.at("offset") == 0);
}

TEST_CASE("search treats % and _ as LIKE wildcards")
{
    auto a = make_api(12);
    const auto all = json::parse(call(a, "GET", "/users?limit=100&search=%25").body).as_object();
    CHECK(all.at("data").as_array().size() == 12);
    const auto underscore = json::parse(call(a, "GET", "/users?limit=100&search=LO_ELACE").body).as_object();
    CHECK(underscore.at("data").as_array().size() == 10); // seeded users 0-9 are Lovelaces
    for (const auto& u : underscore.at("data").as_array())
        CHECK(u.at("last_name") == "Lovelace");
}

TEST_CASE("create: request shape errors")
{
    auto a = make_api();
    CHECK(message_of(call(a, "POST", "/users", R"({"first_name":"x"})", "application/json")) ==
          "Bad request");
    CHECK(message_of(call(a, "POST", "/users", "x", "multipart/form-data")) == "Bad request"); // no boundary
    CHECK(message_of(call(a, "POST", "/users", "garbage", form_type)) ==
          "Error parsing `multipart/form-data` request");
    CHECK(message_of(call(a, "POST", "/users", "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n",
                          form_type)) == "Multipart field name is missing");
    CHECK(message_of(call(a, "POST", "/users", multipart({{"first_name", "\xff"}}), form_type)) ==
          "Multipart field 'first_name' must be valid UTF-8 text");
}

TEST_CASE("create: stage A reads a null `required` as true and stage B as false")
{
    wacht::emulator::auth_settings s;
    s.first_name.required.reset(); // null in the deployment row
    auto a = make_api(0, s);
    const auto base = std::vector<std::pair<std::string, std::string>>{
        {"email_address", "a@example.com"}, {"password", "S3cure!pass"}, {"first_name", "  "}};
    CHECK(message_of(call(a, "POST", "/users", multipart(base), form_type)) == "First name is required");

    s.first_name.required = true;
    s.first_name.enabled = false; // stage A skips a disabled field; stage B does not look at `enabled`
    auto b = make_api(0, s);
    CHECK(message_of(call(b, "POST", "/users", multipart(base), form_type)) ==
          "Validation failed: first_name: First name is required");
}

TEST_CASE("create: configurable settings change the rules")
{
    wacht::emulator::auth_settings s = wacht::emulator::auth_settings::from_json(
        R"({"username":{"enabled":true,"required":true},"username_min_length":5,"password_min_length":12,
            "password_requires_special":false,"unique_identifiers":false})");
    CHECK(s.username.required == true);
    auto a = make_api(0, s);
    const auto no_username = multipart({{"email_address", "a@example.com"}, {"password", "Abcdefgh1234"}});
    CHECK(message_of(call(a, "POST", "/users", no_username, form_type)) == "Username is required");
    const auto short_password =
        multipart({{"email_address", "a@example.com"}, {"password", "Abcdefgh1"}, {"username", "abcdef"}});
    CHECK(message_of(call(a, "POST", "/users", short_password, form_type)) ==
          "Password must be at least 12 characters");
    const auto ok =
        multipart({{"email_address", "a@example.com"}, {"password", "Abcdefgh1234"}, {"username", "abcdef"}});
    CHECK(call(a, "POST", "/users", ok, form_type).status == 200);
    auto again =
        multipart({{"email_address", "a@example.com"}, {"password", "Abcdefgh1234"}, {"username", "abcdef"}});
    CHECK(call(a, "POST", "/users", again, form_type).status == 200); // no unique constraints
    CHECK_THROWS(wacht::emulator::auth_settings::from_json("[]"));
}

TEST_CASE("create: the response is built in memory - timestamps with nanoseconds")
{
    auto a = make_api();
    const auto r = call(a, "POST", "/users",
                        multipart({{"first_name", " Lin "},
                                   {"email_address", " lin@example.com "},
                                   {"username", " lin_n "},
                                   {"phone_number", "+1 (415) 555-0100"},
                                   {"skip_password_check", "true"}}),
                        form_type);
    REQUIRE(r.status == 200);
    const auto u = json::parse(r.body).as_object();
    CHECK(u.at("first_name") == " Lin "); // not trimmed
    CHECK(u.at("primary_email_address") == "lin@example.com");
    CHECK(u.at("username") == "lin_n");
    CHECK(u.at("profile_picture_url") == "");
    CHECK(u.at("last_name") == "");
    const std::string created(u.at("created_at").as_string());
    CHECK(created.size() == std::string("2026-06-28T12:00:01.123456789Z").size());
}

TEST_CASE("create: the phone rule reads \\d and \\s as the server's Rust regex does (Unicode)")
{
    auto a = make_api();
    int n = 0; // usernames and emails are unique
    const auto create = [&](const std::string& phone) {
        ++n;
        return call(a, "POST", "/users",
                    multipart({{"email_address", "p" + std::to_string(n) + "@example.com"},
                               {"username", "phone_user_" + std::to_string(n)},
                               {"phone_number", phone},
                               {"skip_password_check", "true"}}),
                    form_type);
    };
    const auto accepted = [&](const std::string& phone) {
        const auto r = create(phone);
        INFO(phone << " -> " << r.body);
        REQUIRE(r.status == 200);
        CHECK(json::parse(r.body).at("primary_phone_number") == phone.c_str()); // stored as sent
    };
    const auto refused = [&](const std::string& phone) {
        const auto r = create(phone);
        INFO(phone);
        CHECK(message_of(r) == "Validation failed: phone_number: Invalid phone number format");
    };
    const std::string arabic_indic_4 = "\u0664", arabic_indic_5 = "\u0665";     // Nd, two bytes each
    accepted("+1" + arabic_indic_4 + arabic_indic_5);                           // short form, Nd digits
    accepted("+1\uFF14\uFF11\uFF15\uFF15\uFF15\uFF15\uFF10\uFF11\uFF10\uFF10"); // fullwidth digits
    accepted("1\u0967\u0968\u0969");                                            // Devanagari digits
    // The long form's \s is Unicode White_Space: a no-break space or an ideographic space is allowed.
    accepted("+1\u00A0415\u00A0555\u00A00100");
    accepted("+1\u3000415\u3000555\u30000100");
    // Counts are in characters, not bytes: 20 two-byte digits after the first fit the long form.
    std::string twenty, twenty_one;
    for (int i = 0; i < 20; ++i)
        twenty += arabic_indic_4;
    twenty_one = twenty + arabic_indic_4;
    accepted("+1" + twenty);
    refused("+1" + twenty_one);
    // [1-9] stays ASCII; other numerals (category No) and letters are not \d.
    refused("+" + arabic_indic_4 + "15550100");
    refused("+1415\u00B9\u00B2\u00B3555"); // superscript one, two, three
    refused("+1415\u2460\u24615550");      // circled digits
    refused("+1415555010a");
    refused("+0415555");
    refused("+1");
}

TEST_CASE("update: second_factor_policy, metadata and boolean parsing")
{
    auto a = make_api(1);
    const auto list = json::parse(call(a, "GET", "/users").body).as_object();
    const std::string id(list.at("data").as_array()[0].at("id").as_string());
    const auto bad_policy =
        call(a, "PATCH", "/users/" + id, multipart({{"second_factor_policy", "always"}}), form_type);
    CHECK(message_of(bad_policy) == "second_factor_policy must be one of: none, optional, enforced");
    // Unparsable metadata and a non-boolean `disabled` are ignored; "" leaves names unchanged.
    const auto r = call(a, "PATCH", "/users/" + id,
                        multipart({{"public_metadata", "{not json"},
                                   {"private_metadata", "[1,2]"},
                                   {"disabled", "yes"},
                                   {"first_name", ""}}),
                        form_type);
    REQUIRE(r.status == 200);
    const auto d = json::parse(r.body).as_object();
    CHECK(d.at("public_metadata") == json::object{});
    CHECK(d.at("private_metadata") == json::array{1, 2});
    CHECK(d.at("disabled") == false);
    CHECK(d.at("first_name") == "Ada");
    CHECK(message_of(call(a, "PATCH", "/users/1", multipart({}), form_type)) == "Resource not found");
}

TEST_CASE("password update: JSON extractor errors")
{
    auto a = make_api();
    CHECK(call(a, "PATCH", "/users/1/password", R"({"new_password":"x"})", "text/plain").status == 415);
    CHECK(message_of(call(a, "PATCH", "/users/1/password", R"({"new_password":"x"})")) == "Request failed");
    CHECK(message_of(call(a, "PATCH", "/users/1/password", "{", "application/json")) == "Bad request");
    CHECK(message_of(call(a, "PATCH", "/users/1/password", "", "application/json")) == "Bad request");
    CHECK(message_of(call(a, "PATCH", "/users/1/password", "{}", "application/json")) ==
          "Invalid request payload");
    CHECK(call(a, "PATCH", "/users/1/password", R"({"new_password":5})", "application/json").status == 422);
    CHECK(call(a, "PATCH", "/users/1/password", R"({"new_password":"x","skip_password_check":"yes"})",
               "application/json; charset=utf-8")
              .status == 422);
    const auto blank = call(a, "PATCH", "/users/1/password", R"({"new_password":"   "})", "application/json");
    CHECK(message_of(blank) == "Validation failed: password: Password is required");
    const auto ok = call(a, "PATCH", "/users/1/password",
                         R"({"new_password":"   ","skip_password_check":true})", "application/json");
    CHECK(ok.status == 200);
    CHECK(ok.body == "{}");
}

TEST_CASE("bodies over 2 MiB: 413 on JSON routes - the multipart error on multipart routes")
{
    auto a = make_api();
    http_request big{.method = "PATCH",
                     .target = "/users/1/password",
                     .authorization = bearer,
                     .content_type = "application/json",
                     .body_too_large = true};
    const auto json_route = a.handle(big);
    CHECK(json_route.status == 413);
    CHECK(message_of(json_route) == "Request failed");
    big.method = "POST";
    big.target = "/users";
    big.content_type = form_type;
    CHECK(message_of(a.handle(big)) == "Error parsing `multipart/form-data` request");
}

TEST_CASE("an oversized upload over TLS gets the server's 400 - not a reset")
{
    wacht::test::harness h;
    wacht::create_user_params p{.first_name = "Big",
                                .last_name = "Image",
                                .email_address = "big@example.com",
                                .password = "S3cure!pass"};
    p.profile_image = wacht::profile_image{"image/png", std::string(3 * 1024 * 1024, 'x')};
    const auto r = h.run(h.client.users().create(p).try_send());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == wacht::errc::bad_request);
    REQUIRE(r.error().diagnostics.server_messages.size() == 1);
    CHECK(r.error().diagnostics.server_messages[0].message == "Error parsing `multipart/form-data` request");
    CHECK(h.run(h.client.users().list().send()).data.empty()); // nothing was created; the pool recovered
}

TEST_CASE("every error fixture decodes into the error's status - code and message")
{
    for (const char* name :
         {"error-bad-request-normalized.json", "error-bad-request.json", "error-conflict-generic.json",
          "error-conflict.json", "error-forbidden.json", "error-internal.json",
          "error-method-not-allowed.json", "error-not-found-generic.json", "error-not-found.json",
          "error-payload-too-large.json", "error-rate-limited.json", "error-route-not-found.json",
          "error-unauthorized-missing-bearer.json", "error-unauthorized.json", "error-unprocessable.json",
          "error-unsupported-media-type.json", "error-validation.json"}) {
        CAPTURE(name);
        const auto body = wacht::test::read_data(name);
        const auto fixture = json::parse(body).as_object().at("errors").as_array().at(0).as_object();
        const int status = static_cast<int>(fixture.at("code").as_int64());
        wacht::test::canned_server server("HTTP/1.1 " + std::to_string(status) +
                                          " X\r\nContent-Type: application/json\r\nContent-Length: " +
                                          std::to_string(body.size()) + "\r\n\r\n" + body);
        boost::asio::io_context io;
        wacht::client client(io.get_executor(), [&] {
            wacht::client_options o;
            o.base_url = server.url();
            o.api_key = "fixture-test-key"; // not a substring of any message (the SDK redacts the key)
            return o;
        }());
        auto future = boost::asio::co_spawn(io, client.users().list().try_send(), boost::asio::use_future);
        io.run();
        const auto r = future.get();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == wacht::errc_from_http_status(status));
        CHECK(r.error().diagnostics.http_status == status);
        REQUIRE(r.error().diagnostics.server_messages.size() == 1);
        CHECK(r.error().diagnostics.server_messages[0].message == fixture.at("message").as_string());
        CHECK(r.error().diagnostics.server_messages[0].code == status);
        if (status == 429)
            CHECK(r.error().diagnostics.retry_after.has_value());
    }
}

TEST_CASE("every JSON route: 415 without application/json - 422 for missing fields or wrong types")
{
    auto a = make_api(1);
    const auto list = json::parse(call(a, "GET", "/users").body).as_object();
    const std::string user = "/users/" + std::string(list.at("data").at(0).at("id").as_string());
    const std::vector<std::tuple<std::string, std::string, std::string>> routes = {
        {"POST", user + "/emails", "{}"},
        {"PATCH", user + "/emails/1", R"({"verified":"yes"})"},
        {"POST", user + "/phones", R"({"phone_number":"1"})"},
        {"PATCH", user + "/phones/1", R"({"is_primary":1})"},
        {"PATCH", user + "/passkeys/1", "{}"},
        {"POST", user + "/authenticators", R"({"secret":5})"},
        {"POST", "/invitations", R"({"first_name":"a","last_name":"b"})"},
        {"PATCH", user + "/password", R"({"new_password":null})"},
    };
    for (const auto& [method, target, shape_error] : routes) {
        CAPTURE(method, target);
        CHECK(call(a, method, target, "{}", "text/plain").status == 415);
        CHECK(call(a, method, target, "{not json", "application/json").status == 400);
        const auto r = call(a, method, target, shape_error, "application/json");
        CHECK(r.status == 422);
        CHECK(message_of(r) == "Invalid request payload");
    }
}

TEST_CASE("sessions: include_expired accepts only true or false")
{
    auto a = make_api(1);
    const auto list = json::parse(call(a, "GET", "/users").body).as_object();
    const std::string sessions =
        "/users/" + std::string(list.at("data").at(0).at("id").as_string()) + "/sessions";
    CHECK(call(a, "GET", sessions + "?include_expired=true").status == 200);
    CHECK(call(a, "GET", sessions + "?include_expired=false").status == 200);
    for (const char* value : {"yes", "1", "TRUE", ""})
        CHECK(message_of(call(a, "GET", sessions + "?include_expired=" + value)) == "Bad request");
    // An unknown user has no sessions, and the unpaged shape has no limit or offset.
    const auto empty = json::parse(call(a, "GET", "/users/5/sessions").body).as_object();
    CHECK(empty == json::object{{"data", json::array{}}, {"has_more", false}});
}

TEST_CASE("invitations and waitlist: paged query values and method rules")
{
    auto a = make_api();
    for (const char* target :
         {"/invitations?sort_key=username", "/waitlist?limit=x", "/waitlist?sort_order=up"})
        CHECK(message_of(call(a, "GET", target)) == "Bad request");
    CHECK(call(a, "GET", "/invitations?offset=-1").status == 500);
    CHECK(call(a, "GET", "/invitations/1").status == 405);
    CHECK(call(a, "GET", "/waitlist/1/approve").status == 405);
    CHECK(call(a, "GET", "/users/1/sessions/revoke-all").status == 405); // a literal, not a sign-in id
    CHECK(message_of(call(a, "POST", "/users/1/sessions/x/revoke")) == "Bad request");
    const auto page = json::parse(call(a, "GET", "/invitations").body).as_object();
    CHECK(page == json::object{{"data", json::array{}}, {"has_more", false}, {"limit", 10}, {"offset", 0}});
}

TEST_CASE("an invitation whose expiry is out of chrono's range drops the connection")
{
    auto a = make_api();
    const auto r = call(a, "POST", "/invitations",
                        R"({"first_name":"a","last_name":"b","email_address":"c","expiry_days":9000000000})",
                        "application/json");
    CHECK(r.drop_connection);
    const auto ok =
        call(a, "POST", "/invitations",
             R"({"first_name":"","last_name":"","email_address":"not-an-email","expiry_days":-3})",
             "application/json");
    CHECK(ok.status == 200); // no validation at all, negative expiries included
}
