// SPDX-License-Identifier: BSL-1.0
// docs/pagination.md: one page, every page, every item, resuming.
#include <wacht/wacht.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> one_page(wacht::client& client)
{
    const wacht::user_page page = co_await client.users()
                                      .list()
                                      .search("ann")
                                      .sort_key(wacht::user_sort_key::created_at)
                                      .sort_order(wacht::sort_order::asc)
                                      .limit(50)
                                      .offset(100)
                                      .send();
    std::cout << page.data.size() << " users, has_more=" << page.has_more << '\n';
}

asio::awaitable<void> every_page(wacht::client& client)
{
    auto pages = client.users().list().search("ann").pages(100);
    while (auto page = co_await pages.next()) // nullopt after the last page
        for (const wacht::user& u : page->data)
            std::cout << u.id << '\n';
}

asio::awaitable<std::int64_t> every_item_resumable(wacht::client& client, std::int64_t from)
{
    auto items = client.invitations().list().offset(from).items(50);
    while (true) {
        auto next = co_await items.try_next();
        if (!next)
            co_return items.offset(); // failed: resume later with list().offset(this)
        if (!*next)
            co_return -1; // done
        std::cout << (*next)->email_address << '\n';
    }
}
