// SPDX-License-Identifier: BSL-1.0
// The streaming decoder (bodies parsed straight into models) against the DOM reader: the same model
// from every fixture, whichever way the body is cut into chunks, and the same errors. The text writer
// against boost::json::serialize of the DOM writer.
#include "detail/model_decoder.hpp"
#include "harness.hpp"
#include "json_text.hpp"

#include <wacht/wacht.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace json = boost::json;
using wacht::detail::model_parser;
using wacht::detail::slot_of;
using wacht::test::read_data;

namespace {

// Decodes `body` fed in chunks of `chunk` bytes; the error text when it fails.
template <class T>
std::variant<T, std::string> stream_decode(model_parser& parser, std::string_view body, std::size_t chunk)
{
    T model;
    parser.begin(slot_of(model));
    bool ok = true;
    for (std::size_t at = 0; ok && at < body.size(); at += chunk)
        ok = parser.write(body.substr(at, chunk));
    if (ok)
        ok = parser.finish();
    if (!ok)
        return parser.error();
    return model;
}

// The streaming decoder gives what value_to gives, for every chunk size.
template <class T>
void same_as_dom(const std::string& fixture)
{
    INFO(fixture);
    const auto body = read_data(fixture);
    REQUIRE_FALSE(body.empty());
    const auto expected = json::serialize(json::value_from(json::value_to<T>(json::parse(body))));
    model_parser parser; // reused across documents, as a connection does
    for (const std::size_t chunk :
         {body.size(), std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}}) {
        INFO("chunk " << chunk);
        auto decoded = stream_decode<T>(parser, body, chunk);
        REQUIRE(std::holds_alternative<T>(decoded));
        CHECK(json::serialize(json::value_from(std::get<T>(decoded))) == expected);
    }
    // The text writer gives what serialize(value_from(...)) gives.
    std::string text;
    wacht::emulator::append_json(text, json::value_to<T>(json::parse(body)));
    CHECK(text == expected);
}

template <class T>
std::string error_of(std::string_view body)
{
    model_parser parser;
    auto decoded = stream_decode<T>(parser, body, body.size());
    REQUIRE(std::holds_alternative<std::string>(decoded));
    return std::get<std::string>(decoded);
}

} // namespace

TEST_CASE("streaming decoder - every fixture decodes as the DOM reader does in any chunking")
{
    same_as_dom<wacht::user_page>("users-list.json");
    same_as_dom<wacht::user>("user-create.json");
    same_as_dom<wacht::user_details>("user-details.json");
    same_as_dom<wacht::user_email>("user-email.json");
    same_as_dom<wacht::user_phone>("user-phone.json");
    same_as_dom<wacht::social_connection_list>("social-connections-list.json");
    same_as_dom<wacht::sign_in_list>("sessions-list.json");
    same_as_dom<wacht::revoke_all_result>("revoke-all.json");
    same_as_dom<wacht::passkey_list>("passkeys-list.json");
    same_as_dom<wacht::authenticator_created>("authenticator-create.json");
    same_as_dom<wacht::backup_codes>("backup-codes.json");
    same_as_dom<wacht::organization_membership_list>("organization-memberships-list.json");
    same_as_dom<wacht::workspace_membership_list>("workspace-memberships-list.json");
    same_as_dom<wacht::invitation>("invitation.json");
    same_as_dom<wacht::invitation_page>("invitations-list.json");
    same_as_dom<wacht::waitlist_page>("waitlist-list.json");
    same_as_dom<wacht::waitlist_user>("waitlist-approve.json");
}

TEST_CASE("streaming decoder - unknown keys of any shape are skipped and metadata is kept whole")
{
    model_parser parser;
    auto details = json::parse(read_data("user-details.json")).as_object();
    details["public_metadata"] = json::parse(R"({"plan":"pro","seats":[1,2.5,-3,18446744073709551615],)"
                                             R"("nested":{"ok":true,"none":null,"e":"\u00e9\\"}})");
    details["private_metadata"] = "text";
    details["email_addresses"].as_array().at(0).as_object()["x"] = json::parse("[[]]");
    details["more"] = json::parse(R"([{"id":"no"}])");
    const std::string body =
        R"({"future":{"a":[1,{"b":null}],"c":"d"},)" + json::serialize(details).substr(1);
    for (const std::size_t chunk : {body.size(), std::size_t{1}, std::size_t{3}}) {
        auto decoded = stream_decode<wacht::user_details>(parser, body, chunk);
        REQUIRE(std::holds_alternative<wacht::user_details>(decoded));
        const auto& d = std::get<wacht::user_details>(decoded);
        CHECK(d.id == details.at("id").as_string());
        CHECK(d.public_metadata == json::parse(R"({"plan":"pro","seats":[1,2.5,-3,18446744073709551615],)"
                                               R"("nested":{"ok":true,"none":null,"e":"\u00e9\\"}})"));
        CHECK(d.private_metadata == json::value("text"));
        REQUIRE_FALSE(d.email_addresses.empty());
        CHECK(d.email_addresses[0].email == details.at("email_addresses").at(0).at("email").as_string());
    }
}

TEST_CASE("streaming decoder - keys in any order - null empties an optional and is missing in a required key")
{
    model_parser parser;
    auto user = json::parse(read_data("user-create.json")).as_object();
    user["username"] = nullptr;
    user["primary_phone_number"] = "+1";
    std::string body = "{";
    for (auto it = user.end(); it != user.begin();) { // the keys backwards
        --it;
        body += json::serialize(json::string(it->key())) + ":" + json::serialize(it->value()) +
                (it == user.begin() ? "}" : ",");
    }
    auto decoded = stream_decode<wacht::user>(parser, body, 5);
    REQUIRE(std::holds_alternative<wacht::user>(decoded));
    const auto& u = std::get<wacht::user>(decoded);
    CHECK(u.id == user.at("id").as_string());
    CHECK(u.last_name == user.at("last_name").as_string());
    CHECK_FALSE(u.username);
    CHECK(u.primary_phone_number == "+1");

    user["first_name"] = nullptr;
    CHECK(error_of<wacht::user>(json::serialize(user)) == "field 'first_name' is missing");
    CHECK_THROWS_WITH(json::value_to<wacht::user>(json::value(user)),
                      Catch::Contains("field 'first_name' is missing"));
}

TEST_CASE("text writer - escapes as Boost.JSON does - omits what the server omits")
{
    wacht::user u;
    u.id = "1";
    static constexpr char tricky[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9\0end"; // an embedded NUL too
    u.first_name = std::string(tricky, sizeof tricky - 1);
    u.username = std::nullopt;
    std::string text;
    wacht::emulator::append_json(text, u);
    CHECK(text == json::serialize(json::value_from(u)));
    wacht::segment s;
    s.id = "2";
    text.clear();
    wacht::emulator::append_json(text, s);
    CHECK(text.find("deleted_at") == std::string::npos);
    CHECK(text == json::serialize(json::value_from(s)));
}

TEST_CASE("text writer - every byte value at every offset of an eight-byte scan escapes as Boost.JSON does")
{
    // The writer scans eight bytes at a time; put each byte value at each place in and around a word.
    for (int c = 0; c < 256; ++c) {
        for (std::size_t length = 1; length <= 19; ++length) {
            for (std::size_t at = 0; at < length; ++at) {
                std::string value(length, 'a');
                value[at] = static_cast<char>(c);
                if (at + 9 < length)
                    value[at + 9] = '"'; // a second escape later in the same string
                std::string text;
                wacht::emulator::append_json_string(text, value);
                REQUIRE(text == json::serialize(json::string(value)));
            }
        }
    }
}

TEST_CASE("streaming decoder - wrong types name the field - bad JSON says so")
{
    CHECK(error_of<wacht::user_page>(R"({"data":{"not":"an array"},"has_more":false})") ==
          "field 'data': expected an array");
    CHECK(error_of<wacht::user>(R"({"id":1394412856401047552})") == "field 'id': expected a string");
    CHECK(error_of<wacht::user>(R"({"id":"1","created_at":"yesterday"})") ==
          "field 'created_at': expected an RFC 3339 timestamp");
    CHECK(error_of<wacht::user_page>(R"({"data":[],"limit":3000000000})") ==
          "field 'limit': expected an integer in the 32-bit range");
    CHECK(error_of<wacht::user_page>(R"({"data":[{"id":"1","username":7}]})") ==
          "field 'username': expected a string");
    CHECK(error_of<wacht::revoke_all_result>(R"({"revoked":-1})") ==
          "field 'revoked': expected a non-negative integer");
    CHECK(error_of<wacht::user>("[]") == "the body is not an object");
    // A null is "leave it as it is" only for a member; as the body or an element it is refused, as
    // the DOM reader refuses it.
    CHECK(error_of<wacht::user>("null") == "the body is not an object");
    CHECK(error_of<wacht::user_page>(R"({"data":[null]})") == "field 'data': expected an object");
    CHECK(error_of<wacht::backup_codes>(R"({"backup_codes":["a",null]})") ==
          "field 'backup_codes': expected a string");
    CHECK_THROWS(json::value_to<wacht::user>(json::parse("null")));
    CHECK_THROWS(json::value_to<wacht::user_page>(json::parse(R"({"data":[null]})")));
    CHECK_THROWS(json::value_to<wacht::backup_codes>(json::parse(R"({"backup_codes":["a",null]})")));
    CHECK(error_of<wacht::user>(R"({"id":"1")").rfind("body is not JSON: ", 0) == 0);
    const auto user = read_data("user-create.json");
    CHECK(error_of<wacht::user>(user + " trailing").rfind("body is not JSON: ", 0) == 0);
    CHECK(error_of<wacht::user>("").rfind("body is not JSON: ", 0) == 0);
}
