// SPDX-License-Identifier: BSL-1.0
// Throughput, latency, client CPU and allocations per call of the SDK beside the hand-written reference
// client, for GET /users?limit=10, GET /users/{id}/details and GET /users?limit=100 at 1, 8 and 64 calls
// in flight over TLS. The emulator runs in its own process on CPU 0, the client on CPU 1.
//
// usage: bench_calls [calls per run, default 4000] [runs of each client, interleaved, default 3]
//                    [only this call: list-10, details or list-100] [only this many in flight]
// Each figure is the median of the runs.
// Prints a table, then one "row" line per figure for bench/run.
#include "support.hpp"

#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace asio = boost::asio;

int main(int argc, char** argv)
{
    bench::install_openssl_counting();
    const int total = argc > 1 ? std::atoi(argv[1]) : 4000;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
    const std::string only_call = argc > 3 ? argv[3] : "";
    const int only_in_flight = argc > 4 ? std::atoi(argv[4]) : 0;
    bench::emulator_process emulator(150);
    bench::pin_to_cpu(1);

    asio::io_context io(1);
    auto options = bench::client_options(emulator);
    wacht::client client(io.get_executor(), options);
    const auto user_id = emulator.first_user_id();

    std::printf(
        "over TLS, medians of %d interleaved runs of %d calls, client on one thread, emulator in its own "
        "process\n",
        rounds, total);
    std::printf("%-9s %-10s %9s %12s %10s %8s %9s %9s %12s %12s %10s\n", "call", "client", "in-flight",
                "requests/s", "cpu us/call", "of: sys", "p50 us", "p99 us", "allocs/call", "throughput x",
                "cpu x");
    std::vector<std::string> rows;
    int failures = 0;
    for (const auto call :
         {bench::call_kind::list_10, bench::call_kind::details, bench::call_kind::list_100}) {
        for (const int in_flight : {1, 8, 64}) {
            if ((!only_call.empty() && only_call != bench::name(call)) ||
                (only_in_flight != 0 && only_in_flight != in_flight))
                continue;
            bench::reference_client reference(io, emulator, in_flight);
            auto connect = asio::co_spawn(io, reference.connect_all(), asio::use_future);
            io.restart();
            io.run();
            connect.get();
            const bench::call_function sdk_call = [&](int) { return bench::sdk_call(client, call, user_id); };
            const bench::call_function reference_call = [&](int worker) {
                return reference.call(worker, call);
            };
            // Warm both (connections, TLS sessions, allocator caches), then measure.
            const int warm = std::max(200, in_flight * 4);
            bench::measure(io, in_flight, warm, sdk_call);
            bench::measure(io, in_flight, warm, reference_call);
            std::vector<bench::figures> ref_runs, sdk_runs;
            for (int round = 0; round < rounds; ++round) {
                ref_runs.push_back(bench::measure(io, in_flight, total, reference_call));
                sdk_runs.push_back(bench::measure(io, in_flight, total, sdk_call));
            }
            const auto ref = bench::median(ref_runs);
            const auto sdk = bench::median(sdk_runs);
            failures += ref.failures + sdk.failures;
            for (const auto& [label, f] : {std::pair{"reference", ref}, std::pair{"wacht-cpp", sdk}})
                std::printf("%-9s %-10s %9d %12.0f %10.1f %8.1f %9.0f %9.0f %12.1f %12.2f %10.2f\n",
                            bench::name(call), label, in_flight, f.requests_per_second, f.cpu_us_per_call,
                            f.system_cpu_us_per_call, f.p50_us, f.p99_us, f.allocations_per_call,
                            f.requests_per_second / ref.requests_per_second,
                            f.cpu_us_per_call / ref.cpu_us_per_call);
            const auto what =
                std::string(bench::name(call)) + ", " + std::to_string(in_flight) + " in flight";
            const bool concurrent = in_flight > 1;
            const bench::goal throughput_goal{concurrent ? bench::goal::ratio_at_least : bench::goal::none,
                                              1.2};
            rows.push_back(bench::row("throughput (calls/s)", what, sdk.requests_per_second,
                                      ref.requests_per_second, throughput_goal));
            rows.push_back(
                bench::row("client CPU (us/call)", what, sdk.cpu_us_per_call, ref.cpu_us_per_call, {}));
            rows.push_back(bench::row("latency p50 (us)", what, sdk.p50_us, ref.p50_us, {}));
            rows.push_back(bench::row("latency p99 (us)", what, sdk.p99_us, ref.p99_us, {}));
            rows.push_back(bench::row("allocations per call", what, sdk.allocations_per_call,
                                      ref.allocations_per_call, {}));
        }
    }
    for (const auto& r : rows)
        std::printf("%s\n", r.c_str());
    if (failures != 0)
        std::fprintf(stderr, "bench_calls: %d calls failed\n", failures);
    return failures == 0 ? 0 : 1;
}
