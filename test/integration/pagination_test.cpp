// SPDX-License-Identifier: BSL-1.0
// Auto-pagination over hundreds of users, invitations and waitlist entries, and a user's whole life
// cycle across every sub-resource.
#include "harness.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <set>

namespace asio = boost::asio;
namespace json = boost::json;
using wacht::errc;
using wacht::test::harness;
using wacht::test::seed;

namespace {

harness seeded(std::size_t users)
{
    auto options = wacht::test::default_server_options();
    options.api.seed_users = users;
    return harness(options);
}

// Every id a pager yields, checking that none repeats.
template <class Request>
std::vector<std::string> walk_pages(harness& h, const Request& request, std::int64_t page_size)
{
    return h.run([&]() -> asio::awaitable<std::vector<std::string>> {
        std::vector<std::string> ids;
        auto pages = request.pages(page_size);
        while (auto page = co_await pages.next()) {
            CHECK(page->data.size() <= static_cast<std::size_t>(page_size));
            for (const auto& item : page->data)
                ids.push_back(item.id);
        }
        CHECK(pages.done());
        co_return ids;
    }());
}

} // namespace

TEST_CASE("pages() walks 260 users under every sort key and order without loss or repeats")
{
    auto h = seeded(260);
    const auto requests_before = h.server.backend().request_count();
    std::size_t walks = 0;
    for (const char* key : {"created_at", "username", "email", "phone_number"})
        for (const char* order : {"asc", "desc"}) {
            CAPTURE(key, order);
            const auto ids = walk_pages(h, h.client.users().list().sort_key(key).sort_order(order), 37);
            CHECK(ids.size() == 260);
            CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 260);
            ++walks;
        }
    // 260 / 37: seven full pages and a short last one with has_more false; nothing more is asked.
    CHECK(h.server.backend().request_count() - requests_before == walks * 8);
}

TEST_CASE("items() keeps the search term on every page")
{
    auto h = seeded(260);
    const auto expected = h.run(h.client.users().list().search("ada").limit(1000).send()).data.size();
    REQUIRE(expected == 26); // seeded first names cycle through ten, one of them Ada
    std::vector<wacht::emulator::http_request> seen;
    std::mutex mutex;
    h.server.backend().set_observer([&](const wacht::emulator::http_request& r) {
        std::lock_guard lock(mutex);
        seen.push_back(r);
    });
    const auto names = h.run([&]() -> asio::awaitable<std::vector<std::string>> {
        std::vector<std::string> found;
        auto items = h.client.users().list().search("ada").sort_order(wacht::sort_order::asc).items(5);
        while (auto user = co_await items.next())
            found.push_back(user->first_name);
        co_return found;
    }());
    CHECK(names.size() == expected);
    for (const auto& name : names)
        CHECK(name == "Ada");
    REQUIRE(seen.size() == 6);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        CAPTURE(seen[i].target);
        CHECK(seen[i].target ==
              "/users?limit=5&offset=" + std::to_string(i * 5) + "&search=ada&sort_order=asc");
    }
}

TEST_CASE("a walk resumes from offset() and stops on an empty page")
{
    auto h = seeded(30);
    const auto first_half =
        h.run([&]() -> asio::awaitable<std::pair<std::vector<std::string>, std::int64_t>> {
            std::vector<std::string> ids;
            auto items = h.client.users().list().sort_order("asc").items(4);
            for (int i = 0; i < 10; ++i) // stop in the middle of a page
                ids.push_back((co_await items.next())->id);
            co_return std::pair{ids, items.offset()};
        }());
    CHECK(first_half.second == 10);
    const auto rest = walk_pages(h, h.client.users().list().sort_order("asc").offset(first_half.second), 4);
    std::set<std::string> all(first_half.first.begin(), first_half.first.end());
    all.insert(rest.begin(), rest.end());
    CHECK(rest.size() == 20);
    CHECK(all.size() == 30);

    // Past the end: one request, an empty page, no loop.
    const auto before = h.server.backend().request_count();
    CHECK(walk_pages(h, h.client.users().list().offset(30), 10).empty());
    CHECK(h.server.backend().request_count() - before == 1);
    // A page size of 0 could never advance: it is an invalid argument.
    const auto zero = h.run([&]() -> asio::awaitable<wacht::errc> {
        auto pages = h.client.users().list().pages(0);
        auto r = co_await pages.try_next();
        co_return static_cast<wacht::errc>(r.error().code.value());
    }());
    CHECK(zero == errc::invalid_argument);
}

TEST_CASE("invitations and waitlist walk page by page too")
{
    harness h;
    for (int i = 0; i < 23; ++i) {
        const wacht::invite_params p{.first_name = "Guest",
                                     .last_name = std::to_string(i),
                                     .email_address = "guest" + std::to_string(i) + "@example.com"};
        h.run(h.client.invitations().invite(p).send());
        seed(h, "/_emulator/waitlist", {{"email_address", "wait" + std::to_string(i) + "@example.com"}});
    }
    const auto invitations = walk_pages(h, h.client.invitations().list().sort_key("email"), 7);
    CHECK(std::set<std::string>(invitations.begin(), invitations.end()).size() == 23);
    const auto waiting = walk_pages(h, h.client.waitlist().list().search("wait1"), 3);
    CHECK(waiting.size() == 11); // wait1 and wait10 to wait19
}

TEST_CASE("a user's life cycle: identifiers - MFA - sessions - invitation - deletion cascades")
{
    harness h;
    auto users = h.client.users();
    const wacht::create_user_params params{.first_name = "Lin",
                                           .last_name = "Nguyen",
                                           .email_address = "lin@example.com",
                                           .password = "S3cure!pass"};
    const auto lin = h.run(users.create(params).send());

    // Identifiers: add, verify, make primary.
    const auto work = h.run(users.emails().add(lin.id, "lin@work.example").send());
    wacht::update_email_params verify;
    verify.verified = true;
    h.run(users.emails().update(lin.id, work.id, verify).send());
    h.run(users.emails().make_primary(lin.id, work.id).send());
    const auto phone = h.run(users.phones().add(lin.id, "4155550123", "+1").verified(true).send());
    h.run(users.phones().make_primary(lin.id, phone.id).send());
    auto details = h.run(users.details(lin.id).send());
    CHECK(details.primary_email_address == "lin@work.example");
    CHECK(details.primary_phone_number == "4155550123");

    // MFA: provision and remove.
    h.run(users.mfa().create_authenticator(lin.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").send());
    h.run(users.mfa().regenerate_backup_codes(lin.id).send());
    h.run(users.mfa().delete_authenticator(lin.id).send());

    // Sessions, passkeys, memberships, social connections: seeded, listed, revoked.
    for (int i = 0; i < 3; ++i)
        seed(h, "/_emulator/users/" + lin.id + "/sessions", {{"device", "phone " + std::to_string(i)}});
    auto sessions = h.run(users.sessions().list(lin.id).send());
    REQUIRE(sessions.data.size() == 3);
    h.run(users.sessions().revoke(lin.id, sessions.data[0].id).send());
    CHECK(h.run(users.sessions().list(lin.id).send()).data.size() == 2);
    seed(h, "/_emulator/users/" + lin.id + "/passkeys", {{"name", "Phone"}});
    seed(h, "/_emulator/users/" + lin.id + "/organization-memberships",
         {{"organization", {{"name", "Acme"}}}});
    seed(h, "/_emulator/users/" + lin.id + "/social-connections",
         {{"provider", "github_oauth"}, {"email_address", "lin@work.example"}});

    // Invite a colleague, and let one in from the waitlist.
    const wacht::invite_params colleague{
        .first_name = "Sam", .last_name = "Ito", .email_address = "sam@example.com"};
    h.run(h.client.invitations().invite(colleague).send());
    const auto waiting = seed(h, "/_emulator/waitlist", {{"email_address", "kim@example.com"}});
    h.run(h.client.waitlist().approve(std::string(waiting.at("id").as_string())).send());
    CHECK(h.run(h.client.invitations().list().send()).data.size() == 2);
    CHECK(h.run(h.client.waitlist().list().send()).data.empty());

    // Deleting the user takes everything of it along.
    h.run(users.remove(lin.id).send());
    CHECK(h.run(users.details(lin.id).try_send()).error().code == errc::not_found);
    CHECK(h.run(users.sessions().list(lin.id).include_expired(true).send()).data.empty());
    CHECK(h.run(users.sessions().revoke_all(lin.id).send()).revoked == 0);
    CHECK(h.run(users.passkeys().list(lin.id).send()).data.empty());
    CHECK(h.run(users.social_connections().list(lin.id).send()).data.empty());
    CHECK(h.run(users.memberships().organizations(lin.id).send()).data.empty());
    CHECK(h.run(users.emails().list(lin.id).try_send()).error().code == errc::not_found);
    CHECK(h.run(users.mfa().delete_authenticator(lin.id).try_send()).error().code == errc::not_found);
    CHECK_FALSE(h.run(users.find_by_email("lin@work.example").send()));
    // The invitations stay: they are not the user's.
    CHECK(h.run(h.client.invitations().list().send()).data.size() == 2);
}

TEST_CASE("the emulator's created_at index lists what sorting every user lists - after creates and deletes")
{
    auto h = seeded(120);
    // Users created through the API land in the index too; deleted ones leave it.
    for (int i = 0; i < 5; ++i) {
        wacht::create_user_params p{.first_name = "Index",
                                    .last_name = std::to_string(i),
                                    .email_address = "index" + std::to_string(i) + "@example.com",
                                    .password = "S3cure!pass"};
        const auto created = h.run(h.client.users().create(p).send());
        if (i % 2 == 0)
            h.run(h.client.users().remove(created.id).send());
    }
    // "example" matches every user, so that request takes the general path (scan and sort).
    for (const char* order : {"asc", "desc"}) {
        CAPTURE(order);
        const auto indexed = walk_pages(h, h.client.users().list().sort_order(order), 17);
        const auto sorted = walk_pages(h, h.client.users().list().search("example").sort_order(order), 17);
        CHECK(indexed.size() == 122);
        CHECK(indexed == sorted);
    }
}
