// SPDX-License-Identifier: BSL-1.0
#include "support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <openssl/crypto.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// ---- allocation counting -----------------------------------------------------------------------------
namespace {
// One counter per thread, each on its own cache line, summed when read: a single shared counter would
// make the threads of a scaling benchmark contend for its line at every allocation, and measure that.
struct alignas(64) thread_counter
{
    std::atomic<std::uint64_t> count{0};
};
constexpr std::size_t counter_slots = 256; // more threads than this share slots (still counted exactly)
thread_counter counters[counter_slots];
std::atomic<std::size_t> next_slot{0};

void count_allocation() noexcept
{
    thread_local std::size_t slot = next_slot.fetch_add(1, std::memory_order_relaxed) % counter_slots;
    counters[slot].count.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

void* operator new(std::size_t size)
{
    count_allocation();
    if (void* p = std::malloc(size == 0 ? 1 : size))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size)
{
    return operator new(size);
}
void* operator new(std::size_t size, std::align_val_t align)
{
    count_allocation();
    const auto a = static_cast<std::size_t>(align);
    if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept
{
    std::free(p);
}
void operator delete[](void* p) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept
{
    std::free(p);
}

namespace bench {

std::uint64_t allocations()
{
    std::uint64_t total = 0;
    for (const auto& c : counters)
        total += c.count.load(std::memory_order_relaxed);
    return total;
}

void install_openssl_counting()
{
    const int installed = CRYPTO_set_mem_functions(
        [](std::size_t n, const char*, int) -> void* {
            count_allocation();
            return std::malloc(n);
        },
        [](void* p, std::size_t n, const char*, int) -> void* {
            count_allocation();
            return std::realloc(p, n);
        },
        [](void* p, const char*, int) { std::free(p); });
    if (installed != 1) // OpenSSL allocated before main: its allocations would go uncounted
        throw std::runtime_error("CRYPTO_set_mem_functions failed; OpenSSL's allocations cannot be counted");
}

const char* name(call_kind call)
{
    switch (call) {
    case call_kind::list_10:
        return "list-10";
    case call_kind::details:
        return "details";
    case call_kind::list_100:
        return "list-100";
    }
    return "?";
}

call_kind call_from_name(const std::string& text)
{
    for (auto c : {call_kind::list_10, call_kind::details, call_kind::list_100})
        if (text == name(c))
            return c;
    throw std::invalid_argument("unknown call " + text);
}

// ---- the emulator process ----------------------------------------------------------------------------

emulator_process::emulator_process(std::size_t users, std::vector<std::string> extra_args)
{
    char dir_template[] = "/tmp/wacht-bench-XXXXXX";
    if (!mkdtemp(dir_template))
        throw std::runtime_error("mkdtemp failed");
    work_dir_ = dir_template;
    const auto ca_file = work_dir_ + "/ca.pem";
    const auto log_file = work_dir_ + "/emulator.log";
    std::vector<std::string> args{WACHT_EMULATOR_PATH,   "--port",   "0",    "--api-key", api_key, "--seed",
                                  std::to_string(users), "--ca-out", ca_file};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    // For profiling the emulator itself, e.g. WACHT_BENCH_EMULATOR_WRAPPER="valgrind --tool=callgrind".
    if (const char* wrapper = std::getenv("WACHT_BENCH_EMULATOR_WRAPPER")) {
        std::istringstream words(wrapper);
        std::vector<std::string> prefix{std::istream_iterator<std::string>(words), {}};
        args.insert(args.begin(), prefix.begin(), prefix.end());
    }
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int rc = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        throw std::runtime_error(std::string("cannot start ") + WACHT_EMULATOR_PATH);
    if (std::thread::hardware_concurrency() >= 2) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        sched_setaffinity(pid_, sizeof set, &set);
    }
    // Wait (at most 60 s, for a wrapped emulator) for "listening on <url>" and the CA file.
    for (int i = 0; i < 6000 && url_.empty(); ++i) {
        std::ifstream log(log_file);
        std::string line;
        while (std::getline(log, line))
            if (line.rfind("listening on ", 0) == 0)
                url_ = line.substr(13);
        int status = 0;
        if (url_.empty() && waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("the emulator exited at start-up; see " + log_file);
        }
        if (url_.empty())
            usleep(10'000);
    }
    if (url_.empty())
        throw std::runtime_error("the emulator did not start in 60 s");
    port_ = static_cast<std::uint16_t>(std::stoi(url_.substr(url_.rfind(':') + 1)));
    std::ifstream ca(ca_file);
    std::ostringstream text;
    text << ca.rdbuf();
    ca_pem_ = text.str();
    if (users > 0) {
        // The oldest seeded user, who has a username, an email and a phone.
        asio::io_context io;
        asio::ssl::context ssl(asio::ssl::context::tls_client);
        ssl.add_certificate_authority(asio::buffer(ca_pem_));
        ssl.set_verify_mode(asio::ssl::verify_peer);
        asio::ssl::stream<beast::tcp_stream> tls(io, ssl);
        beast::get_lowest_layer(tls).connect({asio::ip::make_address("127.0.0.1"), port_});
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls.native_handle()), "127.0.0.1");
        tls.handshake(asio::ssl::stream_base::client);
        http::request<http::empty_body> request{http::verb::get,
                                                "/users?limit=1&sort_key=created_at&sort_order=asc", 11};
        request.set(http::field::host, "127.0.0.1");
        request.set(http::field::authorization, std::string("Bearer ") + api_key);
        http::write(tls, request);
        beast::flat_buffer buffer;
        http::response<http::string_body> response;
        http::read(tls, buffer, response);
        const auto body = boost::json::parse(response.body());
        first_user_id_ = std::string(body.at("data").at(0).at("id").as_string());
    }
}

emulator_process::~emulator_process()
{
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    std::remove((work_dir_ + "/ca.pem").c_str());
    std::remove((work_dir_ + "/emulator.log").c_str());
    rmdir(work_dir_.c_str());
}

// ---- readings ----------------------------------------------------------------------------------------

void pin_to_cpu(int cpu)
{
    if (std::thread::hardware_concurrency() < 2)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

double process_cpu_seconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double process_system_cpu_seconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_stime.tv_sec) + static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
}

namespace {
std::size_t status_kib(const char* key)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(key) + ":";
    while (std::getline(status, line))
        if (line.rfind(prefix, 0) == 0)
            return std::stoul(line.substr(prefix.size()));
    return 0;
}
} // namespace

std::size_t peak_rss_kib()
{
    return status_kib("VmHWM");
}
std::size_t current_rss_kib()
{
    return status_kib("VmRSS");
}

std::size_t heap_in_use_bytes()
{
    const auto info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

// ---- the reference client ----------------------------------------------------------------------------

reference_client::reference_client(asio::io_context& io, const emulator_process& emulator, int connections)
    : ssl_(asio::ssl::context::tls_client),
      key_(std::string("Bearer ") + emulator_process::api_key),
      host_("127.0.0.1:" + std::to_string(emulator.port())),
      details_target_(emulator.details_target()),
      endpoint_(asio::ip::make_address("127.0.0.1"), emulator.port())
{
    ssl_.add_certificate_authority(asio::buffer(emulator.ca_pem()));
    ssl_.set_verify_mode(asio::ssl::verify_peer);
    for (int i = 0; i < connections; ++i)
        streams_.push_back(std::make_unique<stream>(io, ssl_));
}

reference_client::~reference_client() = default;

asio::awaitable<void> reference_client::connect_all()
{
    for (auto& s : streams_) {
        co_await beast::get_lowest_layer(s->tls).async_connect(endpoint_, asio::use_awaitable);
        beast::get_lowest_layer(s->tls).socket().set_option(asio::ip::tcp::no_delay(true));
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->tls.native_handle()), "127.0.0.1");
        co_await s->tls.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    }
}

asio::awaitable<bool> reference_client::call(int worker, call_kind call)
{
    auto& s = *streams_[static_cast<std::size_t>(worker)];
    const char* target = call == call_kind::list_10    ? "/users?limit=10"
                         : call == call_kind::list_100 ? "/users?limit=100"
                                                       : details_target_.c_str();
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, host_);
    request.set(http::field::authorization, key_);
    request.set(http::field::accept, "application/json");
    co_await http::async_write(s.tls, request, asio::use_awaitable);
    http::response<http::string_body> response;
    co_await http::async_read(s.tls, s.buffer, response, asio::use_awaitable);
    const auto body = boost::json::parse(response.body());
    if (response.result_int() != 200)
        co_return false;
    if (call == call_kind::details)
        co_return body.as_object().contains("id");
    co_return body.as_object().at("data").as_array().size() == (call == call_kind::list_10 ? 10u : 100u);
}

std::string row(const std::string& figure, const std::string& what, double sdk, double reference, goal target)
{
    const double ratio = reference > 0 ? sdk / reference : 0;
    char target_text[64] = "-";
    bool met = true;
    switch (target.type) {
    case goal::none:
        break;
    case goal::ratio_at_most:
        std::snprintf(target_text, sizeof target_text, "<= %.3gx", target.bound);
        met = ratio <= target.bound;
        break;
    case goal::ratio_at_least:
        std::snprintf(target_text, sizeof target_text, ">= %.3gx", target.bound);
        met = ratio >= target.bound;
        break;
    case goal::value_below:
        std::snprintf(target_text, sizeof target_text, "< %.4g", target.bound);
        met = sdk < target.bound;
        break;
    }
    char line[512];
    std::snprintf(line, sizeof line, "row\t%s\t%s\t%.1f\t%.1f\t%.2f\t%s\t%s", figure.c_str(), what.c_str(),
                  sdk, reference, ratio, target_text,
                  target.type == goal::none ? "-"
                  : met                     ? "met"
                                            : "missed");
    return line;
}

// ---- the SDK ----------------------------------------------------------------------------------------

wacht::client_options client_options(const emulator_process& emulator)
{
    wacht::client_options options;
    options.base_url = emulator.base_url();
    options.api_key = emulator_process::api_key;
    options.tls.use_system_roots = false;
    options.tls.ca_pem = emulator.ca_pem();
    return options;
}

asio::awaitable<bool> sdk_call(wacht::client& client, call_kind call, const std::string& user_id)
{
    if (call == call_kind::details) {
        auto details = co_await client.users().details(user_id).try_send();
        co_return details.has_value() && details->id == user_id;
    }
    const int limit = call == call_kind::list_10 ? 10 : 100;
    auto page = co_await client.users().list().limit(limit).try_send();
    co_return page.has_value() && page->data.size() == static_cast<std::size_t>(limit);
}

// ---- measuring ---------------------------------------------------------------------------------------

figures measure(asio::io_context& io, int in_flight, int total, const call_function& call)
{
    std::vector<double> latencies;
    latencies.reserve(static_cast<std::size_t>(total));
    int issued = 0;
    int failures = 0;
    const auto allocations_before = allocations();
    const auto cpu_before = process_cpu_seconds();
    const auto system_before = process_system_cpu_seconds();
    const auto started = std::chrono::steady_clock::now();
    for (int w = 0; w < in_flight; ++w)
        asio::co_spawn(
            io,
            [&, w]() -> asio::awaitable<void> {
                while (issued < total) {
                    ++issued;
                    const auto t0 = std::chrono::steady_clock::now();
                    const bool ok = co_await call(w);
                    latencies.push_back(
                        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                            .count());
                    failures += ok ? 0 : 1;
                }
            },
            asio::detached);
    io.restart();
    io.run();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double cpu = process_cpu_seconds() - cpu_before;
    const double system = process_system_cpu_seconds() - system_before;
    const auto allocated = static_cast<double>(allocations() - allocations_before);
    std::sort(latencies.begin(), latencies.end());
    const auto at = [&](double q) {
        return latencies.empty() ? 0.0
                                 : latencies[static_cast<std::size_t>(q * double(latencies.size() - 1))];
    };
    return {total / wall,      cpu / total * 1e6, system / total * 1e6, at(0.50), at(0.99),
            allocated / total, failures};
}

} // namespace bench

namespace bench {

figures median(std::vector<figures> runs)
{
    const auto middle = [&](double figures::*field) {
        std::vector<double> values;
        for (const auto& r : runs)
            values.push_back(r.*field);
        std::sort(values.begin(), values.end());
        return values[values.size() / 2];
    };
    figures out;
    out.requests_per_second = middle(&figures::requests_per_second);
    out.cpu_us_per_call = middle(&figures::cpu_us_per_call);
    out.system_cpu_us_per_call = middle(&figures::system_cpu_us_per_call);
    out.p50_us = middle(&figures::p50_us);
    out.p99_us = middle(&figures::p99_us);
    out.allocations_per_call = middle(&figures::allocations_per_call);
    for (const auto& r : runs)
        out.failures += r.failures;
    return out;
}

} // namespace bench
