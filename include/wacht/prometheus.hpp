// SPDX-License-Identifier: BSL-1.0
// The optional Prometheus adapter (target wacht::prometheus, built when Debian's prometheus-cpp-dev is
// installed): an observer that counts calls and times them by route template and outcome, and pool
// gauges, in a prometheus-cpp registry. The core library does not depend on it.
#pragma once

#include <wacht/observer.hpp>

#include <memory>
#include <string>

namespace prometheus {
class Registry;
} // namespace prometheus

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// Prometheus metrics of the clients that use it as client_options::observer:
///
/// - `<prefix>calls_total{method, route, outcome}`: calls finished; `outcome` is `ok` or the error, in
///   snake_case (`not_found`, `call_deadline_exceeded`, `cancelled`, ...).
/// - `<prefix>call_duration_seconds{method, route, outcome}`: a histogram of call durations (retries
///   and backoff included), buckets from 1 ms to 30 s.
/// - `<prefix>attempts_total{method, route, outcome}` and `<prefix>retries_total{method, route,
///   reason}`.
/// - Pool gauges set by record_pool(): `<prefix>pool_connections{state="open|idle|busy"}`,
///   `<prefix>pool_waiting_calls`, `<prefix>pool_retry_budget`, and the totals since the client was
///   built: `<prefix>pool_connections_opened`, `<prefix>pool_connections_failed`,
///   `<prefix>pool_connections_closed{reason}`, `<prefix>pool_tls_handshakes{kind="full|resumed"}`.
///
/// Labels carry route templates, never ids: the label sets stay small whatever the calls' arguments.
///
/// Thread-safety: every function may be called from any thread at once (prometheus-cpp's metrics are
/// atomic; label lookups are locked). Lifetime: the registry must outlive this object; the observer is
/// shared (std::shared_ptr) by the clients that use it. Errors: throws only std::bad_alloc, and
/// std::invalid_argument from the constructor when `prefix` is not a valid metric name prefix (or a
/// metric of that name already exists in the registry with another type).
class prometheus_metrics final : public observer
{
public:
    /// Registers the metric families in `registry`.
    /// @param registry Where the metrics live; must outlive this object.
    /// @param prefix Prepended to every metric name (a valid Prometheus name prefix).
    explicit prometheus_metrics(prometheus::Registry& registry, const std::string& prefix = "wacht_");
    ~prometheus_metrics() override;

    /// Counts the call and records its duration. Called by the client; not meant to be called directly.
    void on_call_finished(const call_finished_event& event) override;
    /// Counts the attempt by outcome. Called by the client.
    void on_attempt_finished(const attempt_finished_event& event) override;
    /// Counts the retry by reason. Called by the client.
    void on_retry_scheduled(const retry_scheduled_event& event) override;

    /// Sets the pool gauges from a client's statistics: call it before each scrape (or from a timer)
    /// with `client.pool_statistics()`. Several clients may each have a prometheus_metrics of their own
    /// with a distinct prefix.
    void record_pool(const pool_statistics& statistics);

    /// `ok` for an empty code, else its message in snake_case (`call deadline exceeded` becomes
    /// `call_deadline_exceeded`): the `outcome` label. Thread-safe.
    static std::string outcome_label(std::error_code code);

private:
    struct families;
    std::unique_ptr<families> families_;
};

} // namespace wacht
