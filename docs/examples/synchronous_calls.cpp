// SPDX-License-Identifier: BSL-1.0
// Synchronous calls without coroutines: the io_context runs on a background thread and each call is a
// std::future (asio::use_future) of a wacht::result<T>. See docs/completion-tokens.md.
//
// Reads WACHT_API_KEY, WACHT_API_URL and WACHT_CA_FILE (see client_options::from_env()). Against the
// emulator: `bash .ci/demo all` starts one and runs this program.
#include <wacht/wacht.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>
#include <thread>

namespace asio = boost::asio;

int main()
{
    // The SDK runs on the io_context; this thread only waits for futures. Never call get() on the
    // io_context's own thread: it would wait for itself.
    asio::io_context io;
    auto work = asio::make_work_guard(io); // run() returns only once `work` is reset
    std::thread io_thread([&io] { io.run(); });

    wacht::client client{io.get_executor(), wacht::client_options::from_env()};
    auto users = client.users();

    const wacht::create_user_params sam{.first_name = "Sam",
                                        .last_name = "Sync",
                                        .email_address = "sam.sync@example.com",
                                        .password = "S3cure!pass"};
    wacht::result<wacht::user> created = users.create(sam).async_send(asio::use_future).get();
    if (!created) {
        std::cerr << "create failed: " << created.error().message() << '\n';
        work.reset();
        io_thread.join();
        return 1;
    }
    std::cout << "created   " << created->id << ' ' << created->first_name << '\n';

    // Failures are results too: status, server messages and the request id, nothing thrown.
    wacht::result<wacht::user_details> missing =
        users.details("1394412856401047552").async_send(asio::use_future).get();
    if (!missing)
        std::cout << "details   HTTP " << missing.error().diagnostics.http_status << " ("
                  << missing.error().code.message() << "), request " << missing.error().diagnostics.request_id
                  << '\n';

    // Every page, one future per page; value() throws wacht::api_error on a failure.
    auto pages = users.list().search("sync").pages(50);
    std::size_t listed = 0;
    while (auto page = pages.async_next(asio::use_future).get().value())
        listed += page->data.size();
    std::cout << "listed    " << listed << " user(s) matching \"sync\"\n";

    users.remove(created->id).async_send(asio::use_future).get().value();
    std::cout << "deleted   " << created->id << '\n';

    work.reset();
    io_thread.join();
    return missing.has_value() || listed != 1 ? 1 : 0; // what the emulator answers, checked by .ci/demo
}
