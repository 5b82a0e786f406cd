// SPDX-License-Identifier: BSL-1.0
// Starts an installed wacht-emulator in-process, seeds a user and reads it back with the SDK over TLS.
#include <wacht/emulator/server.hpp>
#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>

int main()
{
    wacht::emulator::server server({});
    const auto id = server.seed_user({.first_name = "Ada", .email_address = "ada@example.com"});

    boost::asio::io_context io;
    wacht::client_options options;
    options.base_url = server.base_url();
    options.api_key = server.api_key();
    options.tls.use_system_roots = false;
    options.tls.ca_pem = server.ca_pem();
    wacht::client client(io.get_executor(), options);
    auto user = boost::asio::co_spawn(io, client.users().details(id).send(), boost::asio::use_future);
    io.run();
    const auto details = user.get();
    if (details.first_name != "Ada" || server.request_log().size() != 1) {
        std::cerr << "unexpected answer from the emulator\n";
        return 1;
    }
    std::cout << "emulator consumer: " << details.first_name << " (" << details.id << ")\n";
    return 0;
}
