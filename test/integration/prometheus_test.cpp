// SPDX-License-Identifier: BSL-1.0
// The Prometheus adapter (wacht::prometheus) as a scrape sees it: calls, attempts and retries counted
// by route template and outcome, durations in a histogram, pool gauges. Against the emulator.
#include "harness.hpp"

#include <wacht/prometheus.hpp>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using wacht::emulator::fault;
using wacht::test::harness;

namespace {

std::string scrape(const prometheus::Registry& registry)
{
    return prometheus::TextSerializer().Serialize(registry.Collect());
}

bool has_line(const std::string& text, const std::string& line)
{
    return text.find("\n" + line + "\n") != std::string::npos;
}

} // namespace

TEST_CASE("prometheus: calls - attempts - retries by route template and outcome - durations - pool gauges")
{
    prometheus::Registry registry;
    auto metrics = std::make_shared<wacht::prometheus_metrics>(registry);
    harness h(wacht::test::default_server_options(), [&](wacht::client_options& o) {
        o.observer = metrics;
        o.retry.initial_backoff = 1ms;
        o.retry.max_backoff = 2ms;
    });
    h.run(h.client.users().list().send());
    fault once;
    once.type = fault::kind::status;
    once.path_prefix = "/users";
    once.times = 1;
    h.server.backend().add_fault(once);
    h.run(h.client.users().list().limit(5).send());              // 503, retried
    (void)h.run(h.client.users().details("1234567").try_send()); // 404
    (void)h.run(h.client.users().details("7654321").try_send()); // 404, the same series
    metrics->record_pool(h.client.pool_statistics());

    const auto text = scrape(registry);
    INFO(text);
    CHECK(has_line(text, R"(wacht_calls_total{method="GET",outcome="ok",route="/users"} 2)"));
    CHECK(has_line(
        text, R"(wacht_calls_total{method="GET",outcome="not_found",route="/users/{user_id}/details"} 2)"));
    CHECK(has_line(text, R"(wacht_attempts_total{method="GET",outcome="server_error",route="/users"} 1)"));
    CHECK(has_line(text, R"(wacht_attempts_total{method="GET",outcome="ok",route="/users"} 2)"));
    CHECK(
        has_line(text, R"(wacht_retries_total{method="GET",reason="server_unavailable",route="/users"} 1)"));
    CHECK(has_line(text, R"(wacht_call_duration_seconds_count{method="GET",outcome="ok",route="/users"} 2)"));
    CHECK(has_line(
        text, R"(wacht_call_duration_seconds_bucket{method="GET",outcome="ok",route="/users",le="+Inf"} 2)"));
    CHECK(has_line(text, R"(wacht_pool_connections{state="open"} 1)"));
    CHECK(has_line(text, R"(wacht_pool_connections{state="idle"} 1)"));
    CHECK(has_line(text, R"(wacht_pool_connections_opened 1)"));
    CHECK(has_line(text, R"(wacht_pool_tls_handshakes{kind="full"} 1)"));
    CHECK(has_line(text, R"(wacht_pool_waiting_calls 0)"));
    // No id ever becomes a label value.
    CHECK(text.find("1234567") == std::string::npos);
    CHECK(text.find("7654321") == std::string::npos);
}

TEST_CASE("prometheus: outcome labels are snake_case error names")
{
    CHECK(wacht::prometheus_metrics::outcome_label({}) == "ok");
    CHECK(wacht::prometheus_metrics::outcome_label(wacht::errc::deadline_exceeded) ==
          "call_deadline_exceeded");
    CHECK(wacht::prometheus_metrics::outcome_label(wacht::errc::not_found) == "not_found");
}
