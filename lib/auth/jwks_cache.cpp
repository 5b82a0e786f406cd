// SPDX-License-Identifier: BSL-1.0
#include "auth/jwks_cache.hpp"

#include <algorithm>

namespace wacht::detail {

bool jwks_cache_logic::fresh(time_point now) const noexcept
{
    return fetched_at_ && now < *fetched_at_ + policy_.max_age;
}

bool jwks_cache_logic::usable(time_point now) const noexcept
{
    return fetched_at_ && now <= *fetched_at_ + policy_.max_stale;
}

bool jwks_cache_logic::refresh_allowed(time_point now) const noexcept
{
    return !backoff_until_ || now >= *backoff_until_;
}

jwks_cache_logic::decision jwks_cache_logic::decide(time_point now, need why)
{
    decision d;
    d.copy_usable = usable(now);
    if (why == need::keys) {
        if (fresh(now))
            return d;
        if (fetching_) {
            d.wait = !d.copy_usable; // stale-while-revalidate: nobody waits while a copy is usable
            return d;
        }
        if (!refresh_allowed(now))
            return d; // in backoff: the stale copy (or jwks_unavailable)
        d.start_fetch = true;
        d.wait = !d.copy_usable;
        return d;
    }
    // An unknown kid: a refresh joins one in flight, else is rate-limited (§6.3, §15.6).
    if (fetching_) {
        d.wait = true;
        return d;
    }
    const bool interval_passed = !last_refresh_ || now - *last_refresh_ >= policy_.min_refresh_interval;
    if (!interval_passed || !refresh_allowed(now)) {
        ++stats_.suppressed_refreshes;
        return d;
    }
    d.start_fetch = true;
    d.wait = true;
    return d;
}

void jwks_cache_logic::fetch_started(time_point now, bool for_unknown_kid)
{
    fetching_ = true;
    last_refresh_ = now;
    ++stats_.fetches;
    if (for_unknown_kid)
        ++stats_.unknown_kid_refreshes;
}

void jwks_cache_logic::fetch_succeeded(time_point now, std::uint64_t keys)
{
    fetching_ = false;
    fetched_at_ = now;
    backoff_until_.reset();
    next_backoff_ = {};
    stats_.keys_loaded = keys;
    stats_.last_success = now;
}

void jwks_cache_logic::fetch_failed(time_point now, std::string error)
{
    fetching_ = false;
    ++stats_.failures;
    stats_.last_error = std::move(error);
    next_backoff_ = next_backoff_.count() == 0 ? policy_.initial_backoff
                                               : std::min(next_backoff_ * 2, policy_.max_backoff);
    next_backoff_ = std::min(next_backoff_, policy_.max_backoff);
    backoff_until_ = now + next_backoff_;
}

void jwks_cache_logic::invalidate() noexcept
{
    fetched_at_.reset();
    backoff_until_.reset();
    last_refresh_.reset();
    next_backoff_ = {};
}

} // namespace wacht::detail
