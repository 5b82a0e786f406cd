// SPDX-License-Identifier: BSL-1.0
// The session verifier against a real HTTPS JWKS endpoint on loopback (test/support/jwks_server.hpp):
// §11.2 T1-T18 that need the JWKS, and C1-C6 (single flight, stale-while-revalidate, stale-if-error,
// outage, redirects, two deployments). Time is the injected clock; the network is real.
#include "jwks_server.hpp"
#include "jwt_forge.hpp"

#include <wacht/session_verifier.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <future>
#include <iterator>
#include <thread>

using namespace std::chrono_literals;
using wacht::token_errc;
namespace forge = wacht::test::forge;

namespace {

const std::string issuer = "https://q7m2x9k4-t1w8e3z.fapi.trywacht.xyz";
const std::string es_header = R"({"alg":"ES256","kid":"wacht-test-key-1","typ":"JWT"})";
const std::string p1 =
    R"({"iss":"https://q7m2x9k4-t1w8e3z.fapi.trywacht.xyz","sub":"1394412856401047552","sid":"1394412856401047553","iat":1782734400,"nbf":1782734400,"exp":1782736200,"organization":"1394412856401047600","workspace":"1394412856401047700","permissions":{"organization":["org:read","org:manage_members"],"workspace":["ws:read"]}})";
const std::string t1 =
    "eyJhbGciOiJFUzI1NiIsImtpZCI6IndhY2h0LXRlc3Qta2V5LTEiLCJ0eXAiOiJKV1QifQ."
    "eyJpc3MiOiJodHRwczovL3E3bTJ4OWs0LXQxdzhlM3ouZmFwaS50cnl3YWNodC54eXoiLCJzdWIiOiIxMzk0NDEyODU2NDAxMDQ3NTUy"
    "Iiwic2lkIjoiMTM5NDQxMjg1NjQwMTA0NzU1MyIsImlhdCI6MTc4MjczNDQwMCwibmJmIjoxNzgyNzM0NDAwLCJleHAiOjE3ODI3MzYy"
    "MDAsIm9yZ2FuaXphdGlvbiI6IjEzOTQ0MTI4NTY0MDEwNDc2MDAiLCJ3b3Jrc3BhY2UiOiIxMzk0NDEyODU2NDAxMDQ3NzAwIiwicGVy"
    "bWlzc2lvbnMiOnsib3JnYW5pemF0aW9uIjpbIm9yZzpyZWFkIiwib3JnOm1hbmFnZV9tZW1iZXJzIl0sIndvcmtzcGFjZSI6WyJ3czpy"
    "ZWFkIl19fQ."
    "dz7k2Sg8Rom7Og7Lnrgbrv8mha3IBgGv-q5kGUgOd_BGvfGyz-fzE3rUGAIM17JKIfOHfipT-eKNqdSDpCJgxQ";
const std::int64_t t0 = 1782734400 + 60;

std::string fixture_jwks()
{
    std::ifstream in(std::string(WACHT_TEST_DATA_DIR) + "/session-jwks.json");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string jwks_of(std::initializer_list<std::string> members)
{
    std::string doc = "{\"keys\":[";
    bool first = true;
    for (const auto& m : members) {
        doc += (first ? "{" : ",{") + m + "}";
        first = false;
    }
    return doc + "]}";
}

std::string replace(std::string text, std::string_view from, std::string_view to)
{
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

struct gateway
{
    explicit gateway(std::function<void(wacht::session_verifier_options&)> adjust = {},
                     std::string doc = fixture_jwks())
    {
        server.set_document(std::move(doc));
        wacht::session_verifier_options o;
        o.frontend_api_url = server.origin();
        o.issuer = issuer;
        o.tls.use_system_roots = false;
        o.tls.ca_pem = server.ca_pem();
        o.clock = [this] { return std::chrono::system_clock::time_point(std::chrono::seconds(now.load())); };
        if (adjust)
            adjust(o);
        verifier.emplace(io.get_executor(), o);
    }

    /// verify_async to completion (the io_context also runs the fetch it may start).
    wacht::verify_result verify(const std::string& token)
    {
        auto f = boost::asio::co_spawn(io, verifier->verify_async(token), boost::asio::use_future);
        io.restart();
        io.run();
        return f.get();
    }

    token_errc code(const std::string& token)
    {
        const auto r = verify(token);
        REQUIRE_FALSE(r.has_value());
        return r.error().code;
    }

    /// Runs whatever background work is pending (a refresh started by a synchronous verify).
    void drain()
    {
        io.restart();
        io.run();
    }

    std::string prefetch()
    {
        auto f = boost::asio::co_spawn(io, verifier->prefetch(), boost::asio::use_future);
        drain();
        return f.get();
    }

    wacht::test::jwks_server server;
    std::atomic<std::int64_t> now{t0};
    boost::asio::io_context io;
    std::optional<wacht::session_verifier> verifier;
};

std::string es(const std::string& payload, const std::string& header = es_header,
               const forge::key_ptr& key = forge::contract_test_key())
{
    return forge::es256(header, payload, key);
}

} // namespace

TEST_CASE("T1 over HTTPS: one fetch, no Authorization header, the verified session", "[jwks]")
{
    gateway g;
    const auto r = g.verify(t1);
    REQUIRE(r.has_value());
    CHECK(r->user_id == "1394412856401047552");
    CHECK(r->organization_permissions == std::vector<std::string>{"org:read", "org:manage_members"});
    CHECK(g.server.requests() == 1);
    CHECK(g.server.last_target() == "/.well-known/jwks.json");
    CHECK_FALSE(g.server.saw_authorization());
    // The warm path: the synchronous verify needs no fetch.
    for (int i = 0; i < 50; ++i)
        CHECK(g.verifier->verify(t1).has_value());
    CHECK(g.server.requests() == 1);
    const auto stats = g.verifier->stats();
    CHECK(stats.fetches == 1);
    CHECK(stats.keys_loaded == 1);
    CHECK(stats.last_success);
}

TEST_CASE("T2: no kid finds the key by kty/crv/alg with no refresh; T17 lower-case bearer", "[jwks]")
{
    gateway g;
    CHECK(g.verify(es(p1, R"({"alg":"ES256","typ":"JWT"})")).has_value());
    CHECK(g.server.requests() == 1);
    const std::string header = "bearer " + t1;
    const auto token = wacht::token_from_authorization(header);
    REQUIRE(token);
    CHECK(g.verify(std::string(*token)).has_value());
    CHECK(g.server.requests() == 1);
}

TEST_CASE("a JWKS without kid/use/alg members: tokens without a kid verify, tokens naming one do not",
          "[jwks]")
{
    gateway g(
        {},
        jwks_of(
            {R"("kty":"EC","x":"YP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Y","y":"eQP-EAi4vJmkGunpVii8ZPLxsgwtfp9Rd6PClNRGIpk","crv":"P-256")"}));
    CHECK(g.verify(es(p1, R"({"alg":"ES256","typ":"JWT"})")).has_value());
    CHECK(g.code(t1) == token_errc::key_not_found);
}

TEST_CASE("T8: a matching kid and a bad signature: signature_invalid with no refetch", "[jwks]")
{
    gateway g;
    REQUIRE(g.verify(t1).has_value());
    g.now += 60; // past the refresh interval, so a refresh would be allowed
    const auto h = t1.substr(0, t1.find('.'));
    const auto s = t1.substr(t1.rfind('.') + 1);
    const auto t8 =
        h + "." + forge::b64url(replace(p1, "1394412856401047552", "1394412856401047999")) + "." + s;
    CHECK(g.code(t8) == token_errc::signature_invalid);
    CHECK(g.code(t1.substr(0, t1.rfind('.') + 1) +
                 forge::b64url(forge::sign_der(forge::contract_test_key(), t1.substr(0, t1.rfind('.')),
                                               "SHA256"))) == token_errc::signature_invalid); // T13
    CHECK(g.server.requests() == 1);
}

TEST_CASE("T12: an unknown kid refreshes once per 30 s; T18: a JWK bound to ES384", "[jwks]")
{
    gateway g;
    REQUIRE(g.prefetch().empty());
    const auto t12 = es(p1, R"({"alg":"ES256","kid":"wacht-test-key-2","typ":"JWT"})");
    CHECK(g.code(t12) == token_errc::key_not_found); // within 30 s of the prefetch: no fetch (§15.6)
    CHECK(g.server.requests() == 1);
    g.now += 30;
    CHECK(g.code(t12) == token_errc::key_not_found);
    CHECK(g.server.requests() == 2);
    for (int i = 0; i < 20; ++i)
        CHECK(g.code(t12) == token_errc::key_not_found);
    g.now += 29;
    CHECK(g.code(t12) == token_errc::key_not_found);
    CHECK(g.server.requests() == 2);
    g.now += 1;
    CHECK(g.code(t12) == token_errc::key_not_found);
    CHECK(g.server.requests() == 3);
    const auto stats = g.verifier->stats();
    CHECK(stats.unknown_kid_refreshes == 2);
    CHECK(stats.suppressed_refreshes >= 21);

    gateway es384({}, replace(fixture_jwks(), "\"alg\": \"ES256\"", "\"alg\": \"ES384\""));
    es384.now = t0 - 40; // the first fetch, then a refetch 30 s later
    REQUIRE(es384.prefetch().empty());
    es384.now = t0;
    CHECK(es384.code(t1) == token_errc::key_not_found);
    CHECK(es384.server.requests() == 2);
}

TEST_CASE("key rotation: a new kid is picked up by the rate-limited refresh; a kid-less token too", "[jwks]")
{
    gateway g;
    REQUIRE(g.verify(t1).has_value());
    const auto next = forge::ec_key("P-256");
    g.server.set_document(jwks_of({"\"kid\":\"k2\"," + forge::jwk_members(next)}));
    g.now += 31;
    CHECK(g.verify(es(p1, R"({"alg":"ES256","kid":"k2"})", next)).has_value());
    CHECK(g.server.requests() == 2);
    CHECK(g.code(t1) == token_errc::key_not_found); // the old key is gone; within 30 s: no fetch
    CHECK(g.server.requests() == 2);
    // No kid: a failing signature may refresh once (§5.5.4).
    const auto third = forge::ec_key("P-256");
    g.server.set_document(jwks_of({forge::jwk_members(third)}));
    g.now += 31;
    CHECK(g.verify(es(p1, R"({"alg":"ES256"})", third)).has_value());
    CHECK(g.server.requests() == 3);
}

TEST_CASE("RS256 and ES384 keys from the JWKS; an RSA key under 2048 bits is skipped", "[jwks]")
{
    const auto rsa = forge::rsa_key(2048);
    const auto small = forge::rsa_key(1024);
    const auto p384 = forge::ec_key("P-384");
    gateway g({}, jwks_of({"\"kid\":\"r\"," + forge::jwk_members(rsa),
                           "\"kid\":\"small\"," + forge::jwk_members(small),
                           "\"kid\":\"e\"," + forge::jwk_members(p384),
                           R"("kid":"junk","kty":"EC","crv":"P-256","x":"AA","y":"AA")",
                           R"("kid":"oct","kty":"oct","k":"c2VjcmV0")"}));
    CHECK(g.verify(forge::rs(R"({"alg":"RS256","kid":"r"})", p1, rsa, "SHA256")).has_value());
    CHECK(g.verify(forge::rs(R"({"alg":"RS384","kid":"r"})", p1, rsa, "SHA384")).has_value());
    CHECK(g.verify(forge::es384(R"({"alg":"ES384","kid":"e"})", p1, p384)).has_value());
    CHECK(g.code(forge::rs(R"({"alg":"RS256","kid":"small"})", p1, small, "SHA256")) ==
          token_errc::key_not_found);
    CHECK(g.verifier->stats().keys_loaded == 2); // rsa and p384 kept; small, junk and oct skipped
    // HS256 keyed with the JWKS "oct" key is never accepted.
    CHECK(g.code(forge::token(R"({"alg":"HS256","kid":"oct"})", p1, [](const std::string& in) {
        return forge::hmac("secret", in);
    })) == token_errc::algorithm_not_allowed);
}

TEST_CASE("C1: 1,000 concurrent verifications on a cold cache make one fetch (two threads)",
          "[jwks][single_flight]")
{
    gateway g;
    g.server.set_delay(100ms); // the fetch stays in flight while every call arrives
    std::vector<std::future<wacht::verify_result>> results;
    for (int i = 0; i < 1000; ++i)
        results.push_back(boost::asio::co_spawn(g.io, g.verifier->verify_async(t1), boost::asio::use_future));
    std::thread second([&] { g.io.run(); });
    g.io.run();
    second.join();
    int ok = 0;
    for (auto& f : results)
        ok += f.get().has_value();
    CHECK(ok == 1000);
    CHECK(g.server.requests() == 1);
    CHECK(g.verifier->stats().fetches == 1);
}

TEST_CASE("C2: a stale copy is served at once and refreshed in the background, once", "[jwks]")
{
    gateway g;
    REQUIRE(g.verify(t1).has_value());
    g.now += 10 * 60 + 1;
    for (int i = 0; i < 10; ++i)
        CHECK(g.verifier->verify(t1).has_value()); // no waiting: the synchronous path
    CHECK(g.server.requests() == 1);               // the refresh is started, not yet run
    g.drain();
    CHECK(g.server.requests() == 2);
    CHECK(g.verifier->verify(t1).has_value());
    CHECK(g.server.requests() == 2);
}

TEST_CASE("C3: a failing refresh keeps the copy (stale-if-error) with backoff; 24 h later it is unavailable",
          "[jwks]")
{
    gateway g;
    REQUIRE(g.verify(t1).has_value());
    g.server.set_mode(wacht::test::jwks_server::mode::fail_503);
    g.now += 11 * 60;
    CHECK(g.verify(t1).has_value());
    g.drain();
    CHECK(g.server.requests() == 2);
    CHECK(g.verifier->stats().failures == 1);
    CHECK(g.verifier->stats().last_error.find("503") != std::string::npos);
    g.now += 4;
    CHECK(g.verify(t1).has_value());
    g.drain();
    CHECK(g.server.requests() == 2); // within the 5 s backoff
    g.now += 1;
    CHECK(g.verify(t1).has_value());
    g.drain();
    CHECK(g.server.requests() == 3);
    g.now = t0 + 24 * 3600 + 1;
    const auto r = g.verify(es(replace(p1, "\"exp\":1782736200", "\"exp\":1882736200")));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == token_errc::jwks_unavailable);
    CHECK(r.error().fetch_error.find("503") != std::string::npos);
}

TEST_CASE("C4: a hanging JWKS endpoint times out: jwks_unavailable, then no fetch during the backoff",
          "[jwks]")
{
    gateway g([](auto& o) { o.jwks.fetch_timeout = 300ms; });
    g.server.set_mode(wacht::test::jwks_server::mode::hang);
    const auto started = std::chrono::steady_clock::now();
    const auto r = g.verify(t1);
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == token_errc::jwks_unavailable);
    CHECK_FALSE(r.error().fetch_error.empty());
    CHECK(wacht::recommended_status(r.error().code) == 503);
    CHECK(g.server.requests() == 1);
    CHECK(g.code(t1) == token_errc::jwks_unavailable);
    CHECK(g.server.requests() == 1);
    // The synchronous verify on a cold cache answers at once, too.
    CHECK(g.verifier->verify(t1).error().code == token_errc::jwks_unavailable);
}

TEST_CASE("C5: a redirect is a failed fetch and is not followed; garbage and oversize documents fail",
          "[jwks]")
{
    gateway g;
    g.server.set_mode(wacht::test::jwks_server::mode::redirect);
    auto r = g.verify(t1);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == token_errc::jwks_unavailable);
    CHECK(r.error().fetch_error.find("302") != std::string::npos);
    CHECK(g.server.requests() == 1);

    gateway garbage;
    garbage.server.set_mode(wacht::test::jwks_server::mode::garbage);
    CHECK(garbage.code(t1) == token_errc::jwks_unavailable);

    std::string many = "{\"keys\":[";
    for (int i = 0; i < 101; ++i)
        many +=
            std::string(i ? "," : "") + R"({"kty":"EC","kid":"k)" + std::to_string(i) +
            R"(","x":"YP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Y","y":"eQP-EAi4vJmkGunpVii8ZPLxsgwtfp9Rd6PClNRGIpk","crv":"P-256"})";
    gateway too_many({}, many + "]}");
    CHECK(too_many.code(t1) == token_errc::jwks_unavailable);
    CHECK(too_many.verifier->stats().last_error.find("max_keys") != std::string::npos);

    gateway too_big([](auto& o) { o.jwks.max_body_bytes = 100; });
    CHECK(too_big.code(t1) == token_errc::jwks_unavailable);
}

TEST_CASE("C6: two deployments in one process never share keys", "[jwks]")
{
    const auto key_a = forge::ec_key("P-256");
    const auto key_b = forge::ec_key("P-256");
    const std::string issuer_b = "https://other-deploy.fapi.trywacht.xyz";
    gateway a({}, jwks_of({"\"kid\":\"same\"," + forge::jwk_members(key_a)}));
    gateway b([&](auto& o) { o.issuer = issuer_b; },
              jwks_of({"\"kid\":\"same\"," + forge::jwk_members(key_b)}));
    const auto from_a = es(p1, R"({"alg":"ES256","kid":"same"})", key_a);
    CHECK(a.verify(from_a).has_value());
    const auto on_b = b.verify(from_a);
    REQUIRE_FALSE(on_b.has_value());
    CHECK((on_b.error().code == token_errc::signature_invalid ||
           on_b.error().code == token_errc::issuer_invalid));
    // Even a token claiming B's issuer, signed by A's key, fails on B.
    CHECK(b.code(es(replace(p1, issuer, issuer_b), R"({"alg":"ES256","kid":"same"})", key_a)) ==
          token_errc::signature_invalid);
}

TEST_CASE("prefetch and invalidate", "[jwks]")
{
    gateway g;
    CHECK(g.prefetch().empty());
    CHECK(g.server.requests() == 1);
    CHECK(g.verifier->verify(t1).has_value());
    g.verifier->invalidate();
    CHECK(g.verifier->verify(t1).error().code == token_errc::jwks_unavailable); // and a fetch is started
    g.drain();
    CHECK(g.server.requests() == 2);
    CHECK(g.verifier->verify(t1).has_value());
    g.server.set_mode(wacht::test::jwks_server::mode::fail_503);
    g.now += 60;
    CHECK(g.prefetch().find("503") != std::string::npos);
}

TEST_CASE("the synchronous warm path on two threads while background refreshes swap the key set",
          "[jwks][threads]")
{
    gateway g;
    REQUIRE(g.prefetch().empty());
    const auto token = es(replace(p1, "\"exp\":1782736200", "\"exp\":1882736200"));
    auto guard = boost::asio::make_work_guard(g.io);
    g.io.restart();
    std::thread io_thread([&] { g.io.run(); });
    std::atomic<int> valid{0};
    const auto worker = [&](bool ages_the_cache) {
        for (int i = 0; i < 2000; ++i) {
            if (ages_the_cache && i % 200 == 199)
                g.now += 10 * 60 + 1; // stale: the next verify starts a background refresh
            valid += g.verifier->verify(token).has_value();
        }
    };
    std::thread a(worker, true), b(worker, false);
    a.join();
    b.join();
    guard.reset();
    io_thread.join();
    CHECK(valid == 4000);
    CHECK(g.server.requests() >= 2);
    CHECK(g.verifier->stats().failures == 0);
}

TEST_CASE("the synchronous path's per-thread key set snapshots: many verifiers per thread, replacements "
          "seen at once",
          "[jwks][threads]")
{
    // More verifiers than a thread keeps snapshots of: each verification still uses its own keys.
    constexpr std::size_t count = 6;
    std::vector<std::unique_ptr<gateway>> gateways;
    std::vector<std::string> tokens;
    for (std::size_t i = 0; i < count; ++i) {
        const auto key = forge::ec_key("P-256");
        gateways.push_back(
            std::make_unique<gateway>(nullptr, jwks_of({"\"kid\":\"k\"," + forge::jwk_members(key)})));
        REQUIRE(gateways.back()->prefetch().empty());
        tokens.push_back(es(p1, R"({"alg":"ES256","kid":"k"})", key));
    }
    for (int round = 0; round < 3; ++round)
        for (std::size_t i = 0; i < count; ++i) {
            CHECK(gateways[i]->verifier->verify(tokens[i]).has_value());
            CHECK(gateways[i]->verifier->verify(tokens[(i + 1) % count]).error().code ==
                  token_errc::signature_invalid);
        }

    // A thread that holds a snapshot sees invalidate() and the next fetch on its next verification.
    auto& g = *gateways[0];
    std::promise<void> snapshot_taken, invalidated, verified_again, refetched;
    std::vector<token_errc> seen;
    std::thread other([&] {
        seen.push_back(g.verifier->verify(tokens[0]) ? token_errc{} : token_errc::unauthenticated);
        snapshot_taken.set_value();
        invalidated.get_future().wait();
        const auto again = g.verifier->verify(tokens[0]);
        seen.push_back(again ? token_errc{} : again.error().code);
        verified_again.set_value();
        refetched.get_future().wait();
        const auto r = g.verifier->verify(tokens[0]);
        seen.push_back(r ? token_errc{} : r.error().code);
    });
    snapshot_taken.get_future().wait();
    g.verifier->invalidate();
    invalidated.set_value();
    // The other thread's verification after invalidate() started a fetch; run it, then let it verify.
    verified_again.get_future().wait();
    g.drain();
    CHECK(g.server.requests() == 2);
    refetched.set_value();
    other.join();
    REQUIRE(seen.size() == 3);
    CHECK(seen[0] == token_errc{});
    CHECK(seen[1] == token_errc::jwks_unavailable);
    CHECK(seen[2] == token_errc{});
}
