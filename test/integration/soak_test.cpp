// SPDX-License-Identifier: BSL-1.0
// The soak: 100,000 calls, 512 in flight, a client on a 2-thread io_context, 5 % injected faults.
// Every call must end in a value or a typed error, and memory must not grow once warmed up.
// Sanitizer builds run 20,000 calls (WACHT_SOAK_CALLS) and skip the memory check.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/detached.hpp>

#include <atomic>
#include <fstream>
#include <latch>
#include <thread>

#ifndef WACHT_SOAK_CALLS
#define WACHT_SOAK_CALLS 100000
#endif

using namespace std::chrono_literals;
using wacht::errc;
using wacht::emulator::fault;

namespace {

// Resident set size in bytes, from /proc/self/statm.
std::size_t resident_bytes()
{
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

fault make_fault(fault::kind type, double probability)
{
    fault f;
    f.type = type;
    f.path_prefix = "/users";
    f.probability = probability;
    f.delay = 5ms;
    return f;
}

} // namespace

TEST_CASE("soak: 512 calls in flight on two threads with 5% faults - all complete - memory flat")
{
    constexpr int total = WACHT_SOAK_CALLS;
    constexpr int in_flight = 512;
    auto server_options = wacht::test::default_server_options();
    server_options.api.seed_users = 5;
    server_options.api.faults = {
        make_fault(fault::kind::status, 0.02), make_fault(fault::kind::close_before_answer, 0.01),
        make_fault(fault::kind::latency, 0.01), make_fault(fault::kind::malformed_json, 0.01)};
    wacht::test::harness h(server_options, [](wacht::client_options& o) {
        o.pool.max_connections = 64;
        o.retry.initial_backoff = 1ms;
        o.retry.max_backoff = 10ms;
        o.retry.budget_tokens = 1e9; // the point here is completion, not the budget
        o.timeouts.call_deadline = 20s;
    });

    std::atomic<int> issued{0}, succeeded{0}, typed_errors{0}, untyped{0};
    std::atomic<std::size_t> warm_rss{0};
    std::latch done(in_flight);
    auto work = boost::asio::make_work_guard(h.io);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i)
        threads.emplace_back([&] { h.io.run(); });
    for (int w = 0; w < in_flight; ++w)
        boost::asio::co_spawn(
            h.io,
            [&]() -> boost::asio::awaitable<void> {
                for (int n; (n = issued.fetch_add(1)) < total;) {
                    if (n == total / 5)
                        warm_rss = resident_bytes();
                    auto r = co_await h.client.users().list().limit(5).try_send();
                    if (r.has_value()) {
                        ++succeeded;
                        continue;
                    }
                    const auto code = r.error().code;
                    const bool typed = code == errc::server_error || code == errc::read_failed ||
                                       code == errc::decode_failed;
                    ++(typed ? typed_errors : untyped);
                }
                done.count_down();
            },
            boost::asio::detached);
    done.wait();
    work.reset();
    for (auto& t : threads)
        t.join();

    INFO("succeeded " << succeeded << ", typed errors " << typed_errors << ", other " << untyped);
    CHECK(succeeded + typed_errors + untyped == total);
    CHECK(untyped == 0);
    CHECK(succeeded > total * 9 / 10); // retries absorb most faults
    CHECK(typed_errors > 0);           // decode failures are not retried
#ifndef WACHT_SANITIZED
    const auto end_rss = resident_bytes();
    INFO("RSS after 20% " << warm_rss / 1024 << " KiB, at the end " << end_rss / 1024 << " KiB");
    CHECK(end_rss < warm_rss + 8 * 1024 * 1024);
#endif
}
