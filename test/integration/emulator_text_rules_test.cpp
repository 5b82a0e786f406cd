// SPDX-License-Identifier: BSL-1.0
// The emulator's text rules against the server's Rust: str::trim and the char classes are Unicode's,
// and JSON nests as deep as serde_json allows. Each expected value here is what the server's Rust
// code (common/src/utils/validation.rs, the handlers' trims, serde_json) gives for the input, worked
// out from the Unicode properties, not from the emulator.
#include "emulator_calls.hpp"
#include "harness.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace json = boost::json;
using wacht::emulator::api;
using wacht::emulator::http_response;
using wacht::test::form_type;
using wacht::test::message_of;
using wacht::test::multipart;

namespace {

constexpr const char* bearer = "Bearer text-rules-key";

api make_api(std::size_t seed = 0, wacht::emulator::auth_settings auth = {})
{
    return wacht::test::make_emulator_api("text-rules-key", seed, auth);
}

http_response call(api& a, std::string method, std::string target, std::string body = {},
                   std::string content_type = "application/json")
{
    return wacht::test::emulator_call(a, bearer, std::move(method), std::move(target), std::move(body),
                                      std::move(content_type));
}

std::string first_user(api& a)
{
    const auto list = json::parse(call(a, "GET", "/users").body).as_object();
    return std::string(list.at("data").at(0).at("id").as_string());
}

// Unicode White_Space outside ASCII, as UTF-8.
const std::string nbsp = "\u00A0", em_space = "\u2003", thin_space = "\u2009", line_separator = "\u2028",
                  ideographic_space = "\u3000", next_line = "\u0085";

} // namespace

TEST_CASE("create: trimmed fields lose Unicode White_Space at both ends, as Rust's str::trim does")
{
    auto a = make_api();
    const auto r = call(a, "POST", "/users",
                        multipart({{"email_address", nbsp + " ann@example.com" + ideographic_space},
                                   {"username", em_space + "ann_t" + nbsp},
                                   {"phone_number", next_line + "+14155550100" + line_separator},
                                   {"skip_password_check", "true"}}),
                        form_type);
    INFO(r.body);
    REQUIRE(r.status == 200);
    const auto u = json::parse(r.body).as_object();
    CHECK(u.at("primary_email_address") == "ann@example.com");
    CHECK(u.at("username") == "ann_t");
    CHECK(u.at("primary_phone_number") == "+14155550100");

    // The password is trimmed before its length (in bytes) is checked: 6 bytes left, not 10.
    const auto short_password = call(
        a, "POST", "/users",
        multipart({{"email_address", "bo@example.com"}, {"password", "Abc!12" + nbsp + ideographic_space}}),
        form_type);
    CHECK(message_of(short_password) == "Password must be at least 8 characters");
    // Only White_Space goes: a zero-width space (U+200B, not White_Space) stays and counts.
    const auto kept =
        call(a, "POST", "/users",
             multipart({{"email_address", "cy@example.com"}, {"password", "Abc!1\u200B"}}), form_type);
    CHECK(kept.status == 200); // 5 + 3 bytes

    // A blank name is empty once trimmed (stage A, `required` null counts as true).
    wacht::emulator::auth_settings s;
    s.first_name.required.reset();
    auto b = make_api(0, s);
    const auto blank_name = call(b, "POST", "/users",
                                 multipart({{"first_name", nbsp + thin_space},
                                            {"email_address", "di@example.com"},
                                            {"skip_password_check", "true"}}),
                                 form_type);
    CHECK(message_of(blank_name) == "First name is required");
}

TEST_CASE("update, password, search, passkey and account names trim Unicode White_Space")
{
    wacht::emulator::auth_settings s;
    s.first_name.required.reset();
    auto a = make_api(1, s);
    const auto user = first_user(a);

    CHECK(message_of(call(a, "PATCH", "/users/" + user, multipart({{"first_name", nbsp + em_space}}),
                          form_type)) == "First name cannot be empty");
    CHECK(message_of(call(a, "PATCH", "/users/" + user,
                          multipart({{"username", ideographic_space + "ab" + ideographic_space}}),
                          form_type)) == "Username must be at least 3 characters");
    // E6: a password of White_Space only is blank.
    const auto blank = call(a, "PATCH", "/users/" + user + "/password",
                            json::serialize(json::object{{"new_password", nbsp + ideographic_space}}));
    CHECK(message_of(blank) == "Validation failed: password: Password is required");

    // E1: the search term is trimmed (%C2%A0 is a no-break space).
    const auto found = json::parse(call(a, "GET", "/users?search=%C2%A0ada%E3%80%80").body).as_object();
    CHECK(found.at("data").as_array().size() == 1);

    // E22: the passkey's name is trimmed before the empty check and before it is stored.
    const auto passkey = call(a, "POST", "/_emulator/users/" + user + "/passkeys", R"({"name":"Laptop"})");
    REQUIRE(passkey.status == 200);
    const std::string passkey_path =
        "/users/" + user + "/passkeys/" + std::string(json::parse(passkey.body).at("id").as_string());
    CHECK(message_of(call(a, "PATCH", passkey_path,
                          json::serialize(json::object{{"name", nbsp + line_separator}}))) ==
          "name cannot be empty");
    REQUIRE(call(a, "PATCH", passkey_path, json::serialize(json::object{{"name", em_space + "Key" + nbsp}}))
                .status == 200);
    const auto passkeys = json::parse(call(a, "GET", "/users/" + user + "/passkeys").body);
    CHECK(passkeys.at("data").at(0).at("name") == "Key");

    // E24: a blank account name counts as absent (the primary email is used); others are trimmed.
    const auto secret = std::string(26, 'A');
    const auto otp_url = [&](const std::string& account_name) {
        const auto r =
            call(a, "POST", "/users/" + user + "/authenticators",
                 json::serialize(json::object{{"secret", secret}, {"account_name", account_name}}));
        REQUIRE(r.status == 200);
        REQUIRE(call(a, "DELETE", "/users/" + user + "/authenticators").status == 200);
        return std::string(json::parse(r.body).at("otp_url").as_string());
    };
    CHECK(otp_url(ideographic_space).starts_with("otpauth://totp/Wacht:ada.lovelace0%40example.com?"));
    CHECK(otp_url(nbsp + "ops" + nbsp).starts_with("otpauth://totp/Wacht:ops?"));
}

TEST_CASE("create: username and password character classes are Unicode's, as Rust's char methods")
{
    auto a = make_api();
    int n = 0;
    const auto create = [&](const std::string& username, const std::string& password) {
        ++n;
        return call(a, "POST", "/users",
                    multipart({{"email_address", "u" + std::to_string(n) + "@example.com"},
                               {"username", username},
                               {"password", password}}),
                    form_type);
    };
    // char::is_alphanumeric is Alphabetic or Numeric: other numbers (No) such as superscripts,
    // fractions and circled digits count, and so do alphabetic combining marks (Other_Alphabetic).
    for (const std::string& username :
         {std::string("ann_x\u00B2"), std::string("ann\u00BD"), std::string("ann\u2460"),
          std::string("anne\u0364"), std::string("j\u00FCrgen"), std::string("\u540D\u524Dab")}) {
        const auto r = create(username, "S3cure!pass");
        INFO(username << " -> " << r.body);
        CHECK(r.status == 200);
    }
    // A virama (U+094D) is a mark that is not alphabetic; inner spaces and dots are not allowed.
    for (const std::string& username :
         {std::string("ann\u094D"), std::string("ann" + nbsp + "x"), std::string("ann.x")}) {
        INFO(username);
        CHECK(message_of(create(username, "S3cure!pass")) ==
              "Validation failed: username: Username can only contain letters, numbers, underscores, and "
              "hyphens");
    }

    // is_lowercase, is_uppercase and is_numeric: non-ASCII letters and numbers satisfy the rules.
    for (const std::string& password : {std::string("\u00DCn\u00EFcode!12"),      // upper: U-umlaut only
                                        std::string("PASSWORD!\u00DF1"),          // lower: sharp s only
                                        std::string("Password!\u0663"),           // number: Arabic-Indic 3
                                        std::string("Password!\u00BD"),           // number: one half (No)
                                        std::string("\u0394\u03B4elta-pass7")}) { // Greek cases
        const auto r = create("user" + std::to_string(n + 1), password);
        INFO(password << " -> " << r.body);
        CHECK(r.status == 200);
    }
    CHECK(message_of(create("user_special", "Password1\u00A1")) ==
          "Validation failed: password: Password must contain at least one special character");
    CHECK(message_of(create("user_number", "Password!x")) ==
          "Validation failed: password: Password must contain at least one number");
    CHECK(message_of(create("user_upper", "password!1\u00DF")) ==
          "Validation failed: password: Password must contain at least one uppercase letter");
}

TEST_CASE("JSON nests as deep as serde_json allows: 127 arrays and objects parse, 128 are a 400")
{
    auto a = make_api(1);
    const auto user = first_user(a);
    const auto nested = [](int depth) {
        return std::string(static_cast<std::size_t>(depth), '[') +
               std::string(static_cast<std::size_t>(depth), ']');
    };
    // An unknown field is ignored, but it is parsed: the body object is one level, the arrays the rest.
    const auto deep = call(a, "POST", "/users/" + user + "/emails",
                           R"({"email":"deep@example.com","extra":)" + nested(126) + "}");
    CHECK(deep.status == 200);
    const auto too_deep = call(a, "POST", "/users/" + user + "/emails",
                               R"({"email":"deeper@example.com","extra":)" + nested(127) + "}");
    CHECK(message_of(too_deep) == "Bad request");

    // Multipart metadata text is parsed the same way: 100 levels are stored, 128 are ignored.
    const auto stored =
        call(a, "PATCH", "/users/" + user, multipart({{"public_metadata", nested(100)}}), form_type);
    REQUIRE(stored.status == 200);
    CHECK(json::serialize(json::parse(stored.body, {}, {.max_depth = 200}).at("public_metadata")) ==
          nested(100));
    const auto ignored =
        call(a, "PATCH", "/users/" + user, multipart({{"private_metadata", nested(128)}}), form_type);
    REQUIRE(ignored.status == 200);
    CHECK(json::parse(ignored.body, {}, {.max_depth = 200}).at("private_metadata") == json::object{});
}

TEST_CASE("POST /_emulator/faults: a bad spec is a 400 with the reason, whatever the option")
{
    auto a = make_api();
    const auto add = [&](const std::string& spec) {
        return call(a, "POST", "/_emulator/faults", json::serialize(json::object{{"spec", spec}}));
    };
    CHECK(message_of(add("status:probability=often")) == "fault option probability needs a number");
    CHECK(message_of(add("status:times=x")) == "fault option times needs a number");
    CHECK(message_of(add("status:colour=red")) == "unknown fault option colour");
    CHECK(message_of(add("teapot")) == "unknown fault kind teapot");
    CHECK(message_of(call(a, "POST", "/_emulator/faults", "{}")) == "Invalid request payload");
    const auto ok = add("status:status=503,probability=0.5,path=/users");
    REQUIRE(ok.status == 200);
    CHECK(json::parse(ok.body).at("spec").as_string().starts_with("status:probability=0.5"));
    CHECK_THROWS_AS(wacht::emulator::fault::parse("status:probability=often"), std::runtime_error);
}
