// SPDX-License-Identifier: BSL-1.0
// TLS and network options gateways ask for: a minimum TLS version, client certificates (mutual TLS),
// the application's own ssl::context or a callback adjusting the client's, and an HTTP CONNECT proxy.
// Judged by peers written here, on 127.0.0.1: a TLS server on Asio's own ssl::stream (not the SDK's
// TLS layer) that can demand a client certificate or cap the version, and a CONNECT proxy.
#include "canned_server.hpp"
#include "harness.hpp"
#include "plain_client.hpp"
#include "wacht/emulator/pki.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using wacht::errc;
using wacht::test::canned_server;
using wacht::test::error_of;
using wacht::test::plain_client;
using wacht::test::read_data;

namespace {

std::string ok_response(const std::string& body)
{
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The subject of a PEM certificate, as OpenSSL prints it.
std::string subject_of(const std::string& pem)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                  &BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                     &X509_free);
    REQUIRE(cert);
    char line[512];
    return X509_NAME_oneline(X509_get_subject_name(cert.get()), line, sizeof line);
}

// A file removed when the test ends.
struct temp_file
{
    explicit temp_file(const std::string& content)
        : path(std::filesystem::temp_directory_path() /
               ("wacht-net-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".pem"))
    {
        std::ofstream(path) << content;
    }
    ~temp_file() { std::filesystem::remove(path); }
    std::filesystem::path path;
    static inline int counter = 0;
};

// A keep-alive HTTPS server on Asio's ssl::stream that answers every request with the users-list
// fixture. It can cap the TLS version and demand a client certificate signed by `client_ca`, and it
// records what each handshake negotiated.
struct tls_server_settings
{
    int max_version = 0;   // e.g. TLS1_2_VERSION; 0: OpenSSL's maximum
    std::string client_ca; // when set: a client certificate signed by it is required
};

class tls_server
{
public:
    explicit tls_server(const wacht::emulator::pki_material& pki, const tls_server_settings& s = {})
        : context_(ssl::context::tls_server)
    {
        context_.use_certificate_chain(asio::buffer(pki.cert_pem));
        context_.use_private_key(asio::buffer(pki.key_pem), ssl::context::pem);
        if (s.max_version != 0)
            SSL_CTX_set_max_proto_version(context_.native_handle(), s.max_version);
        if (!s.client_ca.empty()) {
            context_.add_certificate_authority(asio::buffer(s.client_ca));
            context_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
            // The test PKI's leaves are marked for server authentication; any purpose is fine here.
            SSL_CTX_set_purpose(context_.native_handle(), X509_PURPOSE_ANY);
        }
        acceptor_.open(tcp::v4());
        acceptor_.bind({asio::ip::address_v4::loopback(), 0});
        acceptor_.listen();
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~tls_server()
    {
        io_.stop();
        thread_.join();
    }

    std::string url() const
    {
        return "https://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    }
    int requests() const { return requests_.load(); }
    int handshakes() const { return handshakes_.load(); }
    // The version of the last completed handshake and the subject of the client's certificate ("" if none).
    int last_version() const
    {
        std::lock_guard lock(mutex_);
        return last_version_;
    }
    std::string last_client_subject() const
    {
        std::lock_guard lock(mutex_);
        return last_client_subject_;
    }

private:
    asio::awaitable<void> accept_loop()
    {
        for (;;) {
            auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
            asio::co_spawn(io_,
                           serve(std::make_shared<ssl::stream<tcp::socket>>(std::move(socket), context_)),
                           asio::detached);
        }
    }

    asio::awaitable<void> serve(std::shared_ptr<ssl::stream<tcp::socket>> stream)
    {
        constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
        auto [handshake_ec] = co_await stream->async_handshake(ssl::stream_base::server, nothrow);
        if (handshake_ec)
            co_return;
        ++handshakes_;
        {
            std::lock_guard lock(mutex_);
            last_version_ = SSL_version(stream->native_handle());
            last_client_subject_.clear();
            if (X509* peer = SSL_get_peer_certificate(stream->native_handle())) {
                char line[512];
                last_client_subject_ = X509_NAME_oneline(X509_get_subject_name(peer), line, sizeof line);
                X509_free(peer);
            }
        }
        const std::string response = ok_response(read_data("users-list.json"));
        asio::streambuf buffer;
        for (;;) {
            auto [read_ec, n] = co_await asio::async_read_until(*stream, buffer, "\r\n\r\n", nothrow);
            if (read_ec)
                co_return;
            buffer.consume(n);
            ++requests_;
            auto [write_ec, written] = co_await asio::async_write(*stream, asio::buffer(response), nothrow);
            if (write_ec)
                co_return;
        }
    }

    ssl::context context_;
    asio::io_context io_;
    tcp::acceptor acceptor_{io_};
    std::atomic<int> requests_{0};
    std::atomic<int> handshakes_{0};
    mutable std::mutex mutex_;
    int last_version_ = 0;
    std::string last_client_subject_;
    std::thread thread_;
};

// An HTTP CONNECT proxy: reads the CONNECT request, records its head, and either refuses with
// `refusal` (a whole HTTP response) or connects to the named host:port, answers 200 (`answer_delay`
// after reading the request) and relays bytes both ways until either side closes.
class connect_proxy
{
public:
    explicit connect_proxy(std::string refusal = {}, std::chrono::milliseconds answer_delay = {})
        : refusal_(std::move(refusal)), answer_delay_(answer_delay)
    {
        acceptor_.open(tcp::v4());
        acceptor_.bind({asio::ip::address_v4::loopback(), 0});
        acceptor_.listen();
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~connect_proxy()
    {
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::vector<std::string> heads() const
    {
        std::lock_guard lock(mutex_);
        return heads_;
    }

private:
    asio::awaitable<void> accept_loop()
    {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(co_await acceptor_.async_accept(asio::use_awaitable));
            asio::co_spawn(io_, serve(socket), asio::detached);
        }
    }

    asio::awaitable<void> serve(std::shared_ptr<tcp::socket> client)
    {
        constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
        asio::streambuf buffer;
        auto [read_ec, n] = co_await asio::async_read_until(*client, buffer, "\r\n\r\n", nothrow);
        if (read_ec)
            co_return;
        std::string head(static_cast<const char*>(buffer.data().data()), n);
        buffer.consume(n);
        {
            std::lock_guard lock(mutex_);
            heads_.push_back(head);
        }
        if (!refusal_.empty()) {
            co_await asio::async_write(*client, asio::buffer(refusal_), nothrow);
            co_return;
        }
        // "CONNECT host:port HTTP/1.1"
        const auto target = head.substr(8, head.find(' ', 8) - 8);
        const auto colon = target.rfind(':');
        auto upstream = std::make_shared<tcp::socket>(io_);
        tcp::resolver resolver(io_);
        auto [resolve_ec, endpoints] =
            co_await resolver.async_resolve(target.substr(0, colon), target.substr(colon + 1), nothrow);
        if (resolve_ec)
            co_return;
        auto [connect_ec, endpoint] = co_await asio::async_connect(*upstream, endpoints, nothrow);
        if (connect_ec)
            co_return;
        if (answer_delay_.count() > 0) {
            asio::steady_timer delay(io_, answer_delay_);
            co_await delay.async_wait(nothrow);
        }
        const std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
        co_await asio::async_write(*client, asio::buffer(established), nothrow);
        using namespace asio::experimental::awaitable_operators;
        co_await (relay(client, upstream) || relay(upstream, client));
    }

    static asio::awaitable<void> relay(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to)
    {
        constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
        std::array<char, 16 * 1024> bytes;
        for (;;) {
            auto [read_ec, n] = co_await from->async_read_some(asio::buffer(bytes), nothrow);
            if (read_ec)
                co_return;
            auto [write_ec, written] =
                co_await asio::async_write(*to, asio::buffer(bytes.data(), n), nothrow);
            if (write_ec)
                co_return;
        }
    }

    std::string refusal_;
    std::chrono::milliseconds answer_delay_;
    asio::io_context io_;
    tcp::acceptor acceptor_{io_};
    mutable std::mutex mutex_;
    std::vector<std::string> heads_;
    std::thread thread_;
};

// A client of `url` trusting `ca`, adjusted by `adjust`.
plain_client client_for(const std::string& url, const std::string& ca,
                        const std::function<void(wacht::client_options&)>& adjust = {})
{
    return plain_client(url, [&](wacht::client_options& o) {
        o.tls.ca_pem = ca;
        if (adjust)
            adjust(o);
    });
}

wacht::error construction_error(const std::function<void(wacht::client_options&)>& adjust)
{
    try {
        plain_client c("https://127.0.0.1:1", adjust);
    } catch (const wacht::api_error& e) {
        return e.error();
    }
    FAIL("the client was built");
    return {};
}

} // namespace

TEST_CASE("min_version: TLS 1.3 refuses a server capped at TLS 1.2 - which the default accepts")
{
    const auto pki = wacht::emulator::generate_pki();
    tls_server tls12(pki, {.max_version = TLS1_2_VERSION});
    auto by_default = client_for(tls12.url(), pki.ca_pem);
    CHECK(by_default.attempt(by_default.client.users().list()));
    CHECK(tls12.last_version() == TLS1_2_VERSION);

    auto strict =
        client_for(tls12.url(), pki.ca_pem, [](auto& o) { o.tls.min_version = wacht::tls_version::v1_3; });
    CHECK(error_of(strict.attempt(strict.client.users().list())).code == errc::tls_handshake_failed);
    CHECK(tls12.requests() == 1);

    tls_server tls13(pki);
    auto strict13 =
        client_for(tls13.url(), pki.ca_pem, [](auto& o) { o.tls.min_version = wacht::tls_version::v1_3; });
    CHECK(strict13.attempt(strict13.client.users().list()));
    CHECK(tls13.last_version() == TLS1_3_VERSION);
}

TEST_CASE(
    "mutual TLS: the client certificate from PEM or files is presented - without one the server refuses")
{
    const auto server_pki = wacht::emulator::generate_pki();
    const auto client_pki = wacht::emulator::generate_pki();
    tls_server server(server_pki, {.client_ca = client_pki.ca_pem});
    const auto expected_subject = subject_of(client_pki.cert_pem);

    auto from_pem = client_for(server.url(), server_pki.ca_pem, [&](auto& o) {
        o.tls.client_certificate_pem = client_pki.cert_pem;
        o.tls.client_key_pem = client_pki.key_pem;
    });
    CHECK(from_pem.attempt(from_pem.client.users().list()));
    CHECK(server.last_client_subject() == expected_subject);

    temp_file certificate(client_pki.cert_pem);
    temp_file key(client_pki.key_pem);
    auto from_files = client_for(server.url(), server_pki.ca_pem, [&](auto& o) {
        o.tls.client_certificate_file = certificate.path.string();
        o.tls.client_key_file = key.path.string();
    });
    CHECK(from_files.attempt(from_files.client.users().list()));
    CHECK(server.last_client_subject() == expected_subject);
    CHECK(server.requests() == 2);

    // Without a certificate the server ends the handshake; with TLS 1.3 the client learns it on its
    // first read. Either way the call fails and nothing was served.
    auto without = client_for(server.url(), server_pki.ca_pem);
    const auto e = error_of(without.attempt(without.client.users().list()));
    CHECK((e.code == errc::tls_handshake_failed || e.code == errc::read_failed));
    CHECK(server.requests() == 2);

    // A certificate signed by another CA is refused the same way.
    const auto stranger = wacht::emulator::generate_pki();
    auto wrong = client_for(server.url(), server_pki.ca_pem, [&](auto& o) {
        o.tls.client_certificate_pem = stranger.cert_pem;
        o.tls.client_key_pem = stranger.key_pem;
    });
    const auto refused = error_of(wrong.attempt(wrong.client.users().list()));
    CHECK((refused.code == errc::tls_handshake_failed || refused.code == errc::read_failed));
    CHECK(server.requests() == 2);
}

TEST_CASE("client certificate options are checked when the client is built - the key never shows")
{
    const auto pki = wacht::emulator::generate_pki();
    const auto other = wacht::emulator::generate_pki();
    CHECK(construction_error([&](auto& o) { o.tls.client_certificate_pem = pki.cert_pem; }).code ==
          errc::invalid_argument);
    CHECK(construction_error([&](auto& o) { o.tls.client_key_pem = pki.key_pem; }).code ==
          errc::invalid_argument);
    const auto mismatch = construction_error([&](auto& o) {
        o.tls.client_certificate_pem = pki.cert_pem;
        o.tls.client_key_pem = other.key_pem;
    });
    CHECK(mismatch.code == errc::tls_handshake_failed);
    CHECK(mismatch.diagnostics.detail.find("does not match") != std::string::npos);
    const auto garbage = construction_error([&](auto& o) {
        o.tls.client_certificate_pem = pki.cert_pem;
        o.tls.client_key_pem =
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n";
    });
    CHECK(garbage.code == errc::tls_handshake_failed);
    for (const auto& e : {mismatch, garbage}) {
        CHECK(e.message().find("PRIVATE KEY") == std::string::npos);
        CHECK(e.message().find("c2VjcmV0") == std::string::npos);
    }
    CHECK(construction_error([&](auto& o) {
              o.tls.client_certificate_file = "/nonexistent/client.pem";
              o.tls.client_key_file = "/nonexistent/client.key";
          }).code == errc::tls_handshake_failed);
}

TEST_CASE(
    "the application's ssl::context: its trust and client certificate are used - its verify_none is not")
{
    const auto server_pki = wacht::emulator::generate_pki();
    const auto client_pki = wacht::emulator::generate_pki();
    tls_server server(server_pki, {.client_ca = client_pki.ca_pem});

    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    context->add_certificate_authority(asio::buffer(server_pki.ca_pem));
    context->use_certificate_chain(asio::buffer(client_pki.cert_pem));
    context->use_private_key(asio::buffer(client_pki.key_pem), ssl::context::pem);
    context->set_verify_mode(ssl::verify_none);
    plain_client c(server.url(), [&](wacht::client_options& o) { o.tls.context = context; });
    context.reset(); // the client keeps the OpenSSL context alive
    CHECK(c.attempt(c.client.users().list()));
    CHECK(server.last_client_subject() == subject_of(client_pki.cert_pem));

    // A context that trusts nothing and asks for no verification: the client verifies anyway.
    auto careless = std::make_shared<ssl::context>(ssl::context::tls_client);
    careless->set_verify_mode(ssl::verify_none);
    careless->set_verify_callback([](bool, ssl::verify_context&) { return true; });
    plain_client unverified(server.url(), [&](wacht::client_options& o) { o.tls.context = careless; });
    const auto e = error_of(unverified.attempt(unverified.client.users().list()));
    CHECK(e.code == errc::tls_handshake_failed);
    CHECK(e.diagnostics.detail.find("unable to get local issuer certificate") != std::string::npos);
    CHECK(server.requests() == 1);

    // The options that belong to the context cannot be given beside it.
    CHECK(construction_error([&](auto& o) {
              o.tls.context = careless;
              o.tls.ca_pem = server_pki.ca_pem;
          }).code == errc::invalid_argument);
    CHECK(construction_error([&](auto& o) {
              o.tls.context = careless;
              o.tls.configure_context = [](ssl::context&) {};
          }).code == errc::invalid_argument);
}

TEST_CASE("configure_context adjusts the client's own context once - it cannot turn verification off")
{
    const auto server_pki = wacht::emulator::generate_pki();
    const auto client_pki = wacht::emulator::generate_pki();
    tls_server server(server_pki, {.client_ca = client_pki.ca_pem});
    int calls = 0;
    auto c = client_for(server.url(), server_pki.ca_pem, [&](auto& o) {
        o.tls.configure_context = [&](ssl::context& context) {
            ++calls;
            context.use_certificate_chain(asio::buffer(client_pki.cert_pem));
            context.use_private_key(asio::buffer(client_pki.key_pem), ssl::context::pem);
        };
    });
    CHECK(calls == 1);
    CHECK(c.attempt(c.client.users().list()));
    CHECK(c.attempt(c.client.users().list()));
    CHECK(calls == 1);
    CHECK(server.last_client_subject() == subject_of(client_pki.cert_pem));

    plain_client careless(server.url(), [&](wacht::client_options& o) {
        o.tls.configure_context = [](ssl::context& context) {
            context.set_verify_mode(ssl::verify_none);
            context.set_verify_callback([](bool, ssl::verify_context&) { return true; });
        };
    });
    CHECK(error_of(careless.attempt(careless.client.users().list())).code == errc::tls_handshake_failed);

    // What the callback throws leaves the constructor.
    CHECK_THROWS_AS(plain_client("https://127.0.0.1:1",
                                 [](wacht::client_options& o) {
                                     o.tls.configure_context = [](ssl::context&) {
                                         throw std::runtime_error("no");
                                     };
                                 }),
                    std::runtime_error);
}

TEST_CASE(
    "through a CONNECT proxy: TLS end to end with the API's name - credentials only in the CONNECT request")
{
    connect_proxy proxy;
    std::vector<std::string> log;
    wacht::test::harness h(wacht::test::default_server_options(), [&](wacht::client_options& o) {
        o.proxy.url = "http://gw-user:p%40ss%20word@127.0.0.1:" + std::to_string(proxy.port());
        o.logger = [&](wacht::log_level, std::string_view line) { log.emplace_back(line); };
    });
    for (int i = 0; i < 3; ++i)
        CHECK(h.run(h.client.users().list().try_send()));
    const auto heads = proxy.heads();
    REQUIRE(heads.size() == 1); // one tunnel, kept alive
    const auto api = h.server.base_url().substr(std::string("https://").size());
    CHECK(heads[0].starts_with("CONNECT " + api + " HTTP/1.1\r\n"));
    CHECK(heads[0].find("\r\nHost: " + api + "\r\n") != std::string::npos);
    CHECK(heads[0].find("\r\nProxy-Authorization: Basic Z3ctdXNlcjpwQHNzIHdvcmQ=\r\n") != std::string::npos);
    CHECK(h.server.backend().request_count() == 3);
    for (const auto& line : log)
        CHECK(line.find("p@ss") == std::string::npos);

    // A host-name origin: the name goes to the proxy in CONNECT and is what the certificate is
    // checked against (the emulator's certificate names localhost).
    const auto port = api.substr(api.rfind(':') + 1);
    plain_client by_name("https://localhost:" + port, [&](wacht::client_options& o) {
        o.api_key = h.server.api_key();
        o.tls.ca_pem = h.server.ca_pem();
        o.proxy.url = "http://127.0.0.1:" + std::to_string(proxy.port());
    });
    CHECK(by_name.attempt(by_name.client.users().list()));
    REQUIRE(proxy.heads().size() == 2);
    CHECK(proxy.heads()[1].starts_with("CONNECT localhost:" + port + " HTTP/1.1\r\n"));
    CHECK(proxy.heads()[1].find("Proxy-Authorization") == std::string::npos);
}

TEST_CASE("the CONNECT tunnel's time is part of the attempt's connect phase")
{
    // The proxy answers CONNECT 150 ms after reading it; the connect phase covers that wait.
    connect_proxy proxy({}, 150ms);
    struct timings_observer final : wacht::observer
    {
        void on_attempt_finished(const wacht::attempt_finished_event& e) override
        {
            timings.push_back(e.timings);
        }
        std::vector<wacht::phase_timings> timings;
    };
    auto observer = std::make_shared<timings_observer>();
    wacht::test::harness h(wacht::test::default_server_options(), [&](wacht::client_options& o) {
        o.proxy.url = "http://127.0.0.1:" + std::to_string(proxy.port());
        o.observer = observer;
    });
    REQUIRE(h.run(h.client.users().list().try_send()));
    REQUIRE(observer->timings.size() == 1);
    CHECK(observer->timings[0].connect >= 150ms);
    CHECK(observer->timings[0].tls_handshake > std::chrono::nanoseconds(0));
}

TEST_CASE("through a CONNECT proxy to an http:// origin: the API never sees the proxy's credentials")
{
    std::mutex mutex;
    std::string seen;
    canned_server api([&](std::string_view head) {
        std::lock_guard lock(mutex);
        seen = std::string(head);
        return ok_response(read_data("users-list.json"));
    });
    connect_proxy proxy;
    plain_client c(api.url(), [&](wacht::client_options& o) {
        o.proxy.url = "http://gw-user:p%40ss%20word@127.0.0.1:" + std::to_string(proxy.port());
    });
    CHECK(c.attempt(c.client.users().list()));
    REQUIRE(proxy.heads().size() == 1);
    std::lock_guard lock(mutex);
    CHECK(seen.starts_with("GET /"));
    CHECK(seen.find("Proxy-Authorization") == std::string::npos);
    CHECK(seen.find("Z3ctdXNlcjpwQHNzIHdvcmQ=") == std::string::npos);
}

TEST_CASE("a proxy that refuses: proxy_failed with its status - never the API's - nothing sent - no "
          "credentials shown")
{
    std::vector<std::string> log;
    const auto adjust = [&](connect_proxy& proxy) {
        return [&](wacht::client_options& o) {
            o.proxy.url = "http://gw-user:p%40ss%20word@127.0.0.1:" + std::to_string(proxy.port());
            o.logger = [&](wacht::log_level, std::string_view line) { log.emplace_back(line); };
        };
    };
    for (const int status : {407, 502}) {
        connect_proxy proxy("HTTP/1.1 " + std::to_string(status) +
                            " No\r\nProxy-Authenticate: Basic realm=\"gw\"\r\nContent-Length: 4\r\n\r\nnope");
        wacht::test::harness h(wacht::test::default_server_options(), adjust(proxy));
        const auto e = error_of(h.run(h.client.users().list().try_send()));
        CHECK(e.code == errc::proxy_failed);
        CHECK(e.diagnostics.proxy_status == status);
        CHECK(e.diagnostics.http_status == 0);
        CHECK(e.message().find("proxy answered HTTP " + std::to_string(status)) != std::string::npos);
        CHECK(e.message().find("127.0.0.1:" + std::to_string(proxy.port())) != std::string::npos);
        CHECK(proxy.heads().size() == 1); // not retried, even for a GET
        CHECK(h.server.backend().request_count() == 0);
        for (const auto& text : {e.message(), e.diagnostics.detail})
            for (const char* secret : {"gw-user", "p@ss", "p%40ss", "Z3ctdXNlcjpwQHNzIHdvcmQ="})
                CHECK(text.find(secret) == std::string::npos);
    }
    REQUIRE_FALSE(log.empty());
    for (const auto& line : log)
        for (const char* secret : {"gw-user", "p@ss", "p%40ss", "Z3ctdXNlcjpwQHNzIHdvcmQ="})
            CHECK(line.find(secret) == std::string::npos);
}

TEST_CASE("a proxy that never answers CONNECT: connect_timeout - one that answers garbage: proxy_failed")
{
    canned_server silent("", canned_server::mode::stall);
    plain_client stalled("https://127.0.0.1:9", [&](wacht::client_options& o) {
        o.proxy.url = silent.url();
        o.timeouts.connect = 100ms;
        o.retry.max_attempts = 1;
    });
    const auto e = error_of(stalled.attempt(stalled.client.users().list()));
    CHECK(e.code == errc::connect_timeout);
    CHECK(e.diagnostics.detail.find("proxy " + silent.url().substr(7)) != std::string::npos);

    canned_server garbage("SSH-2.0-OpenSSH_9.2\r\n\r\n");
    plain_client confused("https://127.0.0.1:9",
                          [&](wacht::client_options& o) { o.proxy.url = garbage.url(); });
    const auto g = error_of(confused.attempt(confused.client.users().list()));
    CHECK(g.code == errc::proxy_failed);
    CHECK(g.diagnostics.proxy_status == 0);
    CHECK(garbage.requests() == 1);
}

TEST_CASE("proxy URLs are checked when the client is built - without echoing credentials")
{
    for (const char* url :
         {"https://user:s3cret@127.0.0.1:3128", "socks5://user:s3cret@127.0.0.1:1080",
          "http://user:s3cret@127.0.0.1:3128/path", "http://user:s3cret@127.0.0.1:0",
          "http://user:s3cret@127.0.0.1:3128?q", "http://user:s3cret@:3128", "not a url s3cret"}) {
        const auto e = construction_error([&](auto& o) { o.proxy.url = url; });
        CHECK(e.code == errc::invalid_argument);
        CHECK(e.message().find("s3cret") == std::string::npos);
    }
    // Off by default, and never taken from the environment.
    ::setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
    CHECK(wacht::client_options::from_env().proxy.url.empty());
    ::unsetenv("HTTPS_PROXY");
}
