// SPDX-License-Identifier: BSL-1.0
// Every endpoint E8 to E33 over TLS against the emulator: success, each documented error, the
// effects, pagination and a full life cycle.
#include "harness.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <regex>
#include <set>

namespace json = boost::json;
using namespace std::chrono_literals;
using wacht::errc;
using wacht::test::error_of;
using wacht::test::harness;
using wacht::test::message_of;
using wacht::test::seed;

namespace {

std::string text(const json::value& v)
{
    return std::string(v.as_string());
}

wacht::user make_user(harness& h, std::string email = "jane@example.com")
{
    const wacht::create_user_params params{.first_name = "Jane",
                                           .last_name = "Smith",
                                           .email_address = std::move(email),
                                           .password = "S3cure!pass"};
    return h.run(h.client.users().create(params).send());
}

const std::string unknown_user = "1394412856401047552";

} // namespace

TEST_CASE("emails: add - update - make primary - remove")
{
    harness h;
    const auto user = make_user(h);
    auto emails = h.client.users().emails();

    const auto work = h.run(emails.add(user.id, "jane.work@example.org").send());
    CHECK(work.email == "jane.work@example.org");
    CHECK_FALSE(work.verified);
    CHECK_FALSE(work.is_primary);
    CHECK(work.verification_strategy == "otp");
    CHECK(work.user_id == user.id);
    CHECK(work.verified_at != wacht::timestamp{}); // stamped even when unverified

    const auto not_verified = error_of(h.run(emails.make_primary(user.id, work.id).try_send()));
    CHECK(not_verified.code == errc::bad_request);
    CHECK(message_of(not_verified) == "email must be verified before it can be marked primary");

    wacht::update_email_params change;
    change.email = "jane.office@example.org";
    change.verified = true;
    const auto updated = h.run(emails.update(user.id, work.id, change).send());
    CHECK(updated.email == "jane.office@example.org");
    CHECK(updated.verified);

    h.run(emails.make_primary(user.id, work.id).send());
    auto details = h.run(h.client.users().details(user.id).send());
    CHECK(details.primary_email_address == "jane.office@example.org");
    const auto listed = h.run(emails.list(user.id).send());
    REQUIRE(listed.size() == 2);
    for (const auto& e : listed)
        CHECK(e.is_primary == (e.id == work.id));

    // A verified primary address added in one go takes the flag from the others.
    const auto third = h.run(emails.add(user.id, "jane3@example.net").verified(true).is_primary(true).send());
    CHECK(third.is_primary);
    CHECK(h.run(h.client.users().details(user.id).send()).primary_email_address == "jane3@example.net");

    h.run(emails.remove(user.id, work.id).send());
    h.run(emails.remove(user.id, work.id).send()); // always 200
    CHECK(h.run(emails.list(user.id).send()).size() == 2);

    const auto missing = error_of(h.run(emails.update(user.id, "42", change).try_send()));
    CHECK(missing.code == errc::not_found);
    CHECK(message_of(missing) == "Email not found");
    CHECK(message_of(error_of(h.run(emails.make_primary(user.id, "42").try_send()))) == "email not found");
    CHECK(message_of(error_of(h.run(emails.add(unknown_user, "x@example.com").try_send()))) ==
          "Related resource not found");
    const auto duplicate = error_of(h.run(emails.add(user.id, "jane3@example.net").try_send()));
    CHECK(duplicate.code == errc::conflict);
    CHECK(error_of(h.run(emails.list(unknown_user).try_send())).code == errc::not_found);
}

TEST_CASE("phones: add - primary - update - make primary - remove")
{
    harness h;
    const auto user = make_user(h);
    auto phones = h.client.users().phones();
    const auto phone = h.run(phones.add(user.id, "4155550100", "+1").is_primary(true).send());
    CHECK(phone.country_code == "+1");
    CHECK_FALSE(phone.verified);
    auto details = h.run(h.client.users().details(user.id).send());
    CHECK(details.primary_phone_number == "4155550100"); // bare in details
    CHECK(h.run(h.client.users().list().send()).data.at(0).primary_phone_number == "+14155550100"); // joined

    const auto second = h.run(phones.add(user.id, "4155550199", "+1").send());
    const auto unverified = error_of(h.run(phones.make_primary(user.id, second.id).try_send()));
    CHECK(message_of(unverified) == "phone must be verified before it can be marked primary");
    wacht::update_phone_params change;
    change.verified = true;
    change.country_code = "+44";
    const auto updated = h.run(phones.update(user.id, second.id, change).send());
    CHECK(updated.verified);
    CHECK(updated.country_code == "+44");
    CHECK(updated.phone_number == "4155550199");
    h.run(phones.make_primary(user.id, second.id).send());
    CHECK(h.run(h.client.users().details(user.id).send()).primary_phone_number_id == second.id);
    CHECK(h.run(phones.list(user.id).send()).size() == 2);

    h.run(phones.remove(user.id, phone.id).send());
    h.run(phones.remove(user.id, phone.id).send());
    CHECK(h.run(phones.list(user.id).send()).size() == 1);
    CHECK(message_of(error_of(h.run(phones.update(user.id, "42", change).try_send()))) ==
          "Phone number not found");
    CHECK(message_of(error_of(h.run(phones.make_primary(user.id, "42").try_send()))) == "phone not found");
}

TEST_CASE("social connections: list newest first - tokens plaintext in details and ciphertext after update")
{
    harness h;
    const auto user = make_user(h);
    seed(h, "/_emulator/users/" + user.id + "/social-connections",
         {{"provider", "github_oauth"}, {"access_token", "gho_first"}});
    const auto second =
        seed(h, "/_emulator/users/" + user.id + "/social-connections",
             {{"provider", "google_oauth"}, {"access_token", "ya29.token"}, {"refresh_token", "1//r"}});
    auto connections = h.client.users().social_connections();
    const auto list = h.run(connections.list(user.id).send());
    REQUIRE(list.data.size() == 2);
    CHECK_FALSE(list.has_more);
    CHECK_FALSE(list.limit);
    CHECK(list.data[0].provider == "google_oauth");
    CHECK(list.data[0].access_token == "ya29.token");
    CHECK(list.data[0].email_address == "jane@example.com");
    CHECK(h.run(h.client.users().details(user.id).send()).social_connections.at(0).refresh_token == "1//r");
    wacht::update_user_params touch;
    touch.last_name = "Smythe";
    const auto updated = h.run(h.client.users().update(user.id, touch).send());
    CHECK(updated.social_connections.at(0).access_token != "ya29.token"); // E4 returns the stored ciphertext

    h.run(connections.remove(user.id, text(second.at("id"))).send());
    h.run(connections.remove(user.id, "42").send()); // always 200
    CHECK(h.run(connections.list(user.id).send()).data.size() == 1);
    CHECK(h.run(connections.list(unknown_user).send()).data.empty());

    // Deleting the email a connection hangs on deletes the connection.
    const auto details = h.run(h.client.users().details(user.id).send());
    h.run(h.client.users().emails().remove(user.id, details.email_addresses.at(0).id).send());
    CHECK(h.run(connections.list(user.id).send()).data.empty());
}

TEST_CASE("sessions: list with and without expired - revoke - revoke all - disabling deletes them")
{
    harness h;
    const auto user = make_user(h);
    const auto path = "/_emulator/users/" + user.id + "/sessions";
    const auto now = std::chrono::system_clock::now();
    seed(h, path, {{"browser", "Firefox"}, {"last_active_at", wacht::format_timestamp(now - 1h)}});
    const auto newer = seed(h, path, {{"browser", "Chrome"}, {"city", "Lisbon"}});
    seed(h, path, {{"browser", "Old"}, {"expires_at", wacht::format_timestamp(now - 1h)}});

    auto sessions = h.client.users().sessions();
    const auto active = h.run(sessions.list(user.id).send());
    REQUIRE(active.data.size() == 2);
    CHECK(active.data[0].browser == "Chrome"); // most recently active first
    CHECK(active.data[0].city == "Lisbon");
    CHECK(active.data[0].region.empty());
    CHECK(active.data[0].user_id == user.id);
    CHECK(h.run(sessions.list(user.id).include_expired(true).send()).data.size() == 3);

    h.run(sessions.revoke(user.id, text(newer.at("id"))).send());
    const auto twice = error_of(h.run(sessions.revoke(user.id, text(newer.at("id"))).try_send()));
    CHECK(twice.code == errc::not_found);
    CHECK(message_of(twice) == "signin not found");
    CHECK(h.run(sessions.list(user.id).send()).data.size() == 1);

    // Every un-revoked sign-in counts, the expired one included.
    CHECK(h.run(sessions.revoke_all(user.id).send()).revoked == 2);
    CHECK(h.run(sessions.revoke_all(user.id).send()).revoked == 0);
    CHECK(h.run(sessions.revoke_all(unknown_user).send()).revoked == 0);
    CHECK(h.run(sessions.list(user.id).include_expired(true).send()).data.empty());

    seed(h, path, {{"browser", "Edge"}});
    wacht::update_user_params disable;
    disable.disabled = true;
    h.run(h.client.users().update(user.id, disable).send());
    CHECK(h.run(sessions.list(user.id).include_expired(true).send()).data.empty());
    CHECK(h.run(sessions.list(unknown_user).send()).data.empty());
}

TEST_CASE("passkeys: list - rename (trimmed) - delete")
{
    harness h;
    const auto user = make_user(h);
    const auto key = seed(h, "/_emulator/users/" + user.id + "/passkeys",
                          {{"name", "MacBook"},
                           {"sign_count", 7},
                           {"transports", json::array{"internal", "hybrid"}},
                           {"backed_up", true},
                           {"device_type", "multi_device"}});
    seed(h, "/_emulator/users/" + user.id + "/passkeys", {{"name", "YubiKey"}});
    auto passkeys = h.client.users().passkeys();
    auto list = h.run(passkeys.list(user.id).send());
    REQUIRE(list.data.size() == 2);
    CHECK(list.data[0].name == "YubiKey"); // newest first
    CHECK_FALSE(list.data[0].transports);
    CHECK(list.data[1].sign_count == 7);
    CHECK(list.data[1].transports == std::vector<std::string>{"internal", "hybrid"});
    CHECK(list.data[1].backed_up == true);

    const auto id = text(key.at("id"));
    h.run(passkeys.rename(user.id, id, "  Work laptop ").send());
    CHECK(h.run(passkeys.list(user.id).send()).data[1].name == "Work laptop");
    CHECK(error_of(h.run(passkeys.rename(user.id, id, "   ").try_send())).code == errc::invalid_argument);
    h.run(passkeys.remove(user.id, id).send());
    const auto gone = error_of(h.run(passkeys.remove(user.id, id).try_send()));
    CHECK(message_of(gone) == "passkey not found");
    CHECK(message_of(error_of(h.run(passkeys.rename(user.id, id, "x").try_send()))) == "passkey not found");
    CHECK(h.run(passkeys.list(user.id).send()).data.size() == 1);
}

TEST_CASE("MFA: provision a TOTP authenticator - conflict - delete - backup codes")
{
    harness h;
    const auto user = make_user(h, "jane+mfa@example.com");
    auto mfa = h.client.users().mfa();
    const std::string secret = "jbsw y3dp-ehpk 3pxp jbsw y3dp ehpk 3pxp"; // 32 base32 characters, spaced
    const auto created = h.run(mfa.create_authenticator(user.id, secret).send());
    CHECK(created.otp_url ==
          "otpauth://totp/Wacht:jane%2Bmfa%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
          "&issuer=Wacht&algorithm=SHA1&digits=6&period=30");
    const auto conflict = error_of(h.run(mfa.create_authenticator(user.id, secret).try_send()));
    CHECK(conflict.code == errc::conflict);
    CHECK(message_of(conflict) == "user already has an active authenticator");

    h.run(mfa.delete_authenticator(user.id).send());
    CHECK(message_of(error_of(h.run(mfa.delete_authenticator(user.id).try_send()))) ==
          "authenticator not found");
    const auto named = h.run(mfa.create_authenticator(user.id, secret).account_name(" Jane S ").send());
    CHECK(named.otp_url.starts_with("otpauth://totp/Wacht:Jane%20S?"));

    // Secrets the server would refuse are refused before they travel.
    CHECK(error_of(h.run(mfa.create_authenticator(user.id, "JBSWY3DPEHPK3PXP").try_send())).code ==
          errc::invalid_argument); // the docs' 80-bit example
    CHECK(error_of(h.run(mfa.create_authenticator(user.id, "not base32 at all 0189!").try_send())).code ==
          errc::invalid_argument);
    CHECK(error_of(h.run(mfa.create_authenticator(user.id, secret).account_name("a:b").try_send())).code ==
          errc::invalid_argument);
    CHECK(message_of(error_of(h.run(mfa.create_authenticator(unknown_user, secret).try_send()))) ==
          "user not found");

    const auto codes = h.run(mfa.regenerate_backup_codes(user.id).send());
    REQUIRE(codes.codes.size() == 12);
    const std::regex shape("[A-Za-z0-9]{4}-[A-Za-z0-9]{4}");
    for (const auto& code : codes.codes)
        CHECK(std::regex_match(code, shape));
    CHECK(h.run(mfa.regenerate_backup_codes(user.id).send()).codes != codes.codes);
    CHECK(h.run(h.client.users().details(user.id).send()).has_backup_codes);
    CHECK(message_of(error_of(h.run(mfa.regenerate_backup_codes(unknown_user).try_send()))) ==
          "user not found");
}

TEST_CASE("the server's own TOTP checks and messages")
{
    harness h;
    const auto user = make_user(h);
    const auto post = [&](const std::string& body) {
        return h.server.backend().handle({.method = "POST",
                                          .target = "/users/" + user.id + "/authenticators",
                                          .authorization = "Bearer test-key-7f3a9c",
                                          .content_type = "application/json",
                                          .body = body});
    };
    const auto message = [](const wacht::emulator::http_response& r) {
        return text(json::parse(r.body).at("errors").at(0).at("message"));
    };
    CHECK(message(post(R"({"secret":"JBSWY3DPEHPK3PXP"})")) ==
          "secret too short \u2014 TOTP secrets must be at least 128 bits (16 bytes)");
    CHECK(message(post(R"({"secret":"11111111111111111111111111"})")) == "invalid base32 secret");
    CHECK(message(post(R"({"secret":"JBSWY3DPEHPK3PXPJBSWY3DPEH","account_name":"a:b"})")) ==
          "account_name cannot contain ':'");
    CHECK(post(R"({"account_name":"x"})").status == 422);
}

TEST_CASE("memberships: organizations and workspaces with their roles sorted by name")
{
    harness h;
    const auto user = make_user(h);
    const auto org =
        seed(h, "/_emulator/users/" + user.id + "/organization-memberships",
             {{"organization", {{"name", "Acme"}, {"member_count", 12}, {"private_metadata", {{"tier", 2}}}}},
              {"roles", json::array{json::object{{"name", "member"}, {"permissions", json::array{"read"}}},
                                    json::object{{"name", "admin"}, {"is_deployment_level", true}}}},
              {"public_metadata", {{"team", "core"}}}});
    seed(h, "/_emulator/users/" + user.id + "/workspace-memberships",
         {{"organization_membership_id", org.at("id")},
          {"workspace", {{"name", "Research"}, {"description", "R&D"}}},
          {"roles", json::array{json::object{{"name", "viewer"}}}}});
    auto memberships = h.client.users().memberships();
    const auto orgs = h.run(memberships.organizations(user.id).send());
    REQUIRE(orgs.data.size() == 1);
    const auto& m = orgs.data[0];
    CHECK(m.organization.name == "Acme");
    CHECK(m.organization.member_count == 12);
    CHECK(m.organization.private_metadata.at("tier") == 2);
    CHECK(m.public_metadata.at("team") == "core");
    REQUIRE(m.roles.size() == 2);
    CHECK(m.roles[0].name == "admin");
    CHECK(m.roles[0].is_deployment_level);
    CHECK(m.roles[1].permissions == std::vector<std::string>{"read"});

    const auto workspaces = h.run(memberships.workspaces(user.id).send());
    REQUIRE(workspaces.data.size() == 1);
    CHECK(workspaces.data[0].workspace.description == "R&D");
    CHECK(workspaces.data[0].organization_membership_id == m.id);
    CHECK(workspaces.data[0].organization_id == m.organization_id);
    CHECK(h.run(memberships.organizations(unknown_user).send()).data.empty());
    CHECK(h.run(memberships.workspaces(unknown_user).send()).data.empty());
}

TEST_CASE("invitations: invite - list with search and sort - delete")
{
    harness h;
    auto invitations = h.client.invitations();
    const auto before = std::chrono::system_clock::now();
    const wacht::invite_params ann{
        .first_name = "Ann", .last_name = "Lee", .email_address = "ann@example.com"};
    const auto first = h.run(invitations.invite(ann).send());
    CHECK(std::regex_match(first.token, std::regex("dep\\.[0-9a-f]{64}")));
    CHECK(first.expiry - before >= std::chrono::days(7));
    CHECK(first.expiry - before < std::chrono::days(7) + 1min);
    const wacht::invite_params bob{
        .first_name = "Bob", .last_name = "Ray", .email_address = "bob@example.com", .expiry_days = 2};
    const auto second = h.run(invitations.invite(bob).send());
    CHECK(second.expiry - second.created_at == std::chrono::days(2));

    const auto all =
        h.run(invitations.list().sort_key(wacht::invitation_sort_key::email).sort_order("asc").send());
    REQUIRE(all.data.size() == 2);
    CHECK(all.data[0].email_address == "ann@example.com");
    CHECK(all.limit == 10);
    const auto found = h.run(invitations.list().search("RAY").send());
    REQUIRE(found.data.size() == 1);
    CHECK(found.data[0].id == second.id);
    CHECK(error_of(h.run(invitations.list().sort_key("username").try_send())).code == errc::invalid_argument);
    wacht::invite_params never = ann;
    never.expiry_days = 0;
    CHECK(error_of(h.run(invitations.invite(never).try_send())).code == errc::invalid_argument);

    h.run(invitations.remove(first.id).send());
    const auto gone = error_of(h.run(invitations.remove(first.id).try_send()));
    CHECK(message_of(gone) == "Invitation not found");
}

TEST_CASE("waitlist: list - approve into an invitation")
{
    harness h;
    seed(h, "/_emulator/waitlist", {{"email_address", "zed@example.com"}, {"first_name", "Zed"}});
    const auto anon = seed(h, "/_emulator/waitlist", {{"email_address", "anon@example.com"}});
    auto waitlist = h.client.waitlist();
    const auto list = h.run(waitlist.list().send());
    REQUIRE(list.data.size() == 2);
    CHECK(list.data[0].email_address == "anon@example.com"); // newest first
    CHECK_FALSE(list.data[0].first_name);
    CHECK(list.data[1].first_name == "Zed");

    const auto invitation = h.run(waitlist.approve(text(anon.at("id"))).send());
    CHECK(invitation.email_address == "anon@example.com");
    CHECK(invitation.first_name.empty()); // null names become ""
    CHECK(invitation.expiry - invitation.created_at == std::chrono::days(7));
    CHECK(h.run(waitlist.list().send()).data.size() == 1);
    CHECK(h.run(h.client.invitations().list().send()).data.at(0).id == invitation.id);
    const auto again = error_of(h.run(waitlist.approve(text(anon.at("id"))).try_send()));
    CHECK(message_of(again) == "Waitlist user not found");
}

TEST_CASE("find_by_email matches any of a user's addresses exactly and case-insensitively")
{
    harness h;
    const auto jane = make_user(h, "jane@example.com");
    make_user(h, "janet@example.com");
    h.run(h.client.users().emails().add(jane.id, "J.Smith@Work.example").send());
    CHECK(h.run(h.client.users().find_by_email("JANE@example.com").send())->id == jane.id);
    CHECK(h.run(h.client.users().find_by_email("j.smith@work.EXAMPLE").send())->id == jane.id);
    CHECK_FALSE(h.run(h.client.users().find_by_email("jan@example.com").send())); // a substring only
    CHECK_FALSE(h.run(h.client.users().find_by_email("nobody@example.com").send()));
    CHECK(error_of(h.run(h.client.users().find_by_email("  ").try_send())).code == errc::invalid_argument);
}

TEST_CASE("sub-resource ids are percent-encoded and never change the route")
{
    harness h;
    const auto user = make_user(h);
    CHECK(error_of(h.run(h.client.users().emails().make_primary(user.id, "../../x").try_send())).code ==
          errc::bad_request);
    CHECK(error_of(h.run(h.client.users().sessions().revoke(user.id, "revoke-all/..").try_send())).code ==
          errc::bad_request);
    CHECK(error_of(h.run(h.client.invitations().remove("..").try_send())).code == errc::invalid_argument);
    CHECK(error_of(h.run(h.client.waitlist().approve("").try_send())).code == errc::invalid_argument);
}
