// SPDX-License-Identifier: BSL-1.0
// Client instructions per call, counted by valgrind's callgrind (repeatable on a busy machine, unlike
// time): the SDK and the hand-written reference client, one call at a time, for list-10, details and
// list-100, with the typed models produced by the SDK and the DOM by the reference.
//
// usage: bench_instructions [calls, default 200]
//   Runs itself under `valgrind --tool=callgrind` once per client and call (the emulator, a child
//   process, runs natively and is not counted) and prints instructions per call and the ratios.
//   A last row compares list-10 with a no-op observer (client_options::observer) against none: the
//   cost of the events, whose target is under 2 %.
// usage: bench_instructions --observer [calls]: that row only.
// usage: bench_instructions --measure sdk|sdk-observed|reference CALL CALLS [IN_FLIGHT]   (what each
//   valgrind run does; also handy under strace or perf)
#include "support.hpp"

#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace asio = boost::asio;

namespace {

int measure(const std::string& client_name, bench::call_kind call, int calls, int in_flight)
{
    bench::emulator_process emulator(150);
    asio::io_context io(1);
    const bool sdk = client_name == "sdk" || client_name == "sdk-observed";
    auto options = bench::client_options(emulator);
    if (client_name == "sdk-observed") // the base observer does nothing with each event
        options.observer = std::make_shared<wacht::observer>();
    wacht::client client(io.get_executor(), options);
    bench::reference_client reference(io, emulator, in_flight);
    if (!sdk) {
        auto connect = asio::co_spawn(io, reference.connect_all(), asio::use_future);
        io.run();
        connect.get();
    }
    const auto user_id = emulator.first_user_id();
    const bench::call_function one_call = [&](int worker) {
        return sdk ? bench::sdk_call(client, call, user_id) : reference.call(worker, call);
    };
    bench::measure(io, in_flight, 20 * in_flight, one_call); // warm: connections, TLS, caches
    CALLGRIND_TOGGLE_COLLECT;
    const auto f = bench::measure(io, in_flight, calls, one_call);
    CALLGRIND_TOGGLE_COLLECT;
    std::printf("%s %s: %.1f allocations per call\n", client_name.c_str(), bench::name(call),
                f.allocations_per_call);
    return f.failures == 0 ? 0 : 1;
}

// The instructions callgrind counted while collection was on.
double run_under_callgrind(const char* self, const std::string& client_name, bench::call_kind call, int calls)
{
    const std::string out = "/tmp/wacht-callgrind-" + std::to_string(getpid()) + ".out";
    const std::string command = "valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=" + out +
                                " " + self + " --measure " + client_name + " " + bench::name(call) + " " +
                                std::to_string(calls) + " > /dev/null 2>&1";
    if (std::system(command.c_str()) != 0)
        throw std::runtime_error("failed: " + command);
    std::ifstream in(out);
    std::string line;
    double total = -1;
    while (std::getline(in, line))
        if (line.rfind("summary: ", 0) == 0 || line.rfind("totals: ", 0) == 0)
            total = std::stod(line.substr(line.find(' ') + 1));
    std::remove(out.c_str());
    if (total < 0)
        throw std::runtime_error("no totals in the callgrind output");
    return total;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        bench::install_openssl_counting();
        if ((argc == 5 || argc == 6) && std::string(argv[1]) == "--measure")
            return measure(argv[2], bench::call_from_name(argv[3]), std::atoi(argv[4]),
                           argc == 6 ? std::atoi(argv[5]) : 1);
        if (RUNNING_ON_VALGRIND) {
            std::fprintf(stderr, "run without valgrind: it starts valgrind itself\n");
            return 2;
        }
        const bool observer_only = argc > 1 && std::string(argv[1]) == "--observer";
        const int calls = argc > 1 + observer_only ? std::atoi(argv[1 + observer_only]) : 200;
        // A no-op observer against none, on list-10: both runs in the same process tree and build.
        const auto observer_row = [&] {
            const auto call = bench::call_kind::list_10;
            const double observed = run_under_callgrind(argv[0], "sdk-observed", call, calls) / calls;
            const double plain = run_under_callgrind(argv[0], "sdk", call, calls) / calls;
            std::printf("%-9s %16.0f %16.0f %8.3f %8s  (no-op observer vs none)\n", "list-10", observed,
                        plain, observed / plain, "<= 1.02x");
            return std::pair{bench::row("instructions per call", "list-10, no-op observer vs none", observed,
                                        plain, {bench::goal::ratio_at_most, 1.02}) +
                                 "\n",
                             observed / plain <= 1.02};
        };
        if (observer_only) {
            std::printf("instructions per call (callgrind), %d calls each, one at a time, over TLS\n", calls);
            const auto [line, met] = observer_row();
            std::printf("%s", line.c_str());
            return met ? 0 : 1;
        }
        std::printf("instructions per call (callgrind), %d calls each, one at a time, over TLS\n", calls);
        std::printf("%-9s %16s %16s %8s %8s\n", "call", "wacht-cpp", "reference", "ratio", "target");
        std::string rows;
        bool met = true;
        for (const auto call :
             {bench::call_kind::list_10, bench::call_kind::details, bench::call_kind::list_100}) {
            const double sdk = run_under_callgrind(argv[0], "sdk", call, calls) / calls;
            const double reference = run_under_callgrind(argv[0], "reference", call, calls) / calls;
            const double target = call == bench::call_kind::list_100 ? 0.6 : 0.8;
            met = met && sdk / reference <= target;
            char line[256];
            std::snprintf(line, sizeof line, "<= %.1fx", target);
            std::printf("%-9s %16.0f %16.0f %8.2f %8s\n", bench::name(call), sdk, reference, sdk / reference,
                        line);
            rows += bench::row("instructions per call", std::string(bench::name(call)) + ", 1 in flight", sdk,
                               reference, {bench::goal::ratio_at_most, target}) +
                    "\n";
        }
        const auto [observer_line, observer_met] = observer_row();
        rows += observer_line;
        std::printf("%s", rows.c_str());
        return met && observer_met ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_instructions: %s\n", e.what());
        return 2;
    }
}
