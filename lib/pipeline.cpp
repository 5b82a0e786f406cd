// The pipeline: argument errors, request ids, the deadline, error mapping and model decoding.
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

template <class T>
boost::asio::awaitable<result<T>> execute(std::shared_ptr<client_impl> impl, request_spec spec,
                                          call_settings settings)
{
    if (!spec.argument_error.empty()) {
        impl->log(log_level::warning, std::string("rejected before sending: ") + spec.argument_error);
        co_return wacht::error{errc::invalid_argument, {.detail = std::move(spec.argument_error)}};
    }
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + settings.deadline.value_or(impl->options.timeouts.call_deadline);
    const auto& policy = settings.retry ? *settings.retry : impl->options.retry;
    // The model the body is parsed into as it arrives (none for void calls).
    std::conditional_t<std::is_void_v<T>, std::monostate, T> model{};
    slot model_slot;
    if constexpr (!std::is_void_v<T>)
        model_slot = slot_of(model);
    const slot* body_target = std::is_void_v<T> ? nullptr : &model_slot;
    std::array<char, 32> request_id_text{};
    for (std::size_t attempt = 1;; ++attempt) {
        if (attempt > 1)
            model = {}; // nothing of a failed attempt stays
        random_hex(request_id_text);
        const std::string_view request_id(request_id_text.data(), request_id_text.size());
        exchange_outcome outcome;
        try {
            outcome = co_await impl->transport->exchange(spec, request_id, deadline, body_target);
        } catch (const boost::system::system_error& e) {
            // Asio throws operation_aborted into a coroutine whose cancellation was requested between
            // two operations; the transport has already given its connection back.
            if (e.code() != boost::asio::error::operation_aborted)
                throw;
            outcome.code = errc::cancelled;
            outcome.cause = e.code();
            outcome.request_sent = true; // unknown, and a cancelled call is never retried anyway
        }
        if (impl->options.logger) {
            const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - started);
            std::string line =
                std::string(method_name(spec.method)) + ' ' + impl->origin.path_prefix + spec.target + " -> ";
            line += outcome.code ? outcome.code.message() : std::to_string(outcome.status);
            line += " in " + std::to_string(micros.count()) + "us [request " + std::string(request_id) +
                    ", attempt " + std::to_string(attempt) + "]";
            impl->log(outcome.code || outcome.status >= 400 ? log_level::warning : log_level::debug, line);
        }
        const bool success = !outcome.code && outcome.status >= 200 && outcome.status < 300;
        if (success) {
            impl->on_success(policy);
            if (!outcome.decode_error.empty())
                co_return wacht::error{errc::decode_failed,
                                       {.http_status = outcome.status,
                                        .request_id = std::string(request_id),
                                        .body_snippet = snippet(outcome.body_head),
                                        .detail = std::move(outcome.decode_error)}};
            if constexpr (std::is_void_v<T>)
                co_return result<void>{};
            else
                co_return std::move(model);
        }
        auto failure = outcome.code ? wacht::error{outcome.code,
                                                   {.request_id = std::string(request_id),
                                                    .detail = std::move(outcome.detail),
                                                    .cause = outcome.cause}}
                                    : http_error(outcome, std::string(request_id));
        if (attempt >= policy.max_attempts || !retryable(outcome, spec.idempotent, policy))
            co_return failure;
        // A 429 waits what the server asked for; everything else backs off with jitter.
        const auto wait =
            outcome.status == 429 && failure.diagnostics.retry_after
                ? std::chrono::duration_cast<std::chrono::milliseconds>(*failure.diagnostics.retry_after)
                : backoff(policy, attempt);
        if (std::chrono::steady_clock::now() + wait >= deadline || !impl->take_retry_token(policy))
            co_return failure; // no time or no budget left: the last failure stands
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
            co_return wacht::error{
                errc::cancelled,
                {.request_id = failure.diagnostics.request_id, .detail = "cancelled while waiting to retry"}};
    }
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
