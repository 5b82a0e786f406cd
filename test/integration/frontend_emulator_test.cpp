// SPDX-License-Identifier: BSL-1.0
// The SDK's session_verifier and webhook_verifier against wacht-emulator playing the Frontend API (its
// own JWKS and signing keys, over TLS) and Wacht's webhook worker (its own HMAC signatures, its retry
// schedule driven by the emulator's clock). Neither side shares code with the other.
#include "harness.hpp"

#include <wacht/session_verifier.hpp>
#include <wacht/webhook_verifier.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;
using wacht::token_errc;
namespace emu = wacht::emulator;
namespace json = boost::json;

namespace {

// A webhook receiver on 127.0.0.1:0: records every delivery (headers and body) and answers with the
// status (and Retry-After) set for it. Runs on its own thread; stops when destroyed.
class receiver
{
public:
    struct delivery
    {
        std::vector<std::pair<std::string, std::string>> headers;
        std::string body;
        std::string header(std::string_view name) const
        {
            for (const auto& [n, v] : headers)
                if (boost::beast::iequals(n, name))
                    return v;
            return {};
        }
    };

    receiver()
    {
        using boost::asio::ip::tcp;
        acceptor_.open(tcp::v4());
        acceptor_.bind({boost::asio::ip::address_v4::loopback(), 0});
        acceptor_.listen();
        boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~receiver()
    {
        io_.stop();
        thread_.join();
    }

    std::string url() const
    {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/webhooks";
    }
    void answer(int status, std::string retry_after = {})
    {
        std::lock_guard lock(mutex_);
        status_ = status;
        retry_after_ = std::move(retry_after);
    }
    /// Waits (bounded: 10 s) until `n` deliveries have arrived; returns whether they did.
    bool wait_for(std::size_t n)
    {
        std::unique_lock lock(mutex_);
        return arrived_.wait_for(lock, 10s, [&] { return deliveries_.size() >= n; });
    }
    std::vector<delivery> deliveries() const
    {
        std::lock_guard lock(mutex_);
        return deliveries_;
    }

private:
    boost::asio::awaitable<void> accept_loop()
    {
        for (;;) {
            auto socket = co_await acceptor_.async_accept(boost::asio::use_awaitable);
            boost::asio::co_spawn(io_, serve(std::move(socket)), boost::asio::detached);
        }
    }

    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket)
    {
        namespace http = boost::beast::http;
        boost::beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> request;
            co_await http::async_read(socket, buffer, request, boost::asio::use_awaitable);
            http::response<http::string_body> response;
            {
                std::lock_guard lock(mutex_);
                delivery d;
                for (const auto& f : request)
                    d.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
                d.body = request.body();
                deliveries_.push_back(std::move(d));
                response.result(static_cast<unsigned>(status_));
                if (!retry_after_.empty())
                    response.set(http::field::retry_after, retry_after_);
            }
            arrived_.notify_all();
            response.body() = "ok";
            response.prepare_payload();
            co_await http::async_write(socket, response, boost::asio::use_awaitable);
        }
    }

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_{io_};
    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<delivery> deliveries_;
    int status_ = 200;
    std::string retry_after_;
    std::thread thread_;
};

std::chrono::system_clock::time_point wall(emu::time_point t)
{
    return std::chrono::time_point_cast<std::chrono::system_clock::duration>(t);
}

// The emulator, and verifiers that read its clock and trust its CA, with their own io_context.
struct frontend_fixture
{
    wacht::test::harness h;
    boost::asio::io_context io;

    wacht::session_verifier verifier(std::function<void(wacht::session_verifier_options&)> adjust = {})
    {
        wacht::session_verifier_options o;
        o.publishable_key = h.server.publishable_key(); // it points at the emulator itself
        o.tls.use_system_roots = false;
        o.tls.ca_pem = h.server.ca_pem();
        o.clock = [this] { return wall(h.server.now()); };
        if (adjust)
            adjust(o);
        return wacht::session_verifier(io.get_executor(), o);
    }

    wacht::verify_result verify(const wacht::session_verifier& v, const std::string& token)
    {
        auto f = boost::asio::co_spawn(io, v.verify_async(token), boost::asio::use_future);
        io.restart();
        io.run();
        return f.get();
    }

    token_errc code(const wacht::session_verifier& v, const std::string& token)
    {
        const auto r = verify(v, token);
        REQUIRE_FALSE(r.has_value());
        return r.error().code;
    }

    std::size_t jwks_fetches() const
    {
        std::size_t n = 0;
        for (const auto& r : h.server.request_log())
            n += r.method == "GET" && r.target == "/.well-known/jwks.json";
        return n;
    }

    wacht::webhook_verifier webhooks(const std::string& secret, std::chrono::seconds past = 300s)
    {
        wacht::webhook_options o;
        o.tolerance_past = past;
        o.clock = [this] { return wall(h.server.now()); };
        return wacht::webhook_verifier({secret}, o);
    }

    /// A POST to one of the emulator's control routes over the in-process API.
    emu::http_response control(const std::string& target, const json::object& body)
    {
        return h.server.backend().handle({.method = "POST",
                                          .target = target,
                                          .authorization = "Bearer " + h.server.api_key(),
                                          .content_type = "application/json",
                                          .body = json::serialize(body)});
    }
};

// The emulator's only delivery once its last attempt's outcome is recorded (just after the receiver
// answers): bounded, 10 s.
emu::webhook_delivery_info settled(const emu::server& server, std::size_t attempts)
{
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        const auto all = server.webhook_deliveries();
        REQUIRE_FALSE(all.empty());
        const auto& d = all.back();
        if (d.attempts.size() == attempts && (d.next_attempt_at || d.state != "pending"))
            return d;
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::yield();
    }
}

wacht::webhook_result verify_delivery(const wacht::webhook_verifier& v, const receiver::delivery& d)
{
    std::vector<wacht::webhook_header> headers;
    for (const auto& [name, value] : d.headers)
        headers.push_back({name, value});
    return v.verify(d.body, headers);
}

} // namespace

TEST_CASE("a token minted by the emulator verifies over TLS against its JWKS, fetched once", "[frontend]")
{
    frontend_fixture f;
    const auto user = f.h.server.seed_user({.first_name = "Ada", .email_address = "ada@example.com"});
    const auto membership = f.h.server.seed_organization_membership(
        user, {.organization = {.name = "Acme"},
               .roles = {{.name = "admin", .permissions = {"org:read", "org:manage_members"}},
                         {.name = "viewer", .permissions = {"org:read"}}}});
    const auto minted =
        f.h.server.mint_session_token({.user_id = user, .organization_membership_id = membership});
    const auto verifier = f.verifier();
    CHECK(verifier.issuer() == f.h.server.base_url());

    const auto r = f.verify(verifier, minted.token);
    INFO((r ? std::string() : r.error().message()));
    REQUIRE(r.has_value());
    CHECK(r->user_id == user);
    CHECK(r->session_id == minted.session_id);
    CHECK(r->key_id == minted.key_id);
    CHECK(r->algorithm == wacht::jws_algorithm::es256);
    CHECK(r->organization_id.has_value());
    CHECK(r->organization_permissions == std::vector<std::string>{"org:manage_members", "org:read"});
    CHECK(r->workspace_permissions.empty());
    CHECK(r->has_permission(wacht::permission_scope::organization, "org:manage_members"));
    CHECK(r->expires_at - *r->issued_at == 1800);
    CHECK(r->not_before == r->issued_at);
    // The session is one of the user's sign-ins, as the backend API lists them.
    const auto sessions = f.h.run(f.h.client.users().sessions().list(user).send());
    REQUIRE(sessions.data.size() == 1);
    CHECK(sessions.data[0].session_id == minted.session_id);

    // A second token for the same session, minted over the control route: no second fetch.
    const auto answer =
        f.control("/_emulator/session-tokens",
                  {{"user_id", user}, {"session_id", minted.session_id}, {"lifetime_seconds", 60}});
    REQUIRE(answer.status == 200);
    const auto body = json::parse(answer.body).as_object();
    const auto second = f.verify(verifier, std::string(body.at("token").as_string()));
    REQUIRE(second.has_value());
    CHECK(second->session_id == minted.session_id);
    CHECK_FALSE(second->organization_id.has_value()); // the sign-in has no active organization
    CHECK(second->expires_at - *second->issued_at == 60);
    CHECK(f.jwks_fetches() == 1);
    CHECK(verifier.stats().fetches == 1);

    // Bad requests are refused with the route's message.
    CHECK(f.control("/_emulator/session-tokens", {{"user_id", "1"}}).status == 404);
    CHECK(f.control("/_emulator/session-tokens", {{"user_id", user}, {"algorithm", "HS256"}}).status == 400);
    CHECK(f.control("/_emulator/session-tokens", {{"user_id", user}, {"claims", {{"sub", "x"}}}}).status ==
          400);
    CHECK_THROWS_WITH(f.h.server.mint_session_token({.user_id = "1"}), Catch::Contains("Resource not found"));
}

TEST_CASE("a minted token expires when the emulator's clock moves past exp and the leeway", "[frontend]")
{
    frontend_fixture f;
    const auto user = f.h.server.seed_user({.first_name = "Ada"});
    const auto minted = f.h.server.mint_session_token({.user_id = user, .lifetime = 60s});
    const auto verifier = f.verifier();
    REQUIRE(f.verify(verifier, minted.token).has_value());
    // exp = iat + 60, leeway 5 s. The emulator's clock also runs in real time, so the steps keep 3 s
    // from the edge (a sanitized run can take a second between two lines).
    f.h.server.advance(62s); // past exp, within the leeway: still valid
    CHECK(f.verify(verifier, minted.token).has_value());
    f.h.server.advance(4s); // past exp and the leeway
    CHECK(f.code(verifier, minted.token) == token_errc::token_expired);
    // A token minted now is valid again; one minted with a negative lifetime is expired at once.
    CHECK(f.verify(verifier, f.h.server.mint_session_token({.user_id = user}).token).has_value());
    CHECK(f.code(verifier, f.h.server.mint_session_token({.user_id = user, .lifetime = -10s}).token) ==
          token_errc::token_expired);
    CHECK(f.jwks_fetches() == 1);
    // A revoked session gets no token.
    const auto sessions = f.h.run(f.h.client.users().sessions().list(user).send());
    REQUIRE_FALSE(sessions.data.empty());
    f.h.run(f.h.client.users().sessions().revoke(user, sessions.data[0].id).send());
    CHECK_THROWS_WITH(f.h.server.mint_session_token({.user_id = user, .session_id = sessions.data[0].id}),
                      Catch::Contains("not active"));
}

TEST_CASE("key rotation: the new kid is fetched once, the old key verifies for its grace period",
          "[frontend]")
{
    frontend_fixture f;
    const auto user = f.h.server.seed_user({.first_name = "Ada"});
    const auto verifier = f.verifier();
    const auto before = f.h.server.mint_session_token({.user_id = user});
    REQUIRE(f.verify(verifier, before.token).has_value());

    f.h.server.advance(31s); // past the verifier's 30 s refresh interval
    const auto rotated = f.h.server.rotate_signing_key("ES256", 600s);
    CHECK(rotated.key_id != before.key_id);
    const auto after = f.h.server.mint_session_token({.user_id = user});
    CHECK(after.key_id == rotated.key_id);
    for (int i = 0; i < 5; ++i) {
        const auto r = f.verify(verifier, after.token);
        REQUIRE(r.has_value());
        CHECK(r->key_id == rotated.key_id);
    }
    CHECK(f.jwks_fetches() == 2);
    CHECK(verifier.stats().unknown_kid_refreshes == 1);
    CHECK(f.verify(verifier, before.token).has_value()); // still in the JWKS copy

    // The control route lists both keys; the old one retires 600 s after the rotation.
    const auto keys = f.h.server.backend().signing_keys();
    REQUIRE(keys.size() == 2);
    CHECK_FALSE(keys[0].current);
    CHECK(keys[1].current);
    REQUIRE(keys[0].retires_at.has_value());

    // RS256: a key of its own, published on first use.
    f.h.server.advance(31s);
    const auto rs = f.h.server.mint_session_token({.user_id = user, .algorithm = "RS256"});
    const auto r = f.verify(verifier, rs.token);
    REQUIRE(r.has_value());
    CHECK(r->algorithm == wacht::jws_algorithm::rs256);
    CHECK(f.jwks_fetches() == 3);

    // Past the grace period the old key is gone from the JWKS: a fresh copy no longer has it.
    f.h.server.advance(600s);
    verifier.invalidate();
    CHECK(f.code(verifier, before.token) == token_errc::key_not_found);
    CHECK(f.verify(verifier, after.token).has_value());
}

TEST_CASE("JWKS faults: a failing, hanging or garbage JWKS endpoint is jwks_unavailable", "[frontend]")
{
    frontend_fixture f;
    const auto user = f.h.server.seed_user({.first_name = "Ada"});
    const auto token = f.h.server.mint_session_token({.user_id = user}).token;

    SECTION("a status")
    {
        f.h.server.faults().add("status:status=503,path=/.well-known/jwks.json");
        const auto verifier = f.verifier();
        const auto r = f.verify(verifier, token);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == token_errc::jwks_unavailable);
        CHECK_THAT(r.error().fetch_error, Catch::Contains("503"));
        CHECK(wacht::recommended_status(r.error().code) == 503);
        // The outage ends; after the backoff the same verifier recovers.
        f.h.server.faults().clear();
        f.h.server.advance(6s);
        CHECK(f.verify(verifier, token).has_value());
    }
    SECTION("a hang")
    {
        f.h.server.faults().add("stall_headers:delay_ms=3000,path=/.well-known/jwks.json,times=1");
        const auto verifier = f.verifier([](auto& o) { o.jwks.fetch_timeout = 300ms; });
        CHECK(f.code(verifier, token) == token_errc::jwks_unavailable);
    }
    SECTION("garbage")
    {
        f.h.server.faults().add("malformed_json:path=/.well-known/jwks.json");
        const auto verifier = f.verifier();
        CHECK(f.code(verifier, token) == token_errc::jwks_unavailable);
    }
}

TEST_CASE("the emulator's user events reach a receiver, signed as §10 says", "[frontend][webhooks]")
{
    frontend_fixture f;
    receiver hooks;
    const auto secret = f.h.server.set_webhook_endpoint({.url = hooks.url()});
    CHECK(secret.starts_with("whsec_"));
    const auto verifier = f.webhooks(secret);

    const auto created = f.h.run(f.h.client.users().create(wacht::test::jane).send());
    REQUIRE(hooks.wait_for(1));
    const wacht::update_user_params rename{.first_name = "Janet"};
    f.h.run(f.h.client.users().update(created.id, rename).send());
    REQUIRE(hooks.wait_for(2));
    f.h.run(f.h.client.users().remove(created.id).send());
    REQUIRE(hooks.wait_for(3));

    const auto got = hooks.deliveries();
    const std::string types[] = {"user.created", "user.updated", "user.deleted"};
    for (std::size_t i = 0; i < 3; ++i) {
        INFO(got[i].body);
        CHECK(got[i].header("content-type") == "application/json");
        CHECK(got[i].header("user-agent") == "Wacht-Webhook/1.0");
        CHECK(got[i].header("webhook-id").starts_with("msg_"));
        CHECK(got[i].header("webhook-signature").starts_with("v1,"));
        const auto r = verify_delivery(verifier, got[i]);
        INFO((r ? std::string() : r.error().message()));
        REQUIRE(r.has_value());
        REQUIRE(r->envelope.has_value());
        CHECK(r->envelope->type == types[i]);
        CHECK(r->envelope->timestamp.ends_with(".000Z"));
        const auto& data = r->envelope->data.as_object();
        CHECK(data.at("entity_type") == "user");
        CHECK(data.at("id") == json::value(created.id));
        CHECK(json::serialize(data.at("entity_id")) == created.id); // a JSON number, as Wacht sends it
    }
    CHECK(verify_delivery(f.webhooks(secret), got[1])->envelope->data.at("first_name") == "Janet");
    // A tampered body does not verify.
    auto tampered = got[0];
    tampered.body.replace(tampered.body.find("Jane"), 4, "Mall");
    CHECK(verify_delivery(verifier, tampered).error().code == wacht::webhook_errc::no_matching_signature);
    // After a secret rotation only the new secret verifies (no overlap, §10.4).
    const auto rotated = f.h.server.backend().rotate_webhook_secret();
    f.h.server.backend().send_test_webhook("user.created");
    REQUIRE(hooks.wait_for(4));
    const auto test_delivery = hooks.deliveries()[3];
    CHECK(verify_delivery(verifier, test_delivery).error().code ==
          wacht::webhook_errc::no_matching_signature);
    const auto r = verify_delivery(f.webhooks(rotated), test_delivery);
    REQUIRE(r.has_value());
    CHECK(r->envelope->type == "test.webhook");
    CHECK(r->envelope->data.at("event") == "user.created");
    settled(f.h.server, 1); // the last outcome is recorded
    for (const auto& d : f.h.server.webhook_deliveries())
        CHECK(d.state == "success");
}

TEST_CASE("a failing receiver gets retries on the §10.5 schedule as the emulator's clock moves",
          "[frontend][webhooks]")
{
    frontend_fixture f;
    receiver hooks;
    hooks.answer(500);
    const auto secret = f.h.server.set_webhook_endpoint({.url = hooks.url()});
    const auto id = f.h.server.backend().send_test_webhook();
    REQUIRE(hooks.wait_for(1));

    // After failed attempt n the next is due 30 s, 60 s, 5 min, 15 min, then 6 h later.
    const std::chrono::seconds waits[] = {30s, 60s, 300s, 900s, 21600s, 21600s};
    for (std::size_t attempt = 1; attempt <= 6; ++attempt) {
        INFO("attempt " << attempt);
        const auto d = settled(f.h.server, attempt);
        REQUIRE(f.h.server.webhook_deliveries().size() == 1);
        CHECK(d.attempts.back().status == 500);
        REQUIRE(d.next_attempt_at.has_value());
        CHECK(*d.next_attempt_at - d.attempts.back().at == waits[attempt - 1]);
        // One second short, nothing is due; then the clock reaches it and the retry goes out.
        f.h.server.advance(waits[attempt - 1] - 1s);
        CHECK(*d.next_attempt_at > f.h.server.now());
        CHECK(f.h.server.backend().take_due_webhook_attempts().empty());
        CHECK(hooks.deliveries().size() == attempt);
        if (attempt == 6)
            hooks.answer(200);
        f.h.server.advance(1s);
        REQUIRE(hooks.wait_for(attempt + 1));
    }
    const auto got = hooks.deliveries();
    for (const auto& g : got) { // the same id and trigger timestamp on every retry (§10.5)
        CHECK(g.header("webhook-id") == id);
        CHECK(g.header("webhook-timestamp") == got[0].header("webhook-timestamp"));
    }
    // Attempt 4 comes 390 s after the trigger: the default 300 s tolerance refuses it (§10.5, W14),
    // a tolerance that covers Wacht's retry window accepts it.
    CHECK(verify_delivery(f.webhooks(secret), got[3]).error().code == wacht::webhook_errc::timestamp_too_old);
    CHECK(verify_delivery(f.webhooks(secret, 7 * 24h), got[6]).has_value());
    const auto d = settled(f.h.server, 7);
    CHECK(d.state == "success");
    CHECK(d.attempts.size() == 7);
    CHECK_FALSE(d.next_attempt_at.has_value());
}

TEST_CASE("Retry-After, a permanent 4xx and a 410 are honoured as Wacht does (§10.6)", "[frontend][webhooks]")
{
    frontend_fixture f;
    receiver hooks;
    f.h.server.set_webhook_endpoint({.url = hooks.url(), .max_attempts = 3});
    const auto settled = [&](std::size_t attempts) { return ::settled(f.h.server, attempts); };

    hooks.answer(503, "7");
    f.h.server.backend().send_test_webhook();
    REQUIRE(hooks.wait_for(1));
    auto d = settled(1);
    REQUIRE(d.next_attempt_at.has_value());
    CHECK(*d.next_attempt_at - d.attempts.back().at == 7s);
    hooks.answer(429);
    f.h.server.advance(7s);
    REQUIRE(hooks.wait_for(2));
    d = settled(2);
    CHECK(*d.next_attempt_at - d.attempts.back().at == 60s);
    f.h.server.advance(60s);
    REQUIRE(hooks.wait_for(3));
    d = settled(3);
    CHECK(d.state == "permanently_failed"); // max_attempts used up
    CHECK_FALSE(d.next_attempt_at.has_value());

    hooks.answer(400);
    f.h.server.backend().send_test_webhook();
    REQUIRE(hooks.wait_for(4));
    CHECK(settled(1).state == "permanently_failed");

    hooks.answer(410);
    f.h.server.backend().send_test_webhook();
    REQUIRE(hooks.wait_for(5));
    CHECK(settled(1).state == "deactivated");
    f.h.server.backend().send_test_webhook(); // the endpoint is off: nothing is queued
    CHECK(f.h.server.webhook_deliveries().size() == 3);

    // A receiver that is not there: a connection error, retried.
    f.h.server.set_webhook_endpoint({.url = "http://127.0.0.1:1/none"});
    f.h.server.backend().send_test_webhook();
    d = settled(1);
    CHECK(d.attempts[0].status == 0);
    CHECK_FALSE(d.attempts[0].error.empty());
    CHECK(*d.next_attempt_at - d.attempts.back().at == 30s);
}

TEST_CASE("the Frontend API's control routes: keys, JWKS document, webhook endpoint", "[frontend]")
{
    frontend_fixture f;
    const auto call = [&](std::string method, std::string target, std::string body = {}) {
        return f.h.server.backend().handle({.method = std::move(method),
                                            .target = std::move(target),
                                            .authorization = "Bearer " + f.h.server.api_key(),
                                            .content_type = "application/json",
                                            .body = std::move(body)});
    };
    // The JWKS is public: no API key needed, one P-256 key in the fixture's member order.
    const auto jwks = f.h.server.backend().handle({.method = "GET", .target = "/.well-known/jwks.json"});
    REQUIRE(jwks.status == 200);
    const auto keys = json::parse(jwks.body).at("keys").as_array();
    REQUIRE(keys.size() == 1);
    std::vector<std::string> members;
    for (const auto& m : keys[0].as_object())
        members.emplace_back(m.key());
    CHECK(members == std::vector<std::string>{"kty", "kid", "use", "alg", "x", "y", "crv"});
    CHECK(keys[0].at("crv") == "P-256");
    CHECK(keys[0].at("x").as_string().size() == 43); // base64url of 32 bytes, unpadded
    CHECK(f.h.server.backend().handle({.method = "POST", .target = "/.well-known/jwks.json"}).status == 405);

    // Rotation over HTTP, the key list, and removing the retired key.
    const auto rotated = call("POST", "/_emulator/keys/rotate", R"({"grace_seconds":60})");
    REQUIRE(rotated.status == 200);
    CHECK(json::parse(rotated.body).at("current") == true);
    CHECK(call("POST", "/_emulator/keys/rotate", R"({"algorithm":"ES512"})").status == 400);
    CHECK(call("POST", "/_emulator/keys/rotate", R"({"grace_seconds":9223372036854775807})").status == 400);
    CHECK(call("POST", "/_emulator/session-tokens",
               R"({"user_id":"1","lifetime_seconds":-9223372036854775807})")
              .status == 400);
    CHECK(json::parse(call("GET", "/_emulator/keys").body).at("keys").as_array().size() == 2);
    CHECK(json::parse(f.h.server.backend().jwks()).at("keys").as_array().size() == 2);
    f.h.server.advance(61s); // the grace period is over: the old key leaves the JWKS by itself
    CHECK(json::parse(f.h.server.backend().jwks()).at("keys").as_array().size() == 1);
    call("POST", "/_emulator/keys/rotate", R"({"grace_seconds":3600})");
    CHECK(call("DELETE", "/_emulator/keys/retired").status == 200);
    const auto left = json::parse(call("GET", "/_emulator/keys").body).at("keys").as_array();
    REQUIRE(left.size() == 1);
    CHECK(left[0].at("current") == true);

    // The webhook endpoint: validated, its secret given back, its deliveries listed.
    CHECK(call("POST", "/_emulator/webhooks/endpoint", R"({"url":"https://example.com/hook"})").status ==
          400);
    CHECK(call("POST", "/_emulator/webhooks/endpoint",
               R"({"url":"http://127.0.0.1:9/h","signing_secret":"whsec_!"})")
              .status == 400);
    CHECK(call("POST", "/_emulator/webhooks/test").status == 400); // no endpoint yet
    const auto set = call(
        "POST", "/_emulator/webhooks/endpoint",
        R"({"url":"http://127.0.0.1:9/h","signing_secret":"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","event_types":["user.deleted"]})");
    REQUIRE(set.status == 200);
    CHECK(json::parse(set.body).at("signing_secret") == "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    f.h.run(f.h.client.users().create(wacht::test::jane).send()); // user.created is not wanted
    const auto state = json::parse(call("GET", "/_emulator/webhooks").body).as_object();
    CHECK(state.at("endpoint").at("event_types").as_array().size() == 1);
    CHECK(state.at("deliveries").as_array().empty());
    const auto secret =
        json::parse(call("POST", "/_emulator/webhooks/rotate-secret").body).at("signing_secret");
    CHECK(secret.as_string().starts_with("whsec_"));
    CHECK(call("DELETE", "/_emulator/webhooks/endpoint").status == 200);
    CHECK(json::parse(call("GET", "/_emulator/webhooks").body).at("endpoint").is_null());
}
