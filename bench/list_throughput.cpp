// Throughput of users().list().limit(10).send() against the in-process emulator over TLS, beside a
// minimal hand-written Beast + Boost.JSON loop doing the same requests in the same run.
//
// The emulator's thread is pinned to CPU 0 and the client to CPU 1 when the machine has two or more.
// For each of 1, 8 and 64 calls in flight it prints requests/s, client CPU microseconds per request
// (RUSAGE_THREAD of the client thread), p50 and p99 latency, and the SDK's ratios to the loop.
//
// usage: bench_list_throughput [requests per run, default 4000]
#include "server.hpp"

#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <pthread.h>
#include <sched.h>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using clock_type = std::chrono::steady_clock;

namespace {

void pin_to_cpu(int cpu)
{
    if (std::thread::hardware_concurrency() < 2)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

double thread_cpu_seconds()
{
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct figures
{
    double requests_per_second = 0;
    double cpu_us_per_request = 0;
    double p50_us = 0;
    double p99_us = 0;
};

// Runs `in_flight` workers, each doing calls one after another until `total` calls are done.
// `call` is a coroutine factory taking the worker index and returning awaitable<bool> (success).
template <class Call>
figures measure(asio::io_context& io, int in_flight, int total, Call call)
{
    std::vector<double> latencies;
    latencies.reserve(static_cast<std::size_t>(total));
    int issued = 0;
    int failures = 0;
    const auto cpu_before = thread_cpu_seconds();
    const auto started = clock_type::now();
    for (int w = 0; w < in_flight; ++w)
        asio::co_spawn(
            io,
            [&, w]() -> asio::awaitable<void> {
                while (issued < total) {
                    ++issued;
                    const auto t0 = clock_type::now();
                    const bool ok = co_await call(w);
                    latencies.push_back(
                        std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
                    failures += ok ? 0 : 1;
                }
            },
            asio::detached);
    io.restart();
    io.run();
    const double wall = std::chrono::duration<double>(clock_type::now() - started).count();
    const double cpu = thread_cpu_seconds() - cpu_before;
    if (failures != 0)
        std::fprintf(stderr, "warning: %d failed calls\n", failures);
    std::sort(latencies.begin(), latencies.end());
    const auto at = [&](double q) { return latencies[static_cast<std::size_t>(q * (latencies.size() - 1))]; };
    return {total / wall, cpu / total * 1e6, at(0.50), at(0.99)};
}

// The reference: one keep-alive TLS connection per worker, a request written by hand, the body parsed
// into a Boost.JSON DOM.
class reference_loop
{
public:
    reference_loop(asio::io_context& io, const wacht::emulator::server& server, int connections)
        : io_(io), ssl_(asio::ssl::context::tls_client), key_("Bearer " + server.api_key())
    {
        ssl_.add_certificate_authority(asio::buffer(server.ca_pem()));
        ssl_.set_verify_mode(asio::ssl::verify_peer);
        endpoint_ = {asio::ip::make_address("127.0.0.1"), server.port()};
        host_ = "127.0.0.1:" + std::to_string(server.port());
        for (int i = 0; i < connections; ++i)
            streams_.push_back(std::make_unique<stream>(io_, ssl_));
    }

    asio::awaitable<void> connect_all()
    {
        for (auto& s : streams_) {
            co_await beast::get_lowest_layer(s->tls).async_connect(endpoint_, asio::use_awaitable);
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->tls.native_handle()), "127.0.0.1");
            co_await s->tls.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
        }
    }

    asio::awaitable<bool> call(int worker)
    {
        auto& s = *streams_[static_cast<std::size_t>(worker)];
        http::request<http::empty_body> request{http::verb::get, "/users?limit=10", 11};
        request.set(http::field::host, host_);
        request.set(http::field::authorization, key_);
        request.set(http::field::accept, "application/json");
        co_await http::async_write(s.tls, request, asio::use_awaitable);
        http::response<http::string_body> response;
        co_await http::async_read(s.tls, s.buffer, response, asio::use_awaitable);
        const auto body = boost::json::parse(response.body());
        co_return response.result_int() == 200 && body.as_object().at("data").as_array().size() == 10;
    }

private:
    struct stream
    {
        stream(asio::io_context& io, asio::ssl::context& ssl) : tls(io, ssl) {}
        beast::ssl_stream<beast::tcp_stream> tls;
        beast::flat_buffer buffer;
    };
    asio::io_context& io_;
    asio::ssl::context ssl_;
    std::string key_;
    std::string host_;
    asio::ip::tcp::endpoint endpoint_;
    std::vector<std::unique_ptr<stream>> streams_;
};

} // namespace

int main(int argc, char** argv)
{
    const int total = argc > 1 ? std::atoi(argv[1]) : 4000;
    pin_to_cpu(0); // the emulator's thread inherits this
    wacht::emulator::server_options server_options;
    server_options.api.seed_users = 10;
    wacht::emulator::server server(server_options);
    pin_to_cpu(1); // the client: this thread

    asio::io_context io;
    wacht::client_options options;
    options.base_url = server.base_url();
    options.api_key = server.api_key();
    options.tls.use_system_roots = false;
    options.tls.ca_pem = server.ca_pem();
    wacht::client client(io.get_executor(), options);

    std::printf("GET /users?limit=10 over TLS, %d requests per run, client on one thread\n", total);
    std::printf("%-10s %9s %12s %14s %10s %10s %14s %14s\n", "client", "in-flight", "requests/s",
                "cpu us/request", "p50 us", "p99 us", "throughput x", "cpu x");
    for (const int in_flight : {1, 8, 64}) {
        reference_loop loop(io, server, in_flight);
        auto connect = asio::co_spawn(io, loop.connect_all(), asio::use_future);
        io.restart();
        io.run();
        connect.get();
        const auto sdk_call = [&](int) -> asio::awaitable<bool> {
            auto page = co_await client.users().list().limit(10).try_send();
            co_return page.has_value() && page->data.size() == 10;
        };
        const auto loop_call = [&](int worker) { return loop.call(worker); };
        // Warm both (connections, TLS sessions, allocator), then measure.
        measure(io, in_flight, std::max(200, in_flight * 4), sdk_call);
        measure(io, in_flight, std::max(200, in_flight * 4), loop_call);
        const auto reference = measure(io, in_flight, total, loop_call);
        const auto sdk = measure(io, in_flight, total, sdk_call);
        std::printf("%-10s %9d %12.0f %14.1f %10.0f %10.0f %14s %14s\n", "hand loop", in_flight,
                    reference.requests_per_second, reference.cpu_us_per_request, reference.p50_us,
                    reference.p99_us, "1.00", "1.00");
        std::printf("%-10s %9d %12.0f %14.1f %10.0f %10.0f %14.2f %14.2f\n", "wacht-cpp", in_flight,
                    sdk.requests_per_second, sdk.cpu_us_per_request, sdk.p50_us, sdk.p99_us,
                    sdk.requests_per_second / reference.requests_per_second,
                    sdk.cpu_us_per_request / reference.cpu_us_per_request);
    }
    return 0;
}
