// SPDX-License-Identifier: BSL-1.0
#include "harness.hpp"

#include <wacht/wacht.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <sstream>

namespace json = boost::json;
using wacht::test::read_data;

namespace {

// Decodes a fixture into T, encodes it again and requires the same JSON, key order included.
template <class T>
T round_trip(const std::string& fixture)
{
    const auto text = read_data(fixture);
    REQUIRE_FALSE(text.empty());
    const auto original = json::parse(text);
    const auto decoded = json::value_to<T>(original);
    const auto encoded = json::value_from(decoded);
    CHECK(json::serialize(encoded) == json::serialize(original));
    return decoded;
}

} // namespace

TEST_CASE("users-list.json round-trips - with the list's username and phone quirks")
{
    const auto page = round_trip<wacht::user_page>("users-list.json");
    REQUIRE(page.data.size() == 2);
    CHECK(page.has_more);
    CHECK(page.limit == 2);
    CHECK(page.offset == 0);
    CHECK(page.data[0].id == "1394467731201605632");
    CHECK(page.data[0].username == std::optional<std::string>(""));
    CHECK_FALSE(page.data[0].primary_phone_number);
    CHECK(page.data[1].primary_phone_number == "+14155550123");
    CHECK(wacht::format_timestamp(page.data[1].updated_at) == "2026-06-02T11:40:19.006231Z");
}

TEST_CASE("user-create.json round-trips with a null username and nanosecond timestamps")
{
    const auto u = round_trip<wacht::user>("user-create.json");
    CHECK(u.id == "1399008812367790080");
    CHECK_FALSE(u.username);
    CHECK(u.profile_picture_url.empty());
    CHECK(u.created_at.time_since_epoch().count() % 1000 == 789);
}

TEST_CASE("user-details.json round-trips with every nested model")
{
    const auto d = round_trip<wacht::user_details>("user-details.json");
    CHECK(d.username == "ada_l");
    CHECK(d.schema_version == "v1");
    CHECK_FALSE(d.last_password_reset_at);
    CHECK(d.active_organization_membership_id == "1350221409391280128");
    CHECK_FALSE(d.active_workspace_membership_id);
    CHECK(d.public_metadata.at("plan") == "pro");
    CHECK(d.primary_phone_number == "4155550123");
    REQUIRE(d.email_addresses.size() == 2);
    CHECK(d.email_addresses[1].email == "ada.work@example.org");
    CHECK_FALSE(d.email_addresses[1].verified);
    REQUIRE(d.phone_numbers.size() == 1);
    CHECK(d.phone_numbers[0].country_code == "+1");
    REQUIRE(d.social_connections.size() == 1);
    CHECK(d.social_connections[0].provider == "google_oauth");
    REQUIRE(d.segments.size() == 1);
    CHECK_FALSE(d.segments[0].deleted_at);
    CHECK(d.segments[0].type == "user");
    CHECK(d.has_password);
    CHECK_FALSE(d.has_backup_codes);
}

TEST_CASE("user-email.json and user-phone.json round-trip")
{
    const auto e = round_trip<wacht::user_email>("user-email.json");
    CHECK(e.verification_strategy == "otp");
    const auto p = round_trip<wacht::user_phone>("user-phone.json");
    CHECK(p.verified_at.time_since_epoch().count() % 1000 != 0); // 9 digits
}

TEST_CASE("decoding ignores unknown keys and reads a missing or null optional key as empty")
{
    auto body = json::parse(read_data("users-list.json")).at("data").at(0).as_object();
    body["new_field"] = json::parse(R"({"nested":[1,2]})");
    body["username"] = nullptr;
    body.erase("primary_phone_number");
    const auto u = json::value_to<wacht::user>(json::value(body));
    CHECK(u.id == body.at("id").as_string());
    CHECK_FALSE(u.username);
    CHECK_FALSE(u.primary_phone_number);
}

TEST_CASE("decoding rejects a key of the wrong type - naming it")
{
    CHECK_THROWS_WITH(json::value_to<wacht::user>(json::parse(R"({"id":1394412856401047552})")),
                      Catch::Contains("'id'"));
    auto user = json::parse(read_data("user-create.json")).as_object();
    user["created_at"] = "yesterday";
    CHECK_THROWS_WITH(json::value_to<wacht::user>(json::value(user)), Catch::Contains("'created_at'"));
    CHECK_THROWS_WITH(json::value_to<wacht::user_page>(json::parse(R"({"data":{},"has_more":false})")),
                      Catch::Contains("'data'"));
    CHECK_THROWS_WITH(json::value_to<wacht::user_page>(
                          json::parse(R"({"data":[],"has_more":false,"limit":3000000000,"offset":0})")),
                      Catch::Contains("'limit'"));
    CHECK_THROWS(json::value_to<wacht::user>(json::parse("[]")));
}

TEST_CASE("a segment's null deleted_at is omitted and a set one is written")
{
    wacht::segment s;
    s.id = "5";
    CHECK_FALSE(json::value_from(s).as_object().contains("deleted_at"));
    s.deleted_at = *wacht::parse_timestamp("2026-01-01T00:00:00Z");
    CHECK(json::value_from(s).as_object().at("deleted_at") == "2026-01-01T00:00:00Z");
}

TEST_CASE("the list fixtures of every other model round-trip")
{
    const auto social = round_trip<wacht::social_connection_list>("social-connections-list.json");
    REQUIRE(social.data.size() == 1);
    CHECK_FALSE(social.limit);
    CHECK(social.data[0].access_token.size() > 0);

    const auto orgs = round_trip<wacht::organization_membership_list>("organization-memberships-list.json");
    REQUIRE_FALSE(orgs.data.empty());
    CHECK_FALSE(orgs.data[0].organization.name.empty());
    const auto workspaces = round_trip<wacht::workspace_membership_list>("workspace-memberships-list.json");
    REQUIRE_FALSE(workspaces.data.empty());
    CHECK_FALSE(workspaces.data[0].organization_membership_id.empty());

    const auto sessions = round_trip<wacht::sign_in_list>("sessions-list.json");
    REQUIRE_FALSE(sessions.data.empty());
    CHECK(sessions.data[0].expires_at > sessions.data[0].created_at);
    CHECK(round_trip<wacht::revoke_all_result>("revoke-all.json").revoked > 0);

    const auto passkeys = round_trip<wacht::passkey_list>("passkeys-list.json");
    REQUIRE_FALSE(passkeys.data.empty());
    CHECK_FALSE(passkeys.data[0].name.empty());

    CHECK(round_trip<wacht::authenticator_created>("authenticator-create.json")
              .otp_url.starts_with("otpauth://totp/"));
    CHECK(round_trip<wacht::backup_codes>("backup-codes.json").codes.size() == 12);

    const auto invitation = round_trip<wacht::invitation>("invitation.json");
    CHECK(invitation.token.starts_with("dep."));
    CHECK(round_trip<wacht::invitation>("waitlist-approve.json").expiry >
          invitation.created_at - std::chrono::hours(24 * 365));
    const auto invitations = round_trip<wacht::invitation_page>("invitations-list.json");
    CHECK(invitations.limit.has_value());
    const auto waitlist = round_trip<wacht::waitlist_page>("waitlist-list.json");
    REQUIRE_FALSE(waitlist.data.empty());
    CHECK(waitlist.offset.has_value());
}

TEST_CASE("operator<< prints JSON with every secret redacted")
{
    const auto print = [](const auto& model) {
        std::ostringstream out;
        out << model;
        return out.str();
    };
    const auto details = json::value_to<wacht::user_details>(json::parse(read_data("user-details.json")));
    const auto text = print(details);
    CHECK(text.find("ya29.a0AfB_byC-example-access-token") == std::string::npos);
    CHECK(text.find("1//0g-example-refresh-token") == std::string::npos);
    CHECK(text.find("[redacted]") != std::string::npos);
    CHECK(text.find("ada@example.com") != std::string::npos); // the rest is printed

    const auto codes = json::value_to<wacht::backup_codes>(json::parse(read_data("backup-codes.json")));
    CHECK(print(codes).find(codes.codes[0]) == std::string::npos);
    const auto created =
        json::value_to<wacht::authenticator_created>(json::parse(read_data("authenticator-create.json")));
    CHECK(print(created).find("secret=") == std::string::npos);
    CHECK(print(created).find(created.id) != std::string::npos);
    const auto invitation = json::value_to<wacht::invitation>(json::parse(read_data("invitation.json")));
    CHECK(print(invitation).find(invitation.token) == std::string::npos);
    const auto social =
        json::value_to<wacht::social_connection_list>(json::parse(read_data("social-connections-list.json")));
    CHECK(print(social).find(social.data[0].access_token) == std::string::npos);
}
