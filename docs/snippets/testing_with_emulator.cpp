// SPDX-License-Identifier: BSL-1.0
// docs/testing-with-the-emulator.md: pointing a client at a running wacht-emulator.
#include <wacht/wacht.hpp>

#include <string>

wacht::client make_test_client(boost::asio::any_io_executor executor, const std::string& url,
                               const std::string& ca_file)
{
    wacht::client_options options;
    options.base_url = url;        // "https://127.0.0.1:<port>" as the emulator printed it
    options.api_key = "test-key";  // the emulator's --api-key
    options.tls.ca_file = ca_file; // the emulator's --ca-out
    options.tls.use_system_roots = false;
    options.retry.max_attempts = 1; // let the test see every injected fault
    return wacht::client(std::move(executor), options);
}
