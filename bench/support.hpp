// SPDX-License-Identifier: BSL-1.0
// What every benchmark shares: the emulator in a child process pinned to its own CPU, CPU time and
// memory readings, allocation counting, and the hand-written Beast + Boost.JSON reference client.
//
// The emulator runs out of process so that the client's CPU time, instruction counts, allocations and
// RSS are the client's alone.
#pragma once

#include <wacht/wacht.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bench {

/// The three calls every figure is measured for.
enum class call_kind
{
    list_10,  // GET /users?limit=10
    details,  // GET /users/{id}/details
    list_100, // GET /users?limit=100
};

const char* name(call_kind call);
call_kind call_from_name(const std::string& text); // throws std::invalid_argument

/// wacht-emulator in a child process, over TLS on 127.0.0.1, seeded with `users` users and pinned to
/// CPU 0 when the machine has two or more. Stopped (SIGTERM, then waited for) on destruction.
class emulator_process
{
public:
    explicit emulator_process(std::size_t users, std::vector<std::string> extra_args = {});
    ~emulator_process();
    emulator_process(const emulator_process&) = delete;
    emulator_process& operator=(const emulator_process&) = delete;

    const std::string& base_url() const { return url_; }
    std::uint16_t port() const { return port_; }
    const std::string& ca_pem() const { return ca_pem_; }
    /// The CA certificate as a file, for clients that read one (NODE_EXTRA_CA_CERTS).
    std::string ca_file() const { return work_dir_ + "/ca.pem"; }
    static constexpr const char* api_key = "bench-key";
    /// The path of a seeded user's details (the first seeded user has an email and a phone).
    std::string details_target() const { return "/users/" + first_user_id_ + "/details"; }
    const std::string& first_user_id() const { return first_user_id_; }

private:
    pid_t pid_ = -1;
    std::string url_;
    std::uint16_t port_ = 0;
    std::string ca_pem_;
    std::string first_user_id_;
    std::string work_dir_;
};

/// Pins the calling thread to `cpu` (no-op on a one-CPU machine).
void pin_to_cpu(int cpu);
/// User + system CPU seconds of the whole process, and the system (kernel) part alone.
double process_cpu_seconds();
double process_system_cpu_seconds();
/// Peak resident set (VmHWM) and current resident set (VmRSS) of this process, in KiB.
std::size_t peak_rss_kib();
std::size_t current_rss_kib();
/// Bytes the C heap has handed out and not taken back (mallinfo2 uordblks + mmapped).
std::size_t heap_in_use_bytes();

/// Allocations made by this process since start: C++ operator new, plus OpenSSL's own (counted
/// through CRYPTO_set_mem_functions, which install_openssl_counting() must set before OpenSSL allocates).
std::uint64_t allocations();
void install_openssl_counting();

/// The reference: one keep-alive TLS connection per worker, the request written with Beast's message
/// type, each body parsed into a Boost.JSON DOM with boost::json::parse and checked.
class reference_client
{
public:
    reference_client(boost::asio::io_context& io, const emulator_process& emulator, int connections);
    ~reference_client();
    boost::asio::awaitable<void> connect_all();
    /// One call on the worker's connection; true when the status is 200 and the body has the shape.
    boost::asio::awaitable<bool> call(int worker, call_kind call);

private:
    struct stream
    {
        stream(boost::asio::io_context& io, boost::asio::ssl::context& ssl) : tls(io, ssl) {}
        boost::asio::ssl::stream<boost::beast::tcp_stream> tls;
        boost::beast::flat_buffer buffer;
    };
    boost::asio::ssl::context ssl_;
    std::string key_;
    std::string host_;
    std::string details_target_;
    boost::asio::ip::tcp::endpoint endpoint_;
    std::vector<std::unique_ptr<stream>> streams_;
};

/// Options for a wacht::client of the emulator (its URL, key and CA).
wacht::client_options client_options(const emulator_process& emulator);

/// One SDK call of the given kind (details of `user_id`); true when it returned the expected model.
boost::asio::awaitable<bool> sdk_call(wacht::client& client, call_kind call, const std::string& user_id);

/// Latency and throughput of `in_flight` workers doing `total` calls between them on `io` (run by this
/// thread), with process CPU and allocations per call.
struct figures
{
    double requests_per_second = 0;
    double cpu_us_per_call = 0;
    double system_cpu_us_per_call = 0; // the kernel's part of cpu_us_per_call (sockets, TCP on loopback)
    double p50_us = 0;
    double p99_us = 0;
    double allocations_per_call = 0;
    int failures = 0;
};

/// A target a figure is held to, if any.
struct goal
{
    enum kind
    {
        none,
        ratio_at_most,  // wacht-cpp / reference <= bound
        ratio_at_least, // wacht-cpp / reference >= bound
        value_below,    // wacht-cpp < bound (an absolute limit, in the figure's unit)
    } type = none;
    double bound = 0;
};

/// One line of bench/run's table: "row<TAB>figure<TAB>case<TAB>wacht-cpp<TAB>reference<TAB>ratio<TAB>target
/// <TAB>met|missed|-".
std::string row(const std::string& figure, const std::string& what, double sdk, double reference,
                goal target);

using call_function = std::function<boost::asio::awaitable<bool>(int worker)>;
figures measure(boost::asio::io_context& io, int in_flight, int total, const call_function& call);

/// Each figure's median over several runs (failures summed): this shared machine's speed drifts, and
/// runs of the two clients are interleaved so that both see the same drift.
figures median(std::vector<figures> runs);

} // namespace bench
