// Client instructions per call, counted by valgrind's callgrind (repeatable on a busy machine, unlike
// time): the SDK and the hand-written reference client, one call at a time, for list-10, details and
// list-100, with the typed models produced by the SDK and the DOM by the reference.
//
// usage: bench_instructions [calls, default 200]
//   Runs itself under `valgrind --tool=callgrind` once per client and call (the emulator, a child
//   process, runs natively and is not counted) and prints instructions per call and the ratios.
// usage: bench_instructions --measure sdk|reference CALL CALLS [IN_FLIGHT]   (what each valgrind run does;
//   also handy under strace or perf)
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
    const bool sdk = client_name == "sdk";
    const auto options = bench::client_options(emulator);
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
        const int calls = argc > 1 ? std::atoi(argv[1]) : 200;
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
        std::printf("%s", rows.c_str());
        return met ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_instructions: %s\n", e.what());
        return 2;
    }
}
