// SPDX-License-Identifier: BSL-1.0
// The JWKS cache's decisions (§6, §11.2 C1-C4, §15.6-15.8) with an injected clock: milliseconds, no I/O.
#include "auth/jwks_cache.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using wacht::detail::jwks_cache_logic;
using need = jwks_cache_logic::need;

namespace {

const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1782734400));

} // namespace

TEST_CASE("cold cache: the first verification starts one fetch and waits; the others join it", "[jwks_cache]")
{
    jwks_cache_logic cache({});
    auto d = cache.decide(t0, need::keys);
    CHECK(d.start_fetch);
    CHECK(d.wait);
    CHECK_FALSE(d.copy_usable);
    cache.fetch_started(t0, false);
    for (int i = 0; i < 1000; ++i) {
        d = cache.decide(t0, need::keys);
        CHECK_FALSE(d.start_fetch);
        CHECK(d.wait);
    }
    cache.fetch_succeeded(t0 + 50ms, 1);
    d = cache.decide(t0 + 60ms, need::keys);
    CHECK_FALSE(d.start_fetch);
    CHECK_FALSE(d.wait);
    CHECK(d.copy_usable);
    CHECK(cache.stats().fetches == 1);
    CHECK(cache.stats().keys_loaded == 1);
}

TEST_CASE("C2: after max_age the stale copy is served and one background refresh starts", "[jwks_cache]")
{
    jwks_cache_logic cache({});
    cache.fetch_started(t0, false);
    cache.fetch_succeeded(t0, 1);
    CHECK(cache.fresh(t0 + 10min - 1ms));
    CHECK_FALSE(cache.fresh(t0 + 10min));
    auto d = cache.decide(t0 + 10min + 1s, need::keys);
    CHECK(d.start_fetch);
    CHECK_FALSE(d.wait);
    CHECK(d.copy_usable);
    cache.fetch_started(t0 + 10min + 1s, false);
    d = cache.decide(t0 + 10min + 2s, need::keys);
    CHECK_FALSE(d.start_fetch); // one refresh at a time
    CHECK_FALSE(d.wait);
    CHECK(d.copy_usable);
}

TEST_CASE("C3: a failing refresh keeps the copy up to max_stale and backs off 5 s, doubling to 5 min",
          "[jwks_cache]")
{
    jwks_cache_logic cache({});
    cache.fetch_started(t0, false);
    cache.fetch_succeeded(t0, 1);
    auto at = t0 + 11min;
    auto d = cache.decide(at, need::keys);
    REQUIRE(d.start_fetch);
    cache.fetch_started(at, false);
    cache.fetch_failed(at, "HTTP 503");
    CHECK(cache.stats().failures == 1);
    CHECK(cache.stats().last_error == "HTTP 503");
    d = cache.decide(at + 4999ms, need::keys);
    CHECK_FALSE(d.start_fetch);
    CHECK(d.copy_usable);
    d = cache.decide(at + 5s, need::keys);
    CHECK(d.start_fetch);
    CHECK_FALSE(d.wait);
    // Backoffs: 5, 10, 20, 40, 80, 160, 300, 300 s.
    std::chrono::milliseconds expected[] = {10s, 20s, 40s, 80s, 160s, 300s, 300s};
    at += 5s;
    for (auto wait : expected) {
        cache.fetch_started(at, false);
        cache.fetch_failed(at, "HTTP 503");
        REQUIRE(cache.backoff_until());
        CHECK(*cache.backoff_until() - at == wait);
        at += wait;
    }
    // Past max_stale (24 h after the last good fetch) the copy is no longer served.
    CHECK(cache.usable(t0 + 24h));
    CHECK_FALSE(cache.usable(t0 + 24h + 1ms));
    d = cache.decide(t0 + 24h + 1ms, need::keys);
    CHECK_FALSE(d.copy_usable);
}

TEST_CASE("C4: no copy and a failed fetch: no new fetch until the backoff ends", "[jwks_cache]")
{
    jwks_cache_logic cache({});
    cache.fetch_started(t0, false);
    cache.fetch_failed(t0 + 5s, "timeout");
    auto d = cache.decide(t0 + 5s + 4999ms, need::keys);
    CHECK_FALSE(d.start_fetch);
    CHECK_FALSE(d.wait);
    CHECK_FALSE(d.copy_usable); // the caller answers jwks_unavailable
    d = cache.decide(t0 + 10s, need::keys);
    CHECK(d.start_fetch);
    CHECK(d.wait);
}

TEST_CASE("T12: unknown kids refresh at most once per 30 s, the first fetch counting", "[jwks_cache]")
{
    jwks_cache_logic cache({});
    cache.fetch_started(t0, false);
    cache.fetch_succeeded(t0 + 10ms, 1);
    auto d = cache.decide(t0 + 29s, need::unknown_kid); // §15.6: the initial fetch counts
    CHECK_FALSE(d.start_fetch);
    CHECK_FALSE(d.wait);
    CHECK(cache.stats().suppressed_refreshes == 1);
    d = cache.decide(t0 + 30s, need::unknown_kid);
    CHECK(d.start_fetch);
    CHECK(d.wait);
    cache.fetch_started(t0 + 30s, true);
    d = cache.decide(t0 + 30s, need::unknown_kid); // joins the fetch in flight
    CHECK_FALSE(d.start_fetch);
    CHECK(d.wait);
    cache.fetch_succeeded(t0 + 30s + 20ms, 1);
    for (int i = 0; i < 200; ++i)
        CHECK_FALSE(cache.decide(t0 + 59s, need::unknown_kid).start_fetch);
    CHECK(cache.decide(t0 + 60s, need::unknown_kid).start_fetch);
    CHECK(cache.stats().unknown_kid_refreshes == 1);
    CHECK(cache.stats().fetches == 2);
    CHECK(cache.stats().suppressed_refreshes == 201);
}

TEST_CASE("an unknown kid during a backoff gets no fetch; invalidate forgets copy and backoff",
          "[jwks_cache]")
{
    wacht::jwks_cache_policy p;
    p.min_refresh_interval = 1s;
    jwks_cache_logic cache(p);
    cache.fetch_started(t0, false);
    cache.fetch_succeeded(t0, 1);
    cache.fetch_started(t0 + 1min, true);
    cache.fetch_failed(t0 + 1min, "HTTP 500");
    CHECK_FALSE(cache.decide(t0 + 1min + 2s, need::unknown_kid).start_fetch); // interval passed, backoff not
    CHECK(cache.decide(t0 + 1min + 5s, need::unknown_kid).start_fetch);
    cache.invalidate();
    CHECK_FALSE(cache.usable(t0 + 1min));
    const auto d = cache.decide(t0 + 1min, need::keys);
    CHECK(d.start_fetch);
    CHECK(d.wait);
}

TEST_CASE("the policy is the caller's: a short max_age and interval", "[jwks_cache]")
{
    wacht::jwks_cache_policy p;
    p.max_age = 100ms;
    p.min_refresh_interval = 10ms;
    jwks_cache_logic cache(p);
    cache.fetch_started(t0, false);
    cache.fetch_succeeded(t0, 3);
    CHECK(cache.fresh(t0 + 99ms));
    CHECK_FALSE(cache.fresh(t0 + 100ms));
    CHECK(cache.decide(t0 + 10ms, need::unknown_kid).start_fetch);
}
