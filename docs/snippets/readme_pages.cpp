// SPDX-License-Identifier: BSL-1.0
// README.md "Walking every page".
#include <wacht/wacht.hpp>

#include <iostream>

namespace {

void handle(const wacht::user& u)
{
    std::cout << u.id << '\n';
}
void handle(const wacht::invitation& i)
{
    std::cout << i.email_address << '\n';
}

[[maybe_unused]] boost::asio::awaitable<void> walk(wacht::client& client)
{
    // The README's text, verbatim:
    // clang-format off
auto pages = client.users().list().search("ann").sort_key("email").pages(100);
while (auto page = co_await pages.next())      // nullopt after the last page
    for (const wacht::user& u : page->data) handle(u);

auto items = client.invitations().list().items(50);
while (auto invitation = co_await items.next()) handle(*invitation);
    // clang-format on
}

} // namespace
