// SPDX-License-Identifier: BSL-1.0
// The JWKS cache's decisions (§6): when to fetch, when to wait, when to answer at once. Plain code with
// no I/O and no clock of its own: every call gets `now`. Not thread-safe; the verifier guards it with a
// mutex that only cold, stale or unknown-kid verifications take.
#pragma once

#include <wacht/session_verifier.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace wacht::detail {

class jwks_cache_logic
{
public:
    using time_point = std::chrono::system_clock::time_point;

    explicit jwks_cache_logic(jwks_cache_policy policy) : policy_(policy) {}

    /// Why a verification asks.
    enum class need
    {
        keys,        // it wants any usable key set (cold cache or a stale one)
        unknown_kid, // the usable set has no candidate for its token
    };

    struct decision
    {
        /// Start a fetch now (the caller marks it with fetch_started before starting it).
        bool start_fetch = false;
        /// Wait for the fetch in flight (or the one being started), then look again.
        bool wait = false;
        /// The current copy, if any, may be used.
        bool copy_usable = false;
    };

    /// What to do for a verification at `now`. Counts suppressed unknown-kid refreshes.
    decision decide(time_point now, need why);
    /// Whether the copy is fresh (no refresh needed) at `now`.
    bool fresh(time_point now) const noexcept;
    /// Whether a copy exists that may still be served at `now` (within max_stale of its fetch).
    bool usable(time_point now) const noexcept;

    /// A fetch begins (for any reason: prefetch, cold, stale, unknown kid).
    void fetch_started(time_point now, bool for_unknown_kid);
    void fetch_succeeded(time_point now, std::uint64_t keys);
    void fetch_failed(time_point now, std::string error);
    /// Drops the copy and the backoff; a fetch in flight still completes.
    void invalidate() noexcept;

    bool fetching() const noexcept { return fetching_; }
    /// The earliest time a new fetch may start after failures.
    std::optional<time_point> backoff_until() const noexcept { return backoff_until_; }
    const jwks_stats& stats() const noexcept { return stats_; }
    const jwks_cache_policy& policy() const noexcept { return policy_; }

private:
    bool refresh_allowed(time_point now) const noexcept;

    jwks_cache_policy policy_;
    std::optional<time_point> fetched_at_;      // last good fetch
    std::optional<time_point> last_refresh_;    // last fetch start (rate limit of unknown kids)
    std::optional<time_point> backoff_until_;   // after a failure
    std::chrono::milliseconds next_backoff_{0}; // 0: no failure since the last success
    bool fetching_ = false;
    jwks_stats stats_;
};

} // namespace wacht::detail
