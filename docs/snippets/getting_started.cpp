// SPDX-License-Identifier: BSL-1.0
// docs/getting-started.md: a whole program that lists users.
#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> list_some_users(wacht::client client)
{
    const wacht::user_page page = co_await client.users().list().limit(10).send();
    for (const wacht::user& u : page.data)
        std::cout << u.id << ' ' << u.first_name << ' ' << u.last_name << '\n';
}

int main()
{
    asio::io_context io;
    wacht::client client(io.get_executor(), wacht::client_options::from_env());
    std::exception_ptr failure;
    asio::co_spawn(io, list_some_users(client), [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const wacht::api_error& e) {
            std::cerr << e.what() << '\n';
            return 1;
        }
    }
}
