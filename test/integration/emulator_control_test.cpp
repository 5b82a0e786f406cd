// SPDX-License-Identifier: BSL-1.0
// The emulator as a product for users' tests: its TOTP secret rules (contract E24) against the SDK's own
// pre-check, and the in-process controls (typed seeding, faults, request log, clock, reset).
#include "harness.hpp"

#include <chrono>

using namespace wacht;
using namespace wacht::test;
namespace json = boost::json;

namespace {

// POST /users/{id}/authenticators straight to the emulator: its answer to a secret, without the SDK.
struct totp_probe
{
    harness& h;

    emulator::http_response post(const std::string& user_id, const std::string& secret)
    {
        return h.server.backend().handle({.method = "POST",
                                          .target = "/users/" + user_id + "/authenticators",
                                          .authorization = "Bearer " + h.server.api_key(),
                                          .content_type = "application/json",
                                          .body = json::serialize(json::object{{"secret", secret}})});
    }
    std::string message(const emulator::http_response& r)
    {
        return std::string(json::parse(r.body).at("errors").at(0).at("message").as_string());
    }
};

std::string repeat(std::string_view piece, std::size_t count)
{
    std::string out;
    for (std::size_t i = 0; i < count; ++i)
        out += piece;
    return out;
}

} // namespace

TEST_CASE("E24: the emulator's base32 is lenient about length, strict about the alphabet")
{
    harness h;
    totp_probe probe{h};
    const auto user = h.server.seed_user({.first_name = "Ada", .email_address = "ada@example.com"});
    const std::string too_short = "secret too short \u2014 TOTP secrets must be at least 128 bits (16 bytes)";

    // 25 characters decode to 15 bytes: too short, not invalid.
    const auto r25 = probe.post(user, repeat("A", 25));
    CHECK(r25.status == 400);
    CHECK(probe.message(r25) == too_short);
    CHECK(probe.message(probe.post(user, "")) == too_short);
    CHECK(probe.message(probe.post(user, " \t ")) == too_short);
    // Padding, digits outside 2-7 and non-ASCII are invalid whatever the length.
    CHECK(probe.message(probe.post(user, repeat("A", 32) + "======")) == "invalid base32 secret");
    CHECK(probe.message(probe.post(user, repeat("A", 26) + "=")) == "invalid base32 secret");
    CHECK(probe.message(probe.post(user, repeat("A", 25) + "8")) == "invalid base32 secret");
    CHECK(probe.message(probe.post(user, repeat("A", 26) + "\u00e9")) == "invalid base32 secret");

    // 26, 27, 30 and 33 characters are accepted (trailing bits dropped); a no-break space and other
    // Unicode whitespace are stripped like ASCII spaces and '-'.
    const std::pair<std::string, std::string> accepted[] = {
        {repeat("B", 26), repeat("B", 26)},
        {repeat("c", 27), repeat("C", 27)},
        {repeat("D", 30), repeat("D", 30)},
        {repeat("E", 33), repeat("E", 33)},
        {"JBSW\u00a0Y3DP\u2003EHPK-3PXP JBSW\u3000Y3DP EHPK 3PXP", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"},
    };
    for (const auto& [secret, normalized] : accepted) {
        INFO(secret);
        const auto r = probe.post(user, secret);
        REQUIRE(r.status == 200);
        CHECK(std::string(json::parse(r.body).at("otp_url").as_string()) ==
              "otpauth://totp/Wacht:ada%40example.com?secret=" + normalized +
                  "&issuer=Wacht&algorithm=SHA1&digits=6&period=30");
        h.run(h.client.users().mfa().delete_authenticator(user).send());
    }
}

TEST_CASE("E24: the SDK sends every secret the server accepts and refuses the others before sending")
{
    harness h;
    const auto user = h.server.seed_user({.username = "grace"});
    auto mfa = h.client.users().mfa();
    for (const std::string& secret : {repeat("A", 27), repeat("a", 30), repeat("A", 33),
                                      std::string("JBSW\u00a0Y3DP EHPK 3PXP JBSW Y3DP EH")}) {
        INFO(secret);
        const auto created = h.run(mfa.create_authenticator(user, secret).send());
        CHECK(created.otp_url.starts_with("otpauth://totp/Wacht:grace?secret="));
        h.run(mfa.delete_authenticator(user).send());
    }
    h.server.clear_request_log();
    for (const std::string& secret :
         {repeat("A", 25), repeat("A", 32) + "======", std::string(repeat("A", 26) + "1")}) {
        INFO(secret);
        CHECK(error_of(h.run(mfa.create_authenticator(user, secret).try_send())).code ==
              errc::invalid_argument);
    }
    CHECK(h.server.request_log().empty()); // nothing was sent
}

TEST_CASE("in-process controls: typed seeding, request log, faults, clock and reset")
{
    harness h;
    const auto id = h.server.seed_user({.first_name = "Ada",
                                        .last_name = "Lovelace",
                                        .email_address = "Ada@Example.com",
                                        .phone_number = "4155550123",
                                        .public_metadata_json = R"({"plan":"pro"})"});
    const auto details = h.run(h.client.users().details(id).send());
    CHECK(details.first_name == "Ada");
    CHECK(details.primary_email_address == "ada@example.com");
    CHECK(details.primary_phone_number == "4155550123"); // bare in details (E3)
    CHECK(json::serialize(details.public_metadata) == R"({"plan":"pro"})");

    // Sessions expire on the emulator's clock.
    const auto session = h.server.seed_session(
        id, {.expires_at = h.server.now() + std::chrono::minutes(30), .browser = "Firefox"});
    h.server.seed_passkey(id, {.name = "laptop"});
    h.server.seed_social_connection(id, {.provider = "github_oauth"});
    const auto org = h.server.seed_organization_membership(
        id, {.organization = {.name = "Acme"}, .roles = {{.name = "admin"}}});
    h.server.seed_workspace_membership(id, {.organization_membership_id = org, .workspace = {.name = "Ops"}});
    h.server.seed_invitation({.first_name = "Linus", .last_name = "T", .email_address = "linus@example.com"});
    h.server.seed_waitlist_user({.email_address = "wait@example.com"});
    auto sessions = h.run(h.client.users().sessions().list(id).send());
    REQUIRE(sessions.data.size() == 1);
    CHECK(sessions.data[0].id == session);
    h.server.advance(std::chrono::minutes(31));
    CHECK(h.run(h.client.users().sessions().list(id).send()).data.empty());
    CHECK(h.run(h.client.users().sessions().list(id).include_expired(true).send()).data.size() == 1);
    CHECK(h.run(h.client.users().passkeys().list(id).send()).data.size() == 1);
    CHECK(h.run(h.client.users().social_connections().list(id).send()).data.size() == 1);
    CHECK(h.run(h.client.users().memberships().organizations(id).send()).data.size() == 1);
    CHECK(h.run(h.client.users().memberships().workspaces(id).send()).data.size() == 1);
    CHECK_THROWS_WITH(h.server.seed_session("1", {}), Catch::Contains("Resource not found"));

    // The request log: what reached the server, with the status it got; the controls are not in it.
    h.server.clear_request_log();
    CHECK_FALSE(h.run(h.client.users().details("42").try_send()).has_value());
    auto log = h.server.request_log();
    REQUIRE(log.size() == 1);
    CHECK(log[0].method == "GET");
    CHECK(log[0].target == "/users/42/details");
    CHECK(log[0].status == 404);

    // Faults added and cleared at run time.
    h.server.faults().add("status:status=409,path=/users/" + id + "/details,times=1"); // not retried
    REQUIRE(h.server.faults().list().size() == 1);
    CHECK(h.server.faults().list()[0].spec().starts_with("status:"));
    const auto faulted = h.run(h.client.users().details(id).try_send());
    REQUIRE_FALSE(faulted.has_value());
    CHECK(faulted.error().diagnostics.http_status == 409);
    CHECK(h.run(h.client.users().details(id).try_send()).has_value()); // times=1
    h.server.faults().add("status:status=500");
    CHECK_FALSE(h.run(h.client.users().details(id).try_send()).has_value());
    h.server.faults().clear();
    CHECK(h.run(h.client.users().details(id).try_send()).has_value());

    // reset(): an empty store, the clock back, an empty log.
    h.server.reset();
    CHECK(h.server.request_log().empty());
    CHECK(h.server.now() - std::chrono::system_clock::now() < std::chrono::minutes(1));
    CHECK(error_of(h.run(h.client.users().details(id).try_send())).code == errc::not_found);
    CHECK(h.run(h.client.users().list().send()).data.empty());
}

TEST_CASE("a JSON fixture seeds users with what hangs off them; a bad entry is named")
{
    harness h;
    const auto ids = h.server.seed_fixture(R"({
      "users": [
        {"first_name": "Ada", "email_address": "ada@example.com",
         "sessions": [{"browser": "Firefox"}, {"browser": "Safari"}],
         "passkeys": [{"name": "laptop"}],
         "organization_memberships": [{"organization": {"name": "Acme"}}]},
        {"username": "grace"}
      ],
      "invitations": [{"first_name": "L", "last_name": "T", "email_address": "l@example.com"}],
      "waitlist": [{"email_address": "w@example.com"}]
    })");
    REQUIRE(ids.size() == 2);
    CHECK(h.run(h.client.users().sessions().list(ids[0]).send()).data.size() == 2);
    CHECK(h.run(h.client.users().details(ids[1]).send()).username == "grace");
    CHECK(h.run(h.client.invitations().list().send()).data.size() == 1);
    CHECK(h.run(h.client.waitlist().list().send()).data.size() == 1);
    CHECK_THROWS_WITH(
        h.server.seed_fixture(R"({"users":[{"first_name":"A","passkeys":[{"sign_count":1}]}]})"),
        Catch::Contains("users[0].passkeys[0]"));
}
