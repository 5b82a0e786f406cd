// SPDX-License-Identifier: BSL-1.0
// The gateway toolkit's speed: session-token verifications per second and CPU per verification with a
// warm JWKS cache on one and two threads, beside the OpenSSL ECDSA P-256 verify primitive measured in
// the same run (a pre-initialised EVP_PKEY_verify on a precomputed digest, as `openssl speed` does) and
// beside Node's `jose` jwtVerify on the same token; a cold cache under 1,000 concurrent verifications;
// webhook verifications of a 2 KiB body beside one bare HMAC-SHA256 of the same bytes.
// usage: bench_gateway [verifications per thread, default 20000]
#include "jwks_server.hpp"
#include "jwt_forge.hpp"
#include "support.hpp"

#include <wacht/session_verifier.hpp>
#include <wacht/webhook_verifier.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace forge = wacht::test::forge;
using clock_type = std::chrono::steady_clock;

namespace {

const std::string p1 =
    R"({"iss":"https://q7m2x9k4-t1w8e3z.fapi.trywacht.xyz","sub":"1394412856401047552","sid":"1394412856401047553","iat":1782734400,"nbf":1782734400,"exp":1782736200,"organization":"1394412856401047600","workspace":"1394412856401047700","permissions":{"organization":["org:read","org:manage_members"],"workspace":["ws:read"]}})";
const std::int64_t now_s = 1782734460;

struct rate
{
    double per_second = 0;  // all threads together
    double cpu_us_each = 0; // process CPU per operation
};

// Runs `op` `count` times on each of `threads` threads (thread i pinned to CPU i).
template <class Op>
rate run(int threads, int count, Op op)
{
    std::atomic<int> failures{0};
    const auto cpu0 = bench::process_cpu_seconds();
    const auto t0 = clock_type::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            bench::pin_to_cpu(t);
            for (int i = 0; i < count; ++i)
                if (!op())
                    ++failures;
        });
    for (auto& th : pool)
        th.join();
    const double wall = std::chrono::duration<double>(clock_type::now() - t0).count();
    const double cpu = bench::process_cpu_seconds() - cpu0;
    if (failures)
        throw std::runtime_error("an operation failed in the benchmark");
    const double total = static_cast<double>(threads) * count;
    return {total / wall, cpu / total * 1e6};
}

struct node_rate
{
    double per_second = 0;
    double cpu_us_each = 0;
};

node_rate run_jose(const std::string& token, const std::string& jwk, int count)
{
    const std::string dir = "/tmp/wacht-bench-jose";
    if (!std::filesystem::exists(dir + "/node_modules/jose")) {
        std::filesystem::create_directories(dir);
        if (std::system(("cd " + dir +
                         " && npm init -y >/dev/null 2>&1 && npm install --no-audit --no-fund "
                         "--loglevel=error jose@5 >/dev/null 2>&1")
                            .c_str()) != 0)
            return {};
    }
    setenv("BENCH_JOSE_DIR", dir.c_str(), 1);
    setenv("BENCH_TOKEN", token.c_str(), 1);
    setenv("BENCH_JWK", jwk.c_str(), 1);
    setenv("BENCH_NOW", std::to_string(now_s).c_str(), 1);
    setenv("BENCH_COUNT", std::to_string(count).c_str(), 1);
    const std::string pin = std::thread::hardware_concurrency() >= 2 ? "taskset -c 1 " : "";
    node_rate r;
    if (FILE* out = popen((pin + "node " WACHT_SOURCE_DIR "/bench/jose_verify.mjs").c_str(), "r")) {
        char line[256];
        while (std::fgets(line, sizeof line, out))
            std::sscanf(line, "verifications_per_second %lf cpu_us_per_verification %lf", &r.per_second,
                        &r.cpu_us_each);
        if (pclose(out) != 0)
            r = {};
    }
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    bench::install_openssl_counting(); // before OpenSSL allocates anything
    const int count = argc > 1 ? std::atoi(argv[1]) : 20000;
    const auto key = forge::contract_test_key();
    const std::string header = R"({"alg":"ES256","kid":"wacht-test-key-1","typ":"JWT"})";
    const std::string token = forge::es256(header, p1, key);
    const std::string jwk_members = forge::jwk_members(key);

    // The JWKS over HTTPS on loopback, fetched once: then every verification is on the warm path.
    wacht::test::jwks_server server;
    server.set_document("{\"keys\":[{\"kid\":\"wacht-test-key-1\",\"use\":\"sig\",\"alg\":\"ES256\"," +
                        jwk_members + "}]}");
    boost::asio::io_context io;
    wacht::session_verifier_options o;
    o.frontend_api_url = server.origin();
    o.issuer = "https://q7m2x9k4-t1w8e3z.fapi.trywacht.xyz";
    o.tls.use_system_roots = false;
    o.tls.ca_pem = server.ca_pem();
    o.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(now_s)); };
    wacht::session_verifier verifier(io.get_executor(), o);
    auto warm = boost::asio::co_spawn(io, verifier.prefetch(), boost::asio::use_future);
    io.run();
    if (!warm.get().empty() || !verifier.verify(token).has_value()) {
        std::cerr << "the warm-up verification failed\n";
        return 1;
    }

    // The primitive: ECDSA P-256 verify of a precomputed SHA-256 digest with a context made once.
    const std::string input = token.substr(0, token.rfind('.'));
    const std::string der = forge::sign_der(key, input, "SHA256");
    unsigned char digest[32];
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    const auto primitive = [&] {
        thread_local EVP_PKEY_CTX* ctx = [&] {
            EVP_PKEY_CTX* c = EVP_PKEY_CTX_new(key.get(), nullptr);
            EVP_PKEY_verify_init(c);
            return c;
        }();
        return EVP_PKEY_verify(ctx, reinterpret_cast<const unsigned char*>(der.data()), der.size(), digest,
                               32) == 1;
    };
    const auto sdk = [&] { return verifier.verify(token).has_value(); };

    // Allocations per call (C++ operator new and OpenSSL's own), on one thread after the warm-up.
    const auto allocations_per = [](auto&& op) {
        op();
        const auto before = bench::allocations();
        for (int i = 0; i < 1000; ++i)
            op();
        return static_cast<double>(bench::allocations() - before) / 1000;
    };
    const double sdk_allocations = allocations_per(sdk);
    const double primitive_allocations = allocations_per(primitive);
    std::printf("allocations per verification: %.1f (the OpenSSL primitive alone: %.1f)\n", sdk_allocations,
                primitive_allocations);

    std::vector<std::string> rows;
    rows.push_back(bench::row("allocations per verification (warm)", "SDK vs OpenSSL P-256 verify alone",
                              sdk_allocations, primitive_allocations, {}));
    rate sdk1{}, prim1{}, sdk2{}, prim2{};
    // Interleaved and repeated: this shared machine's speed drifts; the best of three of each is kept.
    for (int round = 0; round < 3; ++round) {
        const auto a = run(1, count, primitive), b = run(1, count, sdk);
        const auto c = run(2, count, primitive), d = run(2, count, sdk);
        if (a.per_second > prim1.per_second)
            prim1 = a;
        if (b.per_second > sdk1.per_second)
            sdk1 = b;
        if (c.per_second > prim2.per_second)
            prim2 = c;
        if (d.per_second > sdk2.per_second)
            sdk2 = d;
    }
    std::printf("warm verify, 1 thread: %.0f/s, %.1f us CPU each; OpenSSL primitive %.0f/s, %.1f us\n",
                sdk1.per_second, sdk1.cpu_us_each, prim1.per_second, prim1.cpu_us_each);
    std::printf("warm verify, 2 threads: %.0f/s, %.1f us CPU each; OpenSSL primitive %.0f/s, %.1f us\n",
                sdk2.per_second, sdk2.cpu_us_each, prim2.per_second, prim2.cpu_us_each);
    rows.push_back(bench::row("session token verifications/s (warm JWKS)", "1 thread vs OpenSSL P-256 verify",
                              sdk1.per_second, prim1.per_second, {bench::goal::ratio_at_least, 0.85}));
    rows.push_back(bench::row("session token verifications/s (warm JWKS)",
                              "2 threads vs OpenSSL P-256 verify", sdk2.per_second, prim2.per_second,
                              {bench::goal::ratio_at_least, 0.85}));
    rows.push_back(
        bench::row("session token verifications/s (warm JWKS)", "2 threads vs 1 thread (scaling)",
                   sdk2.per_second, sdk1.per_second,
                   {bench::goal::ratio_at_least, std::thread::hardware_concurrency() >= 2 ? 1.8 : 0.9}));
    // The scaling beside the primitive's own in the same run: what the SDK adds to the threads' contention
    // (shared cache lines, locks), still readable when other load keeps both from scaling.
    rows.push_back(bench::row("2-thread / 1-thread scaling", "SDK vs OpenSSL P-256 verify's in the same run",
                              sdk2.per_second / sdk1.per_second, prim2.per_second / prim1.per_second,
                              {bench::goal::ratio_at_least, 0.9}));
    rows.push_back(bench::row("CPU us per verification", "1 thread vs OpenSSL P-256 verify", sdk1.cpu_us_each,
                              prim1.cpu_us_each, {bench::goal::ratio_at_most, 1 / 0.85}));
    rows.push_back(bench::row("CPU us beside the signature check", "1 thread (SDK - primitive)",
                              sdk1.cpu_us_each - prim1.cpu_us_each, 0, {bench::goal::value_below, 10}));

    const auto jose = run_jose(token, "{" + jwk_members + "}", count);
    if (jose.per_second > 0) {
        std::printf("node jose jwtVerify, 1 thread: %.0f/s, %.1f us CPU each\n", jose.per_second,
                    jose.cpu_us_each);
        // jose's ECDSA runs on libuv's thread pool, so its wall-clock rate may use more than one core:
        // CPU per verification is the fair comparison; the rate is shown beside it.
        rows.push_back(bench::row("CPU us per verification",
                                  "1 thread vs Node jose jwtVerify (whole process)", sdk1.cpu_us_each,
                                  jose.cpu_us_each, {bench::goal::ratio_at_most, 1.0}));
        rows.push_back(bench::row("session token verifications/s",
                                  "1 thread vs Node jose jwtVerify (wall clock)", sdk1.per_second,
                                  jose.per_second, {}));
    } else {
        std::printf("node jose: not available (node or npm missing, or the install failed)\n");
    }

    // Cold cache: 1,000 concurrent verify_async calls on a fresh verifier make one fetch.
    {
        wacht::test::jwks_server cold_server;
        cold_server.set_document("{\"keys\":[{\"kid\":\"wacht-test-key-1\"," + jwk_members + "}]}");
        boost::asio::io_context cold_io;
        auto co = o;
        co.frontend_api_url = cold_server.origin();
        co.tls.ca_pem = cold_server.ca_pem();
        wacht::session_verifier cold(cold_io.get_executor(), co);
        std::vector<std::future<wacht::verify_result>> results;
        const auto t0 = clock_type::now();
        for (int i = 0; i < 1000; ++i)
            results.push_back(
                boost::asio::co_spawn(cold_io, cold.verify_async(token), boost::asio::use_future));
        std::thread second([&] { cold_io.run(); });
        cold_io.run();
        second.join();
        int ok = 0;
        for (auto& f : results)
            ok += f.get().has_value();
        const double ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
        std::printf("cold cache: 1000 concurrent verifications, %d valid, %d JWKS fetch(es), %.1f ms\n", ok,
                    cold_server.requests(), ms);
        rows.push_back(bench::row("JWKS fetches for 1,000 concurrent cold verifications", "count",
                                  cold_server.requests(), 0, {bench::goal::value_below, 1.5}));
        if (ok != 1000)
            rows.push_back(bench::row("cold verifications that failed", "count", 1000 - ok, 0,
                                      {bench::goal::value_below, 0.5}));
    }

    // Webhooks: a 2 KiB body, one secret.
    {
        std::string body =
            R"({"type":"user.updated","timestamp":"2026-06-29T12:00:00.000Z","data":{"padding":")";
        body += std::string(2048 - body.size() - 3, 'x');
        body += "\"}}";
        std::string secret(32, '\0');
        for (int i = 0; i < 32; ++i)
            secret[static_cast<std::size_t>(i)] = static_cast<char>(i);
        const std::string id = "msg_1394412856401047560", ts = "1782734400";
        const std::string signature = "v1," + forge::b64(forge::hmac(secret, id + "." + ts + "." + body));
        wacht::webhook_options wo;
        wo.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1782734400)); };
        wacht::webhook_verifier hooks({"whsec_" + forge::b64(secret)}, wo);
        const std::vector<wacht::webhook_header> headers = {
            {"webhook-id", id}, {"webhook-timestamp", ts}, {"webhook-signature", signature}};
        const std::string signed_content = id + "." + ts + "." + body;
        const auto bare = [&] {
            unsigned char mac[32];
            unsigned int len = 0;
            HMAC(EVP_sha256(), secret.data(), 32,
                 reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size(), mac,
                 &len);
            return len == 32;
        };
        const auto verify = [&] { return hooks.verify(body, headers).has_value(); };
        rate w{}, h{};
        for (int round = 0; round < 3; ++round) {
            const auto a = run(1, count, bare), b = run(1, count, verify);
            if (a.per_second > h.per_second)
                h = a;
            if (b.per_second > w.per_second)
                w = b;
        }
        std::printf("webhook verify (2 KiB body, envelope parsed): %.0f/s, %.1f us CPU each; bare "
                    "HMAC-SHA256 %.0f/s\n",
                    w.per_second, w.cpu_us_each, h.per_second);
        rows.push_back(bench::row("webhook verifications/s (2 KiB body)", "1 thread vs one bare HMAC-SHA256",
                                  w.per_second, h.per_second, {}));
    }
    for (const auto& r : rows)
        std::cout << r << "\n";
    return 0;
}
