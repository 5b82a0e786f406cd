// SPDX-License-Identifier: BSL-1.0
// Reconnect-heavy work: every call opens a new TLS connection (pool.max_idle = 0), with the TLS session
// resumed (the default) and with session_resumption turned off (a full handshake with certificate
// verification each time) as the reference, at 1 and 8 calls in flight.
//
// usage: bench_reconnect [calls per run, default 1000]
#include "support.hpp"

#include <wacht/wacht.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace asio = boost::asio;

int main(int argc, char** argv)
{
    bench::install_openssl_counting();
    const int total = argc > 1 ? std::atoi(argv[1]) : 1000;
    bench::emulator_process emulator(20);
    bench::pin_to_cpu(1);
    asio::io_context io(1);
    const auto make_client = [&](bool resume) {
        auto options = bench::client_options(emulator);
        options.tls.session_resumption = resume;
        options.pool.max_idle = 0; // every call on a new connection
        return wacht::client(io.get_executor(), options);
    };
    auto resumed_client = make_client(true);
    auto full_client = make_client(false);
    const auto call_with = [](wacht::client& client) {
        return [&client](int) -> asio::awaitable<bool> {
            auto page = co_await client.users().list().limit(10).try_send();
            co_return page.has_value() && page->data.size() == 10;
        };
    };
    const bench::call_function resumed_call = call_with(resumed_client);
    const bench::call_function full_call = call_with(full_client);

    std::printf("list-10, a new TLS connection per call, %d calls per run\n", total);
    std::printf("%-22s %9s %10s %12s %9s %9s %12s %10s\n", "handshake", "in-flight", "calls/s", "cpu us/call",
                "p50 us", "p99 us", "allocs/call", "cpu x");
    std::vector<std::string> rows;
    int failures = 0;
    for (const int in_flight : {1, 8}) {
        bench::measure(io, in_flight, 50, resumed_call);
        bench::measure(io, in_flight, 50, full_call);
        const auto full = bench::measure(io, in_flight, total, full_call);
        const auto resumed = bench::measure(io, in_flight, total, resumed_call);
        failures += full.failures + resumed.failures;
        for (const auto& [label, f] :
             {std::pair{"full (no resumption)", full}, std::pair{"resumed", resumed}})
            std::printf("%-22s %9d %10.0f %12.1f %9.0f %9.0f %12.1f %10.2f\n", label, in_flight,
                        f.requests_per_second, f.cpu_us_per_call, f.p50_us, f.p99_us, f.allocations_per_call,
                        f.cpu_us_per_call / full.cpu_us_per_call);
        const auto what = "reconnect per call, " + std::to_string(in_flight) + " in flight";
        rows.push_back(bench::row("resumed vs full handshake: client CPU (us/call)", what,
                                  resumed.cpu_us_per_call, full.cpu_us_per_call, {}));
        rows.push_back(
            bench::row("resumed vs full handshake: latency p50 (us)", what, resumed.p50_us, full.p50_us, {}));
        rows.push_back(bench::row("resumed vs full handshake: calls/s", what, resumed.requests_per_second,
                                  full.requests_per_second, {}));
    }
    for (const auto& r : rows)
        std::printf("%s\n", r.c_str());
    return failures == 0 ? 0 : 1;
}
