// SPDX-License-Identifier: BSL-1.0
// The Prometheus adapter: events into prometheus-cpp counters and histograms, pool statistics into
// gauges. Built into wacht::prometheus only; the core library never sees prometheus-cpp.
#include <wacht/prometheus.hpp>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>

namespace wacht {

struct prometheus_metrics::families
{
    families(prometheus::Registry& r, const std::string& prefix)
        : calls(prometheus::BuildCounter()
                    .Name(prefix + "calls_total")
                    .Help("Calls finished, by method, route template and outcome")
                    .Register(r)),
          durations(prometheus::BuildHistogram()
                        .Name(prefix + "call_duration_seconds")
                        .Help("Call durations (retries and backoff included), by method, route and outcome")
                        .Register(r)),
          attempts(prometheus::BuildCounter()
                       .Name(prefix + "attempts_total")
                       .Help("Attempts finished, by method, route template and outcome")
                       .Register(r)),
          retries(prometheus::BuildCounter()
                      .Name(prefix + "retries_total")
                      .Help("Retries scheduled, by method, route template and reason")
                      .Register(r)),
          connections(prometheus::BuildGauge()
                          .Name(prefix + "pool_connections")
                          .Help("Pooled connections by state")
                          .Register(r)),
          waiting(prometheus::BuildGauge()
                      .Name(prefix + "pool_waiting_calls")
                      .Help("Calls waiting for a pooled connection")
                      .Register(r)),
          budget(prometheus::BuildGauge()
                     .Name(prefix + "pool_retry_budget")
                     .Help("Tokens left in the retry budget")
                     .Register(r)),
          opened(prometheus::BuildGauge()
                     .Name(prefix + "pool_connections_opened")
                     .Help("Connections opened since the client was built")
                     .Register(r)),
          failed(prometheus::BuildGauge()
                     .Name(prefix + "pool_connections_failed")
                     .Help("Connections that could not be opened since the client was built")
                     .Register(r)),
          closed(prometheus::BuildGauge()
                     .Name(prefix + "pool_connections_closed")
                     .Help("Connections closed since the client was built, by reason")
                     .Register(r)),
          handshakes(prometheus::BuildGauge()
                         .Name(prefix + "pool_tls_handshakes")
                         .Help("TLS handshakes of new connections, full or resumed")
                         .Register(r))
    {}

    prometheus::Family<prometheus::Counter>& calls;
    prometheus::Family<prometheus::Histogram>& durations;
    prometheus::Family<prometheus::Counter>& attempts;
    prometheus::Family<prometheus::Counter>& retries;
    prometheus::Family<prometheus::Gauge>& connections;
    prometheus::Family<prometheus::Gauge>& waiting;
    prometheus::Family<prometheus::Gauge>& budget;
    prometheus::Family<prometheus::Gauge>& opened;
    prometheus::Family<prometheus::Gauge>& failed;
    prometheus::Family<prometheus::Gauge>& closed;
    prometheus::Family<prometheus::Gauge>& handshakes;
};

namespace {

// 1 ms to 30 s, roughly x2.5 apart.
const prometheus::Histogram::BucketBoundaries duration_buckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

prometheus::Labels call_labels(const call_context& c, const char* name, std::string value)
{
    return {{"method", std::string(c.method)}, {"route", std::string(c.route)}, {name, std::move(value)}};
}

} // namespace

prometheus_metrics::prometheus_metrics(prometheus::Registry& registry, const std::string& prefix)
    : families_(std::make_unique<families>(registry, prefix))
{}

prometheus_metrics::~prometheus_metrics() = default;

std::string prometheus_metrics::outcome_label(std::error_code code)
{
    if (!code)
        return "ok";
    auto label = code.message();
    for (auto& c : label)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '_';
    return label;
}

void prometheus_metrics::on_call_finished(const call_finished_event& e)
{
    const auto labels = call_labels(e.call, "outcome", outcome_label(e.code));
    families_->calls.Add(labels).Increment();
    families_->durations.Add(labels, duration_buckets)
        .Observe(std::chrono::duration<double>(e.elapsed).count());
}

void prometheus_metrics::on_attempt_finished(const attempt_finished_event& e)
{
    families_->attempts.Add(call_labels(e.call, "outcome", outcome_label(e.code))).Increment();
}

void prometheus_metrics::on_retry_scheduled(const retry_scheduled_event& e)
{
    families_->retries.Add(call_labels(e.call, "reason", std::string(to_string(e.reason)))).Increment();
}

void prometheus_metrics::record_pool(const pool_statistics& s)
{
    auto& f = *families_;
    f.connections.Add({{"state", "open"}}).Set(static_cast<double>(s.open));
    f.connections.Add({{"state", "idle"}}).Set(static_cast<double>(s.idle));
    f.connections.Add({{"state", "busy"}}).Set(static_cast<double>(s.busy));
    f.waiting.Add({}).Set(static_cast<double>(s.waiting_calls));
    f.budget.Add({}).Set(s.retry_budget);
    f.opened.Add({}).Set(static_cast<double>(s.connections_opened));
    f.failed.Add({}).Set(static_cast<double>(s.connections_failed));
    const std::pair<const char*, std::uint64_t> reasons[] = {
        {"idle_timeout", s.closed.idle_timeout},
        {"idle_limit", s.closed.idle_limit},
        {"unusable_while_idle", s.closed.unusable_while_idle},
        {"not_reusable", s.closed.not_reusable},
        {"made_room", s.closed.made_room}};
    for (const auto& [reason, count] : reasons)
        f.closed.Add({{"reason", reason}}).Set(static_cast<double>(count));
    f.handshakes.Add({{"kind", "full"}}).Set(static_cast<double>(s.tls_full_handshakes));
    f.handshakes.Add({{"kind", "resumed"}}).Set(static_cast<double>(s.tls_sessions_resumed));
}

} // namespace wacht
