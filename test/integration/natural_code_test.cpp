// SPDX-License-Identifier: BSL-1.0
// Issue 10, defect 11: natural code must not crash on GCC 12. GCC 12 destroys the members of an
// aggregate temporary made inside a co_await expression twice (`co_await c.users().create({...}).send()`
// was a double free), whether the function takes it by reference or by value, so every builder that
// takes a parameter struct refuses a temporary at compile time: the crash cannot be written. What
// remains allowed (named parameters inside the co_await expression) runs here under ASan+UBSan in CI.
#include "harness.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

namespace asio = boost::asio;
using wacht::test::harness;

// The natural code, for every builder that takes a parameter struct: ill-formed, so it cannot crash.
// (Concepts over the resource type, so that an ill-formed call reads as false instead of an error.)
template <class Users>
concept create_takes_temporary = requires(Users users)
{
    users.create({.first_name = "Jane"});
};
template <class Users>
concept create_takes_prvalue = requires(Users users)
{
    users.create(wacht::create_user_params{});
};
template <class Users>
concept update_takes_temporary = requires(Users users)
{
    users.update("1", {.first_name = "Jane"});
};
template <class Identifiers>
concept identifier_update_takes_temporary = requires(Identifiers r)
{
    r.update("1", "2", {.verified = true});
};
template <class Invitations>
concept invite_takes_temporary = requires(Invitations invitations)
{
    invitations.invite({.first_name = "Jane", .email_address = "jane@example.com"});
};
static_assert(!create_takes_temporary<wacht::users_resource>);
static_assert(!create_takes_prvalue<wacht::users_resource>);
static_assert(!update_takes_temporary<wacht::users_resource>);
static_assert(!identifier_update_takes_temporary<wacht::emails_resource>);
static_assert(!identifier_update_takes_temporary<wacht::phones_resource>);
static_assert(!invite_takes_temporary<wacht::invitations_resource>);

// ...while named parameters, const or not, are taken.
template <class Users>
concept create_takes_named = requires(Users users, wacht::create_user_params p)
{
    users.create(p);
};
template <class Users>
concept update_takes_named = requires(Users users, const wacht::update_user_params p)
{
    users.update("1", p);
};
template <class Identifiers, class Params>
concept identifier_update_takes_named = requires(Identifiers r, Params p)
{
    r.update("1", "2", p);
};
template <class Invitations>
concept invite_takes_named = requires(Invitations invitations, wacht::invite_params p)
{
    invitations.invite(p);
};
static_assert(create_takes_named<wacht::users_resource>);
static_assert(update_takes_named<wacht::users_resource>);
static_assert(identifier_update_takes_named<wacht::emails_resource, wacht::update_email_params>);
static_assert(identifier_update_takes_named<wacht::phones_resource, wacht::update_phone_params>);
static_assert(invite_takes_named<wacht::invitations_resource>);

namespace {

// Every builder that takes a parameter struct, called inside the co_await expression with named
// parameters. Strings are long enough to live on the heap, where a double free shows.
asio::awaitable<void> named_parameters(wacht::client& c)
{
    const wacht::create_user_params jane_params{.first_name = "Jane with a name longer than the SSO buffer",
                                                .last_name = "Smith with a name longer than the SSO buffer",
                                                .email_address = "jane.with.a.long.address@example.com",
                                                .password = "S3cure!pass-long-enough-to-allocate"};
    const auto jane = co_await c.users().create(jane_params).send();
    CHECK(jane.first_name == jane_params.first_name);

    const wacht::update_user_params rename{.first_name = "Janet with a name longer than the SSO buffer"};
    const auto renamed = co_await c.users().update(jane.id, rename).send();
    CHECK(renamed.first_name == "Janet with a name longer than the SSO buffer");

    const auto email = co_await c.users().emails().add(jane.id, "second.long.address@example.com").send();
    const wacht::update_email_params email_change{.email = "changed.long.address@example.com"};
    const auto changed_email = co_await c.users().emails().update(jane.id, email.id, email_change).send();
    CHECK(changed_email.email == "changed.long.address@example.com");

    const auto phone = co_await c.users().phones().add(jane.id, "5551234567", "1").send();
    const wacht::update_phone_params phone_change{.phone_number = "5557654321"};
    const auto changed_phone = co_await c.users().phones().update(jane.id, phone.id, phone_change).send();
    CHECK(changed_phone.phone_number == "5557654321");

    const wacht::invite_params invite{.first_name = "Invited with a name longer than the SSO buffer",
                                      .last_name = "Person",
                                      .email_address = "invited.long.address@example.com"};
    const auto invited = co_await c.invitations().invite(invite).send();
    CHECK(invited.email_address == "invited.long.address@example.com");

    // try_send() too, and a builder kept in a variable and sent after the parameters are gone.
    auto later = [&] {
        const wacht::update_user_params last_name{.last_name = "Tried with a long last name"};
        return c.users().update(jane.id, last_name);
    }();
    const auto tried = co_await later.try_send();
    REQUIRE(tried.has_value());
    CHECK(tried->last_name == "Tried with a long last name");
}

} // namespace

TEST_CASE("natural code - named parameters inside co_await for every builder that takes a struct")
{
    harness h;
    h.run(named_parameters(h.client));
}

// A capturing lambda made inside a co_await expression is destroyed twice by GCC 12 as well (outside
// the SDK: `co_await co_spawn(ex, [name] {...}, use_awaitable)` double-frees `name` with no SDK call
// in it). The form README recommends, a named lambda, runs clean.
TEST_CASE("natural code - a named capturing lambda handed to co_spawn inside co_await")
{
    harness h;
    const auto created = h.run([&]() -> asio::awaitable<wacht::user> {
        const wacht::create_user_params params{.first_name =
                                                   "Lambda user with a name longer than the SSO buffer",
                                               .last_name = "Smith",
                                               .email_address = "lambda.user.long.address@example.com",
                                               .password = "S3cure!pass-long-enough-to-allocate"};
        auto create = [&h, params]() -> asio::awaitable<wacht::user> {
            co_return co_await h.client.users().create(params).send();
        };
        co_return co_await asio::co_spawn(co_await asio::this_coro::executor, create, asio::use_awaitable);
    }());
    CHECK(created.first_name == "Lambda user with a name longer than the SSO buffer");
}
