// Memory: 10,000 calls in flight at once over the default 64-connection pool (peak resident set of
// the process, target under 64 MiB), and what an idle pooled TLS connection costs (resident set and
// heap per connection over 256 idle connections, target under 64 KiB). The emulator runs in its own
// process, so the figures are the client's.
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

// Runs `count` list-10 calls at once; returns how many succeeded.
int run_at_once(asio::io_context& io, wacht::client& client, int count)
{
    int succeeded = 0;
    for (int i = 0; i < count; ++i)
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                auto page = co_await client.users().list().limit(10).try_send();
                succeeded += page.has_value() ? 1 : 0;
            },
            asio::detached);
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
    // ---- 10,000 calls in flight over 64 connections ----
    {
        auto options = bench::client_options(emulator);
        options.pool.max_connections = 64;
        wacht::client client(io.get_executor(), options);
        failures += 64 - run_at_once(io, client, 64); // warm: the pool's 64 connections
        const auto before = bench::current_rss_kib();
        failures += in_flight - run_at_once(io, client, in_flight);
        peak_mib = static_cast<double>(bench::peak_rss_kib()) / 1024.0;
        std::printf(
            "%d list-10 calls in flight over a 64-connection pool: peak RSS %.1f MiB (%.1f MiB before "
            "they started, %.2f KiB per waiting call)\n",
            in_flight, peak_mib, before / 1024.0,
            (static_cast<double>(bench::peak_rss_kib()) - static_cast<double>(before)) / in_flight);
    }

    std::printf("%s\n", bench::row("peak RSS (MiB), " + std::to_string(in_flight) + " calls in flight",
                                   "64-connection pool", peak_mib, 0, {bench::goal::value_below, 64})
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
