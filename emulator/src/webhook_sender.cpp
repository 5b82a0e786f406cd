// SPDX-License-Identifier: BSL-1.0
#include "webhook_sender.hpp"

#include "frontend_state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <thread>

namespace wacht::emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr auto poll_interval = std::chrono::milliseconds(100);
} // namespace

struct webhook_sender::impl
{
    api& backend;
    asio::io_context io{1};
    asio::steady_timer timer{io};
    std::atomic<bool> stopping{false};
    std::once_flag stopped;
    std::thread thread;

    explicit impl(api& b) : backend(b)
    {
        backend.set_webhook_listener([this] { asio::post(io, [this] { timer.cancel(); }); });
        asio::co_spawn(io, run(), asio::detached);
        thread = std::thread([this] { io.run(); });
    }

    asio::awaitable<void> run()
    {
        while (!stopping) {
            for (auto& order : backend.take_due_webhook_attempts())
                asio::co_spawn(io, attempt(std::move(order)), asio::detached);
            auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(poll_interval);
            if (const auto next = backend.next_webhook_due())
                wait = std::clamp(std::chrono::nanoseconds(*next - backend.now()),
                                  std::chrono::nanoseconds(0), wait);
            timer.expires_after(wait);
            co_await timer.async_wait(nothrow_awaitable);
        }
    }

    // One POST (§10.1); its outcome goes back to the outbox, which schedules what follows.
    asio::awaitable<void> attempt(webhook_attempt_order order)
    {
        webhook_attempt_outcome outcome;
        const auto url = parse_http_url(order.url);
        beast::tcp_stream stream(io);
        stream.expires_after(order.timeout);
        beast::error_code ec;
        if (!url) {
            outcome.error = "bad url";
        } else {
            tcp::resolver resolver(io);
            auto [resolve_ec, endpoints] =
                co_await resolver.async_resolve(url->host, std::to_string(url->port), nothrow_awaitable);
            ec = resolve_ec;
            if (!ec) {
                auto [connect_ec, connected] = co_await stream.async_connect(endpoints, nothrow_awaitable);
                ec = connect_ec;
            }
            http::request<http::string_body> request{http::verb::post, url->target, 11};
            request.set(http::field::host, url->host + ":" + std::to_string(url->port));
            request.set(http::field::content_type, "application/json");
            request.set(http::field::user_agent, "Wacht-Webhook/1.0");
            request.set("webhook-id", order.webhook_id);
            request.set("webhook-timestamp", order.webhook_timestamp);
            request.set("webhook-signature", order.webhook_signature);
            request.body() = std::move(order.body);
            request.prepare_payload();
            if (!ec) {
                auto [write_ec, written] = co_await http::async_write(stream, request, nothrow_awaitable);
                ec = write_ec;
            }
            beast::flat_buffer buffer;
            http::response_parser<http::string_body> parser;
            parser.body_limit(1024 * 1024);
            if (!ec) {
                auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, nothrow_awaitable);
                ec = read_ec;
            }
            if (!ec) {
                outcome.status = static_cast<int>(parser.get().result_int());
                if (const auto it = parser.get().find(http::field::retry_after); it != parser.get().end())
                    outcome.retry_after = std::string(it->value());
            } else {
                outcome.error = ec == beast::error::timeout ? "timeout" : ec.message();
            }
        }
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        if (!stopping) {
            backend.complete_webhook_attempt(order.delivery, outcome);
            timer.cancel(); // the next retry may be sooner than the timer
        }
    }

    void stop()
    {
        std::call_once(stopped, [this] {
            stopping = true;
            backend.set_webhook_listener({});
            io.stop();
            if (thread.joinable())
                thread.join();
        });
    }
};

webhook_sender::webhook_sender(api& backend) : impl_(std::make_unique<impl>(backend)) {}

webhook_sender::~webhook_sender()
{
    stop();
}

void webhook_sender::stop()
{
    impl_->stop();
}

} // namespace wacht::emulator
