// SPDX-License-Identifier: BSL-1.0
// The observer's defaults and the text logger built on the events.
#include <wacht/error.hpp>
#include <wacht/observer.hpp>

#include <string>

namespace wacht {

observer::~observer() = default;
void observer::on_call_started(const call_started_event&) {}
void observer::on_attempt_started(const attempt_started_event&) {}
void observer::on_attempt_finished(const attempt_finished_event&) {}
void observer::on_retry_scheduled(const retry_scheduled_event&) {}
void observer::on_call_finished(const call_finished_event&) {}

std::string_view to_string(retry_reason reason) noexcept
{
    switch (reason) {
    case retry_reason::connect_failed:
        return "connect_failed";
    case retry_reason::connection_lost:
        return "connection_lost";
    case retry_reason::server_unavailable:
        return "server_unavailable";
    case retry_reason::rate_limited:
        return "rate_limited";
    case retry_reason::stale_connection:
        return "stale_connection";
    }
    return "unknown";
}

namespace {

class log_observer final : public observer
{
public:
    explicit log_observer(log_function sink) : sink_(std::move(sink)) {}

    void on_attempt_finished(const attempt_finished_event& e) override
    {
        auto line = call_name(e.call) + " -> ";
        line += e.code && e.http_status == 0 ? e.code.message() : std::to_string(e.http_status);
        if (e.code && e.http_status != 0 && !(e.code == errc::decode_failed))
            line += " " + e.code.message();
        else if (e.code == errc::decode_failed)
            line += " (" + e.code.message() + ")";
        line += " in " +
                std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(e.elapsed).count()) +
                "us [request " + std::string(e.call.request_id) + ", attempt " + std::to_string(e.attempt) +
                (e.replay ? " (replay)" : "") + "]";
        if (!e.error_body.empty())
            line += " body: " + std::string(e.error_body);
        sink_(e.code || e.http_status >= 400 ? log_level::warning : log_level::debug, line);
    }

    void on_retry_scheduled(const retry_scheduled_event& e) override
    {
        sink_(log_level::info, call_name(e.call) + ": " + std::string(to_string(e.reason)) + ", attempt " +
                                   std::to_string(e.next_attempt) + " in " +
                                   std::to_string(e.backoff.count()) + "ms [request " +
                                   std::string(e.call.request_id) + "]");
    }

    void on_call_finished(const call_finished_event& e) override
    {
        // A call that ended without an attempt (rejected before sending, or no connection came) or
        // between two: the attempts log themselves, this outcome is no attempt's.
        if (!e.code || (e.attempts != 0 && !e.between_attempts))
            return;
        if (e.code == errc::invalid_argument) {
            sink_(log_level::warning,
                  call_name(e.call) + " rejected before sending: " + std::string(e.detail));
            return;
        }
        const auto attempts = e.attempts == 0   ? std::string("no attempt")
                              : e.attempts == 1 ? std::string("after 1 attempt")
                                                : "after " + std::to_string(e.attempts) + " attempts";
        sink_(log_level::warning, call_name(e.call) + " -> " + e.code.message() + " (" +
                                      std::string(e.detail) + ") [request " + std::string(e.call.request_id) +
                                      ", " + attempts + "]");
    }

private:
    // The route template, or what the caller opted in to see instead.
    static std::string call_name(const call_context& c)
    {
        std::string name(c.method);
        name += ' ';
        name += c.path.empty() ? c.route : c.path;
        if (!c.query.empty()) {
            name += '?';
            name += c.query;
        }
        return name;
    }

    log_function sink_;
};

} // namespace

std::shared_ptr<observer> make_log_observer(log_function sink)
{
    return std::make_shared<log_observer>(std::move(sink));
}

} // namespace wacht
