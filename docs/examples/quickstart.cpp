// SPDX-License-Identifier: BSL-1.0
// Quick start: create a user, find it, update its metadata, read its details, delete it.
//
// Reads WACHT_API_KEY, WACHT_API_URL and WACHT_CA_FILE (see client_options::from_env()). Against the
// emulator: `bash .ci/demo` starts one and runs this program.
#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> tour(wacht::client& client)
{
    auto users = client.users();

    // Parameters as a named variable, not a temporary inside the co_await expression: GCC 12 destroys
    // such temporaries twice (see README, "Compiler notes").
    const wacht::create_user_params new_user{.first_name = "Jane",
                                             .last_name = "Smith",
                                             .email_address = "jane.smith@example.com",
                                             .password = "S3cure!pass"};
    const wacht::user jane = co_await users.create(new_user).send();
    std::cout << "created   " << jane.id << ' ' << jane.first_name << ' ' << jane.last_name << " <"
              << jane.primary_email_address.value_or("") << ">\n";

    const wacht::user_page page = co_await users.list().search("smith").limit(10).send();
    std::cout << "listed    " << page.data.size()
              << " user(s) matching \"smith\", has_more=" << std::boolalpha << page.has_more << '\n';
    for (const wacht::user& u : page.data)
        std::cout << "          " << u.id << ' ' << u.first_name << ' ' << u.last_name << '\n';

    wacht::update_user_params changes;
    changes.public_metadata = boost::json::object{{"plan", "pro"}, {"seats", 5}};
    const wacht::user_details updated = co_await users.update(jane.id, changes).send();
    std::cout << "updated   public_metadata=" << boost::json::serialize(updated.public_metadata) << '\n';

    const wacht::user_details details = co_await users.details(jane.id).send();
    std::cout << "details   " << details.first_name << ' ' << details.last_name << ", "
              << details.email_addresses.size() << " email(s), has_password=" << details.has_password
              << ", created " << wacht::format_timestamp(details.created_at) << '\n';

    co_await users.remove(jane.id).send();
    std::cout << "deleted   " << jane.id << '\n';

    // Failures carry the status, the server's message and our request id.
    try {
        co_await users.details(jane.id).send();
    } catch (const wacht::api_error& e) {
        std::cout << "as expected, details of a deleted user fail: HTTP " << e.status() << " ("
                  << e.diagnostics().server_messages.at(0).message << ", request " << e.request_id() << ")\n";
    }
}

int main()
{
    try {
        asio::io_context io;
        wacht::client client(io.get_executor(), wacht::client_options::from_env());
        std::exception_ptr failure;
        asio::co_spawn(io, tour(client), [&](std::exception_ptr e) { failure = e; });
        io.run();
        if (failure)
            std::rethrow_exception(failure);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "quickstart failed: " << e.what() << '\n';
        return 1;
    }
}
