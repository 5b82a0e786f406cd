// SPDX-License-Identifier: BSL-1.0
// README.md "Using it": a whole program (built as the wacht_doc_readme_using executable).
// The README's text, verbatim:
// clang-format off
#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> tidy_up(wacht::client& client)
{
    auto page = co_await client.users().list().limit(50).search("ann").sort_key("created_at").send();
    for (const wacht::user& u : page.data)
        std::cout << u.id << ' ' << u.first_name << '\n';

    const wacht::create_user_params jane{.first_name = "Jane", .last_name = "Smith",
                                         .email_address = "jane@example.com", .password = "S3cure!pass"};
    wacht::user created = co_await client.users().create(jane).send();

    try {
        co_await client.users().details("1394412856401047552").send();
    } catch (const wacht::api_error& e) {
        if (e.code() == wacht::errc::not_found)
            std::cerr << e.what() << '\n'; // status, server message, request id; never the API key
    }
}

int main()
{
    asio::io_context io;
    wacht::client client{io.get_executor(), wacht::client_options::from_env()};
    asio::co_spawn(io, tidy_up(client), asio::detached);
    io.run();
}
// clang-format on
