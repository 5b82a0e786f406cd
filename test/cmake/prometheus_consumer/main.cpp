// SPDX-License-Identifier: BSL-1.0
// One real call (users().list() over TLS against wacht-emulator) with the Prometheus adapter attached,
// then a scrape of the registry: the call is counted under its route template. Reads WACHT_API_URL,
// WACHT_API_KEY and WACHT_CA_FILE.
#include <wacht/prometheus.hpp>
#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <exception>
#include <iostream>
#include <memory>
#include <string>

int main()
{
    try {
        prometheus::Registry registry;
        auto metrics = std::make_shared<wacht::prometheus_metrics>(registry);
        auto options = wacht::client_options::from_env();
        options.observer = metrics;
        boost::asio::io_context io;
        wacht::client client(io.get_executor(), options);
        std::exception_ptr failure;
        boost::asio::co_spawn(
            io, [&]() -> boost::asio::awaitable<void> { co_await client.users().list().send(); },
            [&](std::exception_ptr e) { failure = e; });
        io.run();
        if (failure)
            std::rethrow_exception(failure);
        metrics->record_pool(client.pool_statistics());
        const auto text = prometheus::TextSerializer().Serialize(registry.Collect());
        const std::string expected = "wacht_calls_total{method=\"GET\",outcome=\"ok\",route=\"/users\"} 1\n";
        if (text.find(expected) == std::string::npos ||
            text.find("wacht_pool_connections{") == std::string::npos) {
            std::cerr << "consumer: the scrape lacks the call or the pool gauges:\n" << text;
            return 1;
        }
        std::cout << "consumer: wacht::prometheus counted the call: " << expected;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "consumer: " << e.what() << '\n';
        return 1;
    }
}
