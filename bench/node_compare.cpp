// SPDX-License-Identifier: BSL-1.0
// Client CPU per call of wacht-cpp beside the official Node SDK (@wacht/backend), the same calls with 8
// in flight against the same emulator, each client pinned to CPU 1 and measured over its whole process.
// The target: wacht-cpp at most 1/10 of Node's CPU per call. Medians of three interleaved runs each.
//
// usage: bench_node_compare [calls per run, default 3000]
// Needs node and test/interop's node_modules (npm install there; test/interop/run does it).
#include "support.hpp"

#include <wacht/wacht.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;

namespace {

struct node_figures
{
    double cpu_us_per_call = 0;
    double calls_per_second = 0;
};

// Runs bench/node_sdk.mjs; nullopt-like zero figures when it fails.
node_figures run_node(const bench::emulator_process& emulator, bench::call_kind call, int calls,
                      int in_flight)
{
    setenv("WACHT_API_URL", emulator.base_url().c_str(), 1);
    setenv("WACHT_API_KEY", bench::emulator_process::api_key, 1);
    setenv("NODE_EXTRA_CA_CERTS", emulator.ca_file().c_str(), 1);
    setenv("BENCH_CALL", bench::name(call), 1);
    setenv("BENCH_USER_ID", emulator.first_user_id().c_str(), 1);
    setenv("BENCH_CALLS", std::to_string(calls).c_str(), 1);
    setenv("BENCH_IN_FLIGHT", std::to_string(in_flight).c_str(), 1);
    setenv("BENCH_SDK_DIR", WACHT_SOURCE_DIR "/test/interop", 1);
    const std::string pin = std::thread::hardware_concurrency() >= 2 ? "taskset -c 1 " : "";
    const std::string command = pin + "node " WACHT_SOURCE_DIR "/bench/node_sdk.mjs";
    node_figures f;
    if (FILE* out = popen(command.c_str(), "r")) {
        char line[256];
        while (std::fgets(line, sizeof line, out))
            std::sscanf(line, "cpu_us_per_call %lf calls_per_second %lf", &f.cpu_us_per_call,
                        &f.calls_per_second);
        if (pclose(out) != 0)
            f = {};
    }
    return f;
}

} // namespace

int main(int argc, char** argv)
{
    const int total = argc > 1 ? std::atoi(argv[1]) : 3000;
    constexpr int in_flight = 8;
    if (!std::filesystem::exists(WACHT_SOURCE_DIR "/test/interop/node_modules/@wacht/backend")) {
        std::fprintf(stderr, "bench_node_compare: run `npm install` in test/interop first\n");
        return 2;
    }
    bench::emulator_process emulator(150);
    bench::pin_to_cpu(1);
    asio::io_context io(1);
    auto options = bench::client_options(emulator);
    wacht::client client(io.get_executor(), options);
    const auto user_id = emulator.first_user_id();

    std::printf("client CPU per call, %d in flight, %d calls, each client on CPU 1\n", in_flight, total);
    std::printf("%-9s %16s %16s %12s %12s %10s\n", "call", "wacht-cpp (sys)", "Node SDK us", "wacht calls/s",
                "Node calls/s", "ratio");
    std::vector<std::string> rows;
    bool ok = true;
    for (const auto call :
         {bench::call_kind::list_10, bench::call_kind::details, bench::call_kind::list_100}) {
        const bench::call_function sdk_call = [&](int) { return bench::sdk_call(client, call, user_id); };
        bench::measure(io, in_flight, std::max(200, in_flight * 4), sdk_call);
        std::vector<bench::figures> sdk_runs;
        std::vector<double> node_cpu, node_rate;
        for (int round = 0; round < 3; ++round) { // medians of three interleaved runs
            sdk_runs.push_back(bench::measure(io, in_flight, total, sdk_call));
            const auto n = run_node(emulator, call, total, in_flight);
            node_cpu.push_back(n.cpu_us_per_call);
            node_rate.push_back(n.calls_per_second);
        }
        const auto sdk = bench::median(sdk_runs);
        std::sort(node_cpu.begin(), node_cpu.end());
        std::sort(node_rate.begin(), node_rate.end());
        const node_figures node{node_cpu[1], node_rate[1]};
        if (node.cpu_us_per_call <= 0 || sdk.failures != 0) {
            std::fprintf(stderr, "bench_node_compare: a run failed (%s)\n", bench::name(call));
            ok = false;
            continue;
        }
        const double ratio = sdk.cpu_us_per_call / node.cpu_us_per_call;
        std::printf("%-9s %9.1f (%4.1f) %16.1f %12.0f %12.0f %10.3f\n", bench::name(call),
                    sdk.cpu_us_per_call, sdk.system_cpu_us_per_call, node.cpu_us_per_call,
                    sdk.requests_per_second, node.calls_per_second, ratio);
        rows.push_back(
            bench::row("client CPU vs the Node SDK (us/call)",
                       std::string(bench::name(call)) + ", " + std::to_string(in_flight) + " in flight",
                       sdk.cpu_us_per_call, node.cpu_us_per_call, {bench::goal::ratio_at_most, 0.1}));
    }
    for (const auto& r : rows)
        std::printf("%s\n", r.c_str());
    return ok ? 0 : 1;
}
