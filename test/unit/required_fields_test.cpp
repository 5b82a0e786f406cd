// SPDX-License-Identifier: BSL-1.0
// Issue 10, defect 3: a 2xx body that is not the model is refused. Every key the contract says is
// always present (users-contract.md section 3; limit and offset on the three paged lists, section 1.7)
// is required by both decoders (the streaming one and value_to); the keys marked `?` and the keys the
// server omits may be absent. The lists of keys that may be absent are written here from the contract,
// not derived from the schema under test.
#include "detail/model_decoder.hpp"
#include "harness.hpp"

#include <wacht/wacht.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <set>

namespace json = boost::json;
using wacht::detail::model_parser;
using wacht::detail::slot_of;
using wacht::test::read_data;

namespace {

// The streaming decoder's error, or "" when it decodes.
template <class T>
std::string stream_error(std::string_view body)
{
    static model_parser parser;
    T model;
    parser.begin(slot_of(model));
    for (std::size_t at = 0; at < body.size(); at += 5) // in small chunks
        if (!parser.write(body.substr(at, 5)))
            return parser.error();
    return parser.finish() ? std::string() : parser.error();
}

// value_to's error, or "" when it decodes.
template <class T>
std::string dom_error(const json::value& body)
{
    try {
        (void)json::value_to<T>(body);
        return {};
    } catch (const boost::system::system_error& e) {
        return e.what();
    }
}

// Removes each key of the object at `pointer` in the fixture in turn: the body must decode exactly
// when the key is one of `may_be_absent`, and otherwise fail in both decoders naming the key. Null
// in place of a key that is neither absent-able nor `null_is_value` fails the same way.
template <class T>
void check_required(const std::string& fixture, std::string_view pointer,
                    const std::set<std::string>& may_be_absent,
                    const std::set<std::string>& null_is_value = {})
{
    INFO(fixture << " at '" << pointer << "'");
    const auto whole = json::parse(read_data(fixture));
    REQUIRE(stream_error<T>(json::serialize(whole)).empty());
    REQUIRE(dom_error<T>(whole).empty());
    std::size_t keys = 0;
    for (const auto& item : whole.at_pointer(pointer).as_object()) {
        const std::string key(item.key());
        INFO("key " << key);
        ++keys;
        for (const bool make_null : {false, true}) {
            INFO((make_null ? "null" : "absent"));
            auto body = whole;
            auto& object = body.at_pointer(pointer).as_object();
            if (make_null)
                object[key] = nullptr;
            else
                object.erase(key);
            const bool accepted = may_be_absent.contains(key) || (make_null && null_is_value.contains(key));
            const auto streamed = stream_error<T>(json::serialize(body));
            const auto dom = dom_error<T>(body);
            if (accepted) {
                CHECK(streamed.empty());
                CHECK(dom.empty());
            } else {
                CHECK(streamed == "field '" + key + "' is missing");
                CHECK_THAT(dom, Catch::StartsWith("field '" + key + "' is missing"));
            }
        }
    }
    CHECK(keys >= may_be_absent.size());
}

// `{}` and an error-shaped 200 are refused, naming the model's first key.
template <class T>
void check_not_the_model(std::string_view first_key)
{
    INFO(first_key);
    const std::string expected = "field '" + std::string(first_key) + "' is missing";
    for (const std::string& body : {std::string("{}"), read_data("error-not-found.json"),
                                    std::string(R"({"errors":[{"message":"Unauthorized","code":401}]})")}) {
        CHECK(stream_error<T>(body) == expected);
        CHECK_THAT(dom_error<T>(json::parse(body)), Catch::StartsWith(expected));
    }
}

} // namespace

TEST_CASE("required fields - {} and an error-shaped 200 are refused for every model")
{
    check_not_the_model<wacht::user>("id");
    check_not_the_model<wacht::user_details>("id");
    check_not_the_model<wacht::user_email>("id");
    check_not_the_model<wacht::user_phone>("id");
    check_not_the_model<wacht::user_page>("data");
    check_not_the_model<wacht::social_connection_list>("data");
    check_not_the_model<wacht::sign_in_list>("data");
    check_not_the_model<wacht::passkey_list>("data");
    check_not_the_model<wacht::organization_membership_list>("data");
    check_not_the_model<wacht::workspace_membership_list>("data");
    check_not_the_model<wacht::invitation_page>("data");
    check_not_the_model<wacht::waitlist_page>("data");
    check_not_the_model<wacht::invitation>("id");
    check_not_the_model<wacht::waitlist_user>("id");
    check_not_the_model<wacht::authenticator_created>("id");
    check_not_the_model<wacht::backup_codes>("backup_codes");
    check_not_the_model<wacht::revoke_all_result>("revoked");
}

TEST_CASE("required fields - users - details - identifiers")
{
    const std::set<std::string> user_nullable{"username", "primary_email_address", "primary_phone_number"};
    check_required<wacht::user>("user-create.json", "", user_nullable);
    check_required<wacht::user_page>("users-list.json", "", {});
    check_required<wacht::user_page>("users-list.json", "/data/0", user_nullable);
    check_required<wacht::user_details>(
        "user-details.json", "",
        {"username", "last_password_reset_at", "active_organization_membership_id",
         "active_workspace_membership_id", "primary_email_address_id", "primary_email_address",
         "primary_phone_number_id", "primary_phone_number"},
        {"public_metadata", "private_metadata"});
    check_required<wacht::user_details>("user-details.json", "/email_addresses/0", {});
    check_required<wacht::user_details>("user-details.json", "/phone_numbers/0", {});
    check_required<wacht::user_details>("user-details.json", "/social_connections/0", {});
    check_required<wacht::user_details>("user-details.json", "/segments/0",
                                        {"created_at", "updated_at", "deleted_at"});
    check_required<wacht::user_email>("user-email.json", "", {});
    check_required<wacht::user_phone>("user-phone.json", "", {});
    check_required<wacht::social_connection_list>("social-connections-list.json", "", {"limit", "offset"});
    check_required<wacht::social_connection_list>("social-connections-list.json", "/data/0", {});
}

TEST_CASE("required fields - sessions - passkeys - MFA - memberships")
{
    check_required<wacht::sign_in_list>("sessions-list.json", "", {"limit", "offset"});
    check_required<wacht::sign_in_list>(
        "sessions-list.json", "/data/0",
        {"user_id", "active_organization_membership_id", "active_workspace_membership_id"});
    check_required<wacht::revoke_all_result>("revoke-all.json", "", {});
    check_required<wacht::passkey_list>("passkeys-list.json", "", {"limit", "offset"});
    check_required<wacht::passkey_list>(
        "passkeys-list.json", "/data/0",
        {"created_at", "updated_at", "transports", "last_used_at", "backed_up", "device_type"});
    check_required<wacht::authenticator_created>("authenticator-create.json", "", {});
    check_required<wacht::backup_codes>("backup-codes.json", "", {});
    check_required<wacht::organization_membership_list>("organization-memberships-list.json", "",
                                                        {"limit", "offset"});
    check_required<wacht::organization_membership_list>("organization-memberships-list.json", "/data/0", {},
                                                        {"public_metadata"});
    check_required<wacht::organization_membership_list>("organization-memberships-list.json",
                                                        "/data/0/organization", {},
                                                        {"public_metadata", "private_metadata"});
    check_required<wacht::organization_membership_list>("organization-memberships-list.json",
                                                        "/data/0/roles/0", {});
    check_required<wacht::workspace_membership_list>("workspace-memberships-list.json", "/data/0", {},
                                                     {"public_metadata"});
    check_required<wacht::workspace_membership_list>("workspace-memberships-list.json", "/data/0/workspace",
                                                     {}, {"public_metadata", "private_metadata"});
}

TEST_CASE("required fields - invitations and the waitlist - paged lists need limit and offset")
{
    check_required<wacht::invitation>("invitation.json", "", {});
    check_required<wacht::invitation_page>("invitations-list.json", "", {});
    check_required<wacht::invitation_page>("invitations-list.json", "/data/0", {});
    check_required<wacht::waitlist_page>("waitlist-list.json", "", {});
    check_required<wacht::waitlist_page>("waitlist-list.json", "/data/0", {"first_name", "last_name"});
    check_required<wacht::invitation>("waitlist-approve.json", "", {}); // approve answers an Invitation
}
