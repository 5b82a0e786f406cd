// SPDX-License-Identifier: BSL-1.0
// The one program every consumer project of test/cmake builds, however it found wacht-cpp: a real call,
// users().list() over TLS against wacht-emulator, checked against the number of users it was seeded
// with. Reads WACHT_API_URL, WACHT_API_KEY and WACHT_CA_FILE, and WACHT_CONSUMER_EXPECTED_USERS.
#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

static_assert(WACHT_VERSION_MAJOR >= 0 && WACHT_VERSION_MINOR >= 0 && WACHT_VERSION_PATCH >= 0);

int main()
{
    const char* expected_text = std::getenv("WACHT_CONSUMER_EXPECTED_USERS");
    if (!expected_text) {
        std::cerr << "consumer: set WACHT_CONSUMER_EXPECTED_USERS\n";
        return 2;
    }
    const std::size_t expected = std::stoul(expected_text);
    try {
        boost::asio::io_context io;
        wacht::client client(io.get_executor(), wacht::client_options::from_env());
        std::size_t listed = 0;
        std::exception_ptr failure;
        auto list = [&]() -> boost::asio::awaitable<void> {
            const wacht::user_page page = co_await client.users().list().limit(100).send();
            listed = page.data.size();
        };
        boost::asio::co_spawn(io, list(), [&](std::exception_ptr e) { failure = e; });
        io.run();
        if (failure)
            std::rethrow_exception(failure);
        std::cout << "consumer: wacht-cpp " << wacht::version << ", users().list() returned " << listed
                  << " user(s)\n";
        if (listed != expected || std::string(wacht::version) != WACHT_VERSION_STRING) {
            std::cerr << "consumer: expected " << expected << " user(s)\n";
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "consumer: " << e.what() << '\n';
        return 1;
    }
}
