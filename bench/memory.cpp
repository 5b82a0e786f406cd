// SPDX-License-Identifier: BSL-1.0
// Memory: 10,000 calls in flight at once over the default 64-connection pool, list-10 and details
// (peak resident set of the process, target under 48 MiB each), and what an idle pooled TLS connection costs
// (resident set and heap per connection over 256 idle connections, target under 64 KiB). The emulator runs in
// its own process, so the figures are the client's.
//
// usage: bench_memory [calls in flight, default 10000]
#include "support.hpp"

#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <dirent.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>

namespace asio = boost::asio;

namespace {

// Open file descriptors of this process: the pool's sockets show up here.
int open_descriptors()
{
    int n = 0;
    if (DIR* dir = opendir("/proc/self/fd")) {
        while (readdir(dir))
            ++n;
        closedir(dir);
    }
    return n - 3; // ".", ".." and the directory's own descriptor
}

// Runs `count` calls at once (list-10, or details of `user_id`); returns how many succeeded.
int run_at_once(asio::io_context& io, wacht::client& client, int count,
                bench::call_kind call = bench::call_kind::list_10, const std::string& user_id = {})
{
    int succeeded = 0;
    // One lambda per kind, each holding only its own result: the caller's frame counts too.
    for (int i = 0; i < count; ++i) {
        if (call == bench::call_kind::details)
            asio::co_spawn(
                io,
                [&]() -> asio::awaitable<void> {
                    auto details = co_await client.users().details(user_id).try_send();
                    succeeded += details.has_value() ? 1 : 0;
                },
                asio::detached);
        else
            asio::co_spawn(
                io,
                [&]() -> asio::awaitable<void> {
                    auto page = co_await client.users().list().limit(10).try_send();
                    succeeded += page.has_value() ? 1 : 0;
                },
                asio::detached);
    }
    io.restart();
    io.run();
    return succeeded;
}

} // namespace

int main(int argc, char** argv)
{
    const int in_flight = argc > 1 ? std::atoi(argv[1]) : 10000;
    bench::emulator_process emulator(20);
    bench::pin_to_cpu(1);
    asio::io_context io(1);
    int failures = 0;

    // ---- idle pooled connections (first, while the heap has not grown yet) ----
    // The default, then with tls.release_idle_buffers (OpenSSL frees its record buffers when idle).
    double peak_mib = 0;
    constexpr int idle = 256;
    struct idle_cost
    {
        double resident_kib = 0;
        double heap_kib = 0;
    };
    const auto measure_idle = [&](bool release_idle_buffers) {
        auto options = bench::client_options(emulator);
        options.pool.max_connections = idle;
        options.pool.max_idle = idle;
        options.tls.release_idle_buffers = release_idle_buffers;
        wacht::client client(io.get_executor(), options);
        failures += 1 - run_at_once(io, client, 1); // warm: TLS context, allocator caches, one connection
        const auto descriptors_before = open_descriptors();
        malloc_trim(0); // resident figures without freed memory the C heap still holds
        const auto rss_before = bench::current_rss_kib();
        const auto heap_before = bench::heap_in_use_bytes();
        failures += idle - run_at_once(io, client, idle);
        const int opened = open_descriptors() - descriptors_before;
        malloc_trim(0); // what opening them needed at once (handshakes, buffers) is not an idle cost
        idle_cost cost;
        cost.resident_kib = (static_cast<double>(bench::current_rss_kib()) - rss_before) / opened;
        cost.heap_kib = (static_cast<double>(bench::heap_in_use_bytes()) - static_cast<double>(heap_before)) /
                        1024.0 / opened;
        std::printf("%d idle pooled TLS connections (%d more sockets)%s: %.1f KiB resident and %.1f KiB of "
                    "heap per connection\n",
                    idle, opened, release_idle_buffers ? ", release_idle_buffers" : "", cost.resident_kib,
                    cost.heap_kib);
        return cost;
    };
    const auto kept = measure_idle(false);
    const auto released = measure_idle(true);
    // ---- 10,000 calls in flight over 64 connections: list-10, then details ----
    // The peak is reset between the two (Linux: "5" into /proc/self/clear_refs resets VmHWM), after
    // malloc_trim, so that each figure is its own.
    const auto in_flight_peak = [&](bench::call_kind call) {
        auto options = bench::client_options(emulator);
        options.pool.max_connections = 64;
        wacht::client client(io.get_executor(), options);
        const auto& user = emulator.first_user_id();
        failures += 64 - run_at_once(io, client, 64, call, user); // warm: the pool's 64 connections
        malloc_trim(0);
        if (FILE* clear = std::fopen("/proc/self/clear_refs", "w")) {
            std::fputs("5", clear);
            std::fclose(clear);
        }
        const auto before = bench::current_rss_kib();
        failures += in_flight - run_at_once(io, client, in_flight, call, user);
        const double peak = static_cast<double>(bench::peak_rss_kib()) / 1024.0;
        std::printf("%d %s calls in flight over a 64-connection pool: peak RSS %.1f MiB (%.1f MiB before "
                    "they started, %.2f KiB per waiting call)\n",
                    in_flight, bench::name(call), peak, before / 1024.0,
                    (static_cast<double>(bench::peak_rss_kib()) - static_cast<double>(before)) / in_flight);
        return peak;
    };
    peak_mib = in_flight_peak(bench::call_kind::list_10);
    const double details_peak_mib = in_flight_peak(bench::call_kind::details);

    std::printf("%s\n", bench::row("peak RSS (MiB), " + std::to_string(in_flight) + " calls in flight",
                                   "list-10, 64-connection pool", peak_mib, 0, {bench::goal::value_below, 48})
                            .c_str());
    std::printf("%s\n",
                bench::row("peak RSS (MiB), " + std::to_string(in_flight) + " calls in flight",
                           "details, 64-connection pool", details_peak_mib, 0, {bench::goal::value_below, 48})
                    .c_str());
    std::printf("%s\n", bench::row("idle pooled connection (KiB resident)", "256 idle connections",
                                   kept.resident_kib, 0, {bench::goal::value_below, 64})
                            .c_str());
    std::printf("%s\n", bench::row("idle pooled connection (KiB heap)", "256 idle connections", kept.heap_kib,
                                   0, {bench::goal::value_below, 64})
                            .c_str());
    std::printf("%s\n",
                bench::row("idle pooled connection (KiB heap), release_idle_buffers", "256 idle connections",
                           released.heap_kib, 0, {bench::goal::value_below, 64})
                    .c_str());
    if (failures != 0)
        std::fprintf(stderr, "bench_memory: %d calls failed\n", failures);
    return failures == 0 ? 0 : 1;
}
