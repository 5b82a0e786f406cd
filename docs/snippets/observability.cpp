// SPDX-License-Identifier: BSL-1.0
// docs/observability.md: a whole program that watches its calls (events, log lines, pool statistics)
// and forwards a gateway's request id and trace context.
#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <iostream>
#include <mutex>

namespace asio = boost::asio;

// One line per finished attempt and per call: route templates, request ids, timings. Events arrive on
// the threads that run the io_context, so the output is locked.
class event_printer final : public wacht::observer
{
public:
    void on_attempt_finished(const wacht::attempt_finished_event& e) override
    {
        const auto us = [](std::chrono::nanoseconds d) {
            return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
        };
        std::lock_guard lock(mutex_);
        std::cout << "attempt " << e.attempt << ' ' << e.call.method << ' ' << e.call.route << " -> "
                  << e.http_status << (e.connection == wacht::connection_use::reused ? " (reused)" : " (new)")
                  << " connect " << us(e.timings.connect) << "us tls " << us(e.timings.tls_handshake)
                  << "us first byte " << us(e.timings.first_byte) << "us, " << e.bytes_received
                  << " bytes [request " << e.call.request_id << "]\n";
    }

    void on_call_finished(const wacht::call_finished_event& e) override
    {
        std::lock_guard lock(mutex_);
        std::cout << "call " << e.call.method << ' ' << e.call.route << ": "
                  << (e.code ? e.code.message() : "ok") << " after " << e.attempts << " attempt(s), trace "
                  << (e.call.traceparent.empty() ? "-" : e.call.traceparent) << '\n';
    }

private:
    std::mutex mutex_;
};

asio::awaitable<void> handle_inbound_request(wacht::client client)
{
    // What a gateway received from its own caller, forwarded with the call.
    const std::string inbound_request_id = "gw-2f9c41";
    const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    const wacht::user_page page = co_await client.users()
                                      .list()
                                      .limit(10)
                                      .request_id(inbound_request_id)
                                      .trace_context(traceparent)
                                      .header("X-Tenant", "acme")
                                      .send();
    std::cout << page.data.size() << " user(s)\n";
    co_await client.users().list().limit(10).send(); // on the pooled connection

    const wacht::pool_statistics pool = client.pool_statistics();
    std::cout << "pool: " << pool.open << " open, " << pool.idle << " idle, " << pool.busy << " busy, "
              << pool.waiting_calls << " waiting; " << pool.connections_opened << " opened; retry budget "
              << pool.retry_budget << '\n';
}

int main()
{
    wacht::client_options options = wacht::client_options::from_env();
    options.observer = std::make_shared<event_printer>();
    options.logger = [](wacht::log_level level, std::string_view line) {
        if (level >= wacht::log_level::info)
            std::cerr << line << '\n';
    };
    options.default_headers = {{"X-Gateway", "edge-1"}};

    asio::io_context io;
    wacht::client client(io.get_executor(), options);
    std::exception_ptr failure;
    asio::co_spawn(io, handle_inbound_request(client), [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const wacht::api_error& e) {
            std::cerr << e.what() << '\n';
            return 1;
        }
    }
}
