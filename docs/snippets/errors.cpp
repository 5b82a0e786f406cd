// SPDX-License-Identifier: BSL-1.0
// docs/errors.md: the two ways to get an outcome, and what a failure carries.
#include <wacht/wacht.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> with_exceptions(wacht::client& client)
{
    try {
        const wacht::user_details d = co_await client.users().details("1394412856401047552").send();
        std::cout << d.first_name << '\n';
    } catch (const wacht::api_error& e) {
        if (e.code() == wacht::errc::not_found)
            std::cerr << "no such user\n";
        else
            std::cerr << e.what() << '\n'; // code, status, server message, request id
    }
}

asio::awaitable<void> without_exceptions(wacht::client& client)
{
    const wacht::result<wacht::user_details> r =
        co_await client.users().details("1394412856401047552").try_send();
    if (r) {
        std::cout << r->first_name << '\n';
        co_return;
    }
    const wacht::error& e = r.error();
    std::cerr << e.message() << '\n';
    const wacht::diagnostics& d = e.diagnostics;
    std::cerr << "HTTP " << d.http_status << ", request " << d.request_id << '\n';
    for (const wacht::server_message& m : d.server_messages)
        std::cerr << "  server: " << m.message << '\n';
    if (e.code == wacht::errc::invalid_argument)
        std::cerr << "  nothing was sent: " << d.detail << '\n';
    if (d.cause)
        std::cerr << "  cause: " << d.cause.message() << '\n'; // system, TLS or HTTP parser error
}
