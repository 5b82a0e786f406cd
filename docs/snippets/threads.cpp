// SPDX-License-Identifier: BSL-1.0
// docs/threads-and-lifetimes.md: one client shared by an io_context running on several threads.
#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>
#include <vector>

namespace asio = boost::asio;

asio::awaitable<void> count_users(wacht::client client) // a copy: shares the pool, keeps it alive
{
    auto items = client.users().list().items(100);
    std::size_t n = 0;
    while (co_await items.next())
        ++n;
}

void run_on_four_threads(const wacht::client_options& options)
{
    asio::io_context io;
    wacht::client client(io.get_executor(), options);
    for (int i = 0; i < 8; ++i)
        asio::co_spawn(io, count_users(client), asio::detached);
    std::vector<std::jthread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&io] { io.run(); });
} // the threads join when every call has finished and io.run() returns
