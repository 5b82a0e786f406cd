// SPDX-License-Identifier: BSL-1.0
// The pipeline: argument errors, request ids, the deadline, error mapping and model decoding.
#include "detail/call_control.hpp"
#include "detail/client_impl.hpp"
#include "detail/encoding.hpp"
#include "detail/model_decoder.hpp"

#include <wacht/models/invitation.hpp>
#include <wacht/models/membership.hpp>
#include <wacht/models/mfa.hpp>
#include <wacht/models/passkey.hpp>
#include <wacht/models/session.hpp>
#include <wacht/models/user.hpp>

#include <boost/json/parse.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <random>
#include <variant>

namespace wacht::detail {
namespace {

constexpr std::size_t body_snippet_size = 256;

const char* method_name(http_method m)
{
    switch (m) {
    case http_method::get:
        return "GET";
    case http_method::post:
        return "POST";
    case http_method::patch:
        return "PATCH";
    case http_method::delete_:
        return "DELETE";
    }
    return "?";
}

// The first bytes of a body, printable and on one line.
std::string snippet(std::string_view body)
{
    std::string out(body.substr(0, body_snippet_size));
    for (auto& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
            c = ' ';
    return out;
}

// Wacht writes the wait into the 429 message: "Rate limit exceeded. Retry after {N} seconds".
std::optional<std::chrono::seconds> retry_after_from_message(std::string_view message)
{
    constexpr std::string_view marker = "Retry after ";
    const auto at = message.find(marker);
    if (at == std::string_view::npos)
        return std::nullopt;
    const auto* first = message.data() + at + marker.size();
    std::uint32_t seconds = 0;
    if (std::from_chars(first, message.data() + message.size(), seconds).ec != std::errc{})
        return std::nullopt;
    return std::chrono::seconds(seconds);
}

// Replaces every copy of `secret` in `text` with "[redacted]", and a cut-off start of it at the end
// (a snippet may end inside it).
void redact(std::string& text, std::string_view secret)
{
    constexpr std::string_view mark = "[redacted]";
    if (secret.empty())
        return;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + mark.size()))
        text.replace(at, secret.size(), mark);
    constexpr std::size_t shortest_cut = 4;
    for (auto length = std::min(text.size(), secret.size() - 1); length >= shortest_cut; --length) {
        if (std::string_view(text).substr(text.size() - length) == secret.substr(0, length)) {
            text.replace(text.size() - length, length, mark);
            break;
        }
    }
}

// A server may echo the request's Authorization header into its answer: the API key must not reach
// the error's text.
void redact(wacht::error& e, std::string_view api_key)
{
    redact(e.diagnostics.body_snippet, api_key);
    for (auto& m : e.diagnostics.server_messages)
        redact(m.message, api_key);
}

} // namespace

// Fills status, server messages, retry-after and snippet from a non-2xx response.
wacht::error http_error(const exchange_outcome& outcome, std::string request_id)
{
    wacht::error e{errc_from_http_status(outcome.status), {}};
    auto& d = e.diagnostics;
    d.http_status = outcome.status;
    d.request_id = std::move(request_id);
    boost::system::error_code ec;
    const auto body = boost::json::parse(outcome.body, ec);
    if (!ec && body.is_object()) {
        if (const auto* errors = body.get_object().if_contains("errors"); errors && errors->is_array()) {
            for (const auto& item : errors->get_array()) {
                if (!item.is_object())
                    continue;
                server_message m;
                if (const auto* text = item.get_object().if_contains("message"); text && text->is_string())
                    m.message = std::string(text->get_string());
                if (const auto* code = item.get_object().if_contains("code"); code && code->is_int64())
                    m.code = static_cast<int>(code->get_int64());
                d.server_messages.push_back(std::move(m));
            }
        }
    }
    if (d.server_messages.empty())
        d.body_snippet = snippet(outcome.body);
    for (const auto& m : d.server_messages)
        if (auto wait = retry_after_from_message(m.message))
            d.retry_after = wait;
    if (!d.retry_after)
        d.retry_after = outcome.retry_after_header;
    return e;
}

namespace {

// Whether a failed attempt may be sent again (see retry_policy).
bool retryable(const exchange_outcome& outcome, bool idempotent, const retry_policy& policy)
{
    if (outcome.code) {
        // Never sent: connecting failed or timed out, so any method may go again.
        if (!outcome.request_sent)
            return outcome.code == errc::connect_failed || outcome.code == errc::connect_timeout ||
                   outcome.code == errc::resolve_timeout || outcome.code == errc::tls_handshake_timeout;
        // Sent, and the connection died before any response byte: only an idempotent call may go again.
        return idempotent && !outcome.response_started &&
               (outcome.code == errc::read_failed || outcome.code == errc::write_failed);
    }
    if (outcome.status == 429)
        return policy.retry_rate_limited; // the gateway refuses before any handler runs
    return idempotent && (outcome.status == 502 || outcome.status == 503 || outcome.status == 504);
}

// Truncated exponential backoff with full jitter: uniform in [0, min(max, initial * 2^(retry-1))].
std::chrono::milliseconds backoff(const retry_policy& policy, std::size_t retry)
{
    thread_local std::mt19937_64 generator{std::random_device{}()};
    const double cap = std::min<double>(static_cast<double>(policy.max_backoff.count()),
                                        static_cast<double>(policy.initial_backoff.count()) *
                                            std::pow(2.0, static_cast<double>(retry - 1)));
    std::uniform_real_distribution<double> pick(0, std::max(0.0, cap));
    return std::chrono::milliseconds(static_cast<std::int64_t>(pick(generator)));
}

} // namespace

namespace {

// A call's result on the heap: execute()'s frame, which exists while the call waits for the pool,
// then needs no room of its own for the awaited result (a result<user_details> is about 0.7 KiB).
template <class T, class U>
std::unique_ptr<result<T>> boxed(U&& value)
{
    return std::make_unique<result<T>>(std::forward<U>(value));
}

using clock_type = std::chrono::steady_clock;

// Calls one function of the observer; what it throws never reaches the call.
template <class Event>
void emit(observer& to, void (observer::*on)(const Event&), const Event& event) noexcept
{
    try {
        (to.*on)(event);
    } catch (...) {
    }
}

// The events' view of one call, and what execute() reports when it ends. Lives in execute()'s frame.
struct call_events
{
    observer* to = nullptr; // null: no observer, no event is made
    call_context context;
    std::size_t attempts = 0;
    int http_status = 0;
    std::error_code last_attempt_code; // what the last attempt_finished event reported
};

retry_reason reason_of(const exchange_outcome& outcome)
{
    if (outcome.status == 429)
        return retry_reason::rate_limited;
    if (outcome.status != 0)
        return retry_reason::server_unavailable;
    return outcome.request_sent ? retry_reason::connection_lost : retry_reason::connect_failed;
}

// The attempts of one call, once the pool has reserved a connection (or a slot, or failed) for the
// first: the model and the error state live in this frame, allocated only then.
template <class T>
boost::asio::awaitable<std::unique_ptr<result<T>>>
attempts(client_impl* impl, const request_spec& spec, const call_settings& settings,
         std::string_view request_id, call_events* events, clock_type::time_point deadline,
         std::unique_ptr<reservation> reserved, clock_type::duration first_pool_wait)
{
    const auto& policy =
        settings.control && settings.control->retry ? *settings.control->retry : impl->options.retry;
    // The model the body is parsed into as it arrives (none for void calls).
    std::conditional_t<std::is_void_v<T>, std::monostate, T> model{};
    slot model_slot;
    if constexpr (!std::is_void_v<T>)
        model_slot = slot_of(model);
    const slot* body_target = std::is_void_v<T> ? nullptr : &model_slot;
    bool replayed = false;       // the one replay of a request whose reused connection had died
    bool new_connection = false; // the next attempt goes out on a newly opened connection
    auto pool_wait = first_pool_wait;
    for (std::size_t attempt = 1;; ++attempt) {
        if (attempt > 1 || replayed)
            model = {}; // nothing of a failed attempt stays
        exchange_outcome outcome;
        try {
            if (!reserved) {
                // Nothing is sent once the deadline is over (the first attempt's reservation already knows).
                if (clock_type::now() >= deadline)
                    co_return boxed<T>(
                        wacht::error{errc::deadline_exceeded,
                                     {.request_id = std::string(request_id),
                                      .detail = "the call's deadline was over before the request was sent"}});
                const auto asked = clock_type::now();
                reserved = impl->transport->reserve(deadline, new_connection);
                if (reserved->waiting())
                    co_await impl->transport->wait(*reserved);
                pool_wait = clock_type::now() - asked;
            }
            // The pool gave neither a connection nor a slot: no attempt was made.
            if (const auto* failure = reserved->failure())
                co_return boxed<T>(wacht::error{failure->code,
                                                {.request_id = std::string(request_id),
                                                 .detail = failure->detail,
                                                 .cause = failure->cause}});
        } catch (const boost::system::system_error& e) {
            if (e.code() != boost::asio::error::operation_aborted)
                throw;
            co_return boxed<T>(wacht::error{errc::cancelled,
                                            {.request_id = std::string(request_id),
                                             .detail = "cancelled while waiting for a pooled connection",
                                             .cause = e.code()}});
        }
        const auto connection = reserved->reused() ? connection_use::reused : connection_use::opened;
        clock_type::time_point attempt_started{};
        if (events) {
            emit(*events->to, &observer::on_attempt_started,
                 attempt_started_event{events->context, attempt, replayed, connection, pool_wait});
            attempt_started = clock_type::now();
        }
        if (events)
            events->attempts = attempt;
        try {
            outcome = co_await impl->transport->exchange(spec, request_id, deadline, body_target, false,
                                                         std::move(reserved));
        } catch (const boost::system::system_error& e) {
            // Asio throws operation_aborted into a coroutine whose cancellation was requested between
            // two operations; the transport has already given its connection back.
            if (e.code() != boost::asio::error::operation_aborted)
                throw;
            outcome.code = errc::cancelled;
            outcome.cause = e.code();
            outcome.detail = "cancelled during the exchange";
            outcome.request_sent = true; // unknown, and a cancelled call is never retried anyway
        }
        const bool success = !outcome.code && outcome.status >= 200 && outcome.status < 300;
        std::error_code attempt_code = outcome.code;
        if (!attempt_code && !success)
            attempt_code = errc_from_http_status(outcome.status);
        else if (success && !outcome.decode_error.empty())
            attempt_code = errc::decode_failed;
        if (events) {
            events->http_status = outcome.status;
            attempt_finished_event finished{events->context, attempt,        replayed,
                                            connection,      outcome.status, attempt_code};
            finished.bytes_sent = outcome.bytes_sent;
            finished.bytes_received = outcome.bytes_received;
            finished.elapsed = clock_type::now() - attempt_started;
            finished.timings = outcome.timings;
            finished.timings.pool_wait = pool_wait;
            finished.tls_resumed = outcome.tls_resumed;
            std::string body;
            if (impl->options.event_fields.error_body && !success && !outcome.body.empty()) {
                body = snippet(outcome.body);
                redact(body, impl->options.api_key);
                finished.error_body = body;
            }
            events->last_attempt_code = attempt_code;
            emit(*events->to, &observer::on_attempt_finished, finished);
        }
        pool_wait = {};
        if (success) {
            if (!outcome.decode_error.empty()) { // a body that is not the model refills no budget
                wacht::error failure{errc::decode_failed,
                                     {.http_status = outcome.status,
                                      .request_id = std::string(request_id),
                                      .body_snippet = snippet(outcome.body_head),
                                      .detail = std::move(outcome.decode_error)}};
                redact(failure, impl->options.api_key);
                co_return boxed<T>(std::move(failure));
            }
            impl->on_success();
            if constexpr (std::is_void_v<T>)
                co_return boxed<T>(result<void>{});
            else
                co_return boxed<T>(std::move(model));
        }
        auto failure = outcome.code ? wacht::error{outcome.code,
                                                   {.request_id = std::string(request_id),
                                                    .detail = std::move(outcome.detail),
                                                    .cause = outcome.cause,
                                                    .proxy_status = outcome.proxy_status}}
                                    : http_error(outcome, std::string(request_id));
        redact(failure, impl->options.api_key);
        // A reused keep-alive connection the server closed just as the request went out: replayed once,
        // at once, on a newly opened connection (not an attempt, no token) when it is idempotent and
        // nothing of a response came back. The only place besides the retry below that sends again.
        new_connection = false;
        if (!replayed && outcome.reused_connection && spec.idempotent && !outcome.response_started &&
            (outcome.code == errc::read_failed || outcome.code == errc::write_failed)) {
            replayed = new_connection = true;
            if (events)
                emit(*events->to, &observer::on_retry_scheduled,
                     retry_scheduled_event{events->context, attempt, retry_reason::stale_connection, {}});
            --attempt;
            continue;
        }
        if (attempt >= policy.max_attempts || !retryable(outcome, spec.idempotent, policy))
            co_return boxed<T>(std::move(failure));
        // A 429 waits what the server asked for; everything else backs off with jitter.
        const auto wait =
            outcome.status == 429 && failure.diagnostics.retry_after
                ? std::chrono::duration_cast<std::chrono::milliseconds>(*failure.diagnostics.retry_after)
                : backoff(policy, attempt);
        if (clock_type::now() + wait >= deadline || !impl->take_retry_token())
            co_return boxed<T>(std::move(failure)); // no time or no budget left: the last failure stands
        if (events)
            emit(*events->to, &observer::on_retry_scheduled,
                 retry_scheduled_event{events->context, attempt + 1, reason_of(outcome), wait});
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, wait);
        bool cancelled = false;
        try {
            auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            cancelled = static_cast<bool>(ec);
        } catch (const boost::system::system_error& e) {
            if (e.code() != boost::asio::error::operation_aborted)
                throw;
            cancelled = true;
        }
        if (cancelled)
            co_return boxed<T>(wacht::error{errc::cancelled,
                                            {.request_id = failure.diagnostics.request_id,
                                             .detail = "cancelled while waiting to retry"}});
    }
}

// The events' view of a call: route template, ids and trace context, and the path and query only when
// the options opt in.
call_context context_of(const client_impl& impl, const request_spec& spec, const call_control* control,
                        std::string_view request_id)
{
    call_context c;
    c.method = method_name(spec.method);
    c.route = spec.route;
    c.request_id = request_id;
    if (control) {
        c.traceparent = control->traceparent;
        c.tracestate = control->tracestate;
    }
    const std::string_view target = spec.target;
    const auto question = target.find('?');
    if (impl.options.event_fields.path)
        c.path = target.substr(0, question);
    if (impl.options.event_fields.query && question != std::string_view::npos)
        c.query = target.substr(question + 1);
    return c;
}

template <class T>
void finish(call_events& events, clock_type::time_point started, const result<T>& outcome)
{
    call_finished_event finished{events.context};
    finished.attempts = events.attempts;
    finished.http_status = events.http_status;
    finished.elapsed = clock_type::now() - started;
    if (!outcome.has_value()) {
        finished.code = outcome.error().code;
        finished.detail = outcome.error().diagnostics.detail;
        finished.between_attempts = events.attempts > 0 && finished.code != events.last_attempt_code;
    }
    emit(*events.to, &observer::on_call_finished, finished);
}

// What a call keeps from its start to its end besides its request and settings (prepared before its
// frame's first suspension, so that the frame holds only these while the call waits).
struct call_start
{
    std::array<char, 32> random_id{};
    std::string_view request_id;
    std::unique_ptr<call_events> events;             // only for an observer
    std::unique_ptr<const std::string> header_lines; // only for a call with its own headers
    clock_type::time_point started;
    clock_type::time_point deadline;
    std::unique_ptr<wacht::error> rejected; // why the call ends before anything is sent
};

// The call's request id, its events, headers and deadline; false (and `rejected` says why) when it ends
// before anything is sent: invalid arguments, a deadline already over.
bool prepare(const client_impl& impl, request_spec& spec, const call_settings& settings, call_start& call)
{
    const call_control* control = settings.control.get();
    // One X-Request-Id per call, kept by every attempt: the caller's, or a random one.
    if (control && !control->request_id.empty()) {
        call.request_id = control->request_id;
    } else {
        random_hex(call.random_id);
        call.request_id = std::string_view(call.random_id.data(), call.random_id.size());
    }
    if (spec.argument_error.empty() && control && !control->argument_error.empty())
        spec.argument_error = control->argument_error;
    if (!spec.argument_error.empty())
        call.request_id = {}; // nothing will be sent
    call.started = clock_type::now();
    if (impl.events) {
        call.events = std::make_unique<call_events>();
        call.events->to = impl.events.get();
        call.events->context = context_of(impl, spec, control, call.request_id);
        spec.timed = true;
        emit(*call.events->to, &observer::on_call_started, call_started_event{call.events->context});
    }
    if (!spec.argument_error.empty()) {
        call.rejected = std::make_unique<wacht::error>(
            wacht::error{errc::invalid_argument, {.detail = spec.argument_error.str()}});
        return false;
    }
    if (control && (!control->headers.empty() || !control->traceparent.empty())) {
        call.header_lines =
            std::make_unique<const std::string>(call_header_lines(impl.options.default_headers, *control));
        spec.extra_headers = call.header_lines.get();
    }
    call.deadline =
        saturating_deadline(call.started, settings.deadline.value_or(impl.options.timeouts.call_deadline));
    if (control && control->ends_at)
        call.deadline = std::min(call.deadline, *control->ends_at);
    if (call.started >= call.deadline) { // nothing is sent once the deadline is over
        call.rejected = std::make_unique<wacht::error>(
            wacht::error{errc::deadline_exceeded,
                         {.request_id = std::string(call.request_id),
                          .detail = "the call's deadline was over before the request was sent"}});
        return false;
    }
    return true;
}

// Every outcome is reported through this, so that observers see how each call ended.
template <class T>
result<T> ended(const call_start& call, result<T> outcome)
{
    if (call.events)
        finish(*call.events, call.started, outcome);
    return outcome;
}

wacht::error cancelled_waiting(const call_start& call, std::error_code cause)
{
    return wacht::error{errc::cancelled,
                        {.request_id = std::string(call.request_id),
                         .detail = "cancelled while waiting for a pooled connection",
                         .cause = cause}};
}

} // namespace

template <class T>
boost::asio::awaitable<result<T>> execute(std::shared_ptr<client_impl> impl, request_spec spec,
                                          call_settings settings)
{
    call_start call;
    if (!prepare(*impl, spec, settings, call))
        co_return ended<T>(call, std::move(*call.rejected));
    // A call waits for the pool here, holding only its request, settings and call_start: no model yet.
    std::unique_ptr<reservation> reserved;
    try {
        reserved = impl->transport->reserve(call.deadline);
        if (reserved->waiting())
            co_await impl->transport->wait(*reserved);
    } catch (const boost::system::system_error& e) {
        if (e.code() != boost::asio::error::operation_aborted)
            throw;
        co_return ended<T>(call, cancelled_waiting(call, e.code()));
    }
    std::unique_ptr<result<T>> outcome;
    try {
        // Asio throws operation_aborted into a co_await once cancellation was requested (a waiter the
        // pool let go on cancellation comes back here with its reservation saying so).
        outcome = co_await attempts<T>(
            impl.get(), spec, settings, call.request_id, call.events.get(), call.deadline,
            std::move(reserved), call.events ? clock_type::now() - call.started : clock_type::duration{});
    } catch (const boost::system::system_error& e) {
        if (e.code() != boost::asio::error::operation_aborted)
            throw;
        co_return ended<T>(call, cancelled_waiting(call, e.code()));
    }
    co_return ended<T>(call, std::move(*outcome));
}

#define WACHT_INSTANTIATE_EXECUTE(T)                                                                         \
    template boost::asio::awaitable<result<T>> execute<T>(std::shared_ptr<client_impl>, request_spec,        \
                                                          call_settings);

WACHT_INSTANTIATE_EXECUTE(void)
WACHT_INSTANTIATE_EXECUTE(user)
WACHT_INSTANTIATE_EXECUTE(user_details)
WACHT_INSTANTIATE_EXECUTE(user_page)
WACHT_INSTANTIATE_EXECUTE(user_email)
WACHT_INSTANTIATE_EXECUTE(user_phone)
WACHT_INSTANTIATE_EXECUTE(social_connection_list)
WACHT_INSTANTIATE_EXECUTE(sign_in_list)
WACHT_INSTANTIATE_EXECUTE(revoke_all_result)
WACHT_INSTANTIATE_EXECUTE(passkey_list)
WACHT_INSTANTIATE_EXECUTE(authenticator_created)
WACHT_INSTANTIATE_EXECUTE(backup_codes)
WACHT_INSTANTIATE_EXECUTE(organization_membership_list)
WACHT_INSTANTIATE_EXECUTE(workspace_membership_list)
WACHT_INSTANTIATE_EXECUTE(invitation)
WACHT_INSTANTIATE_EXECUTE(invitation_page)
WACHT_INSTANTIATE_EXECUTE(waitlist_page)

} // namespace wacht::detail
