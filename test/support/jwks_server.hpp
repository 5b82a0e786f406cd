// SPDX-License-Identifier: BSL-1.0
// A small HTTPS server on 127.0.0.1:0 that plays the Frontend API's /.well-known/jwks.json for the
// verifier tests: Asio's ssl::stream and a hand-written HTTP/1.1 loop, sharing no code with lib/. It
// serves a settable document, or fails in a chosen way, counts the requests it answers, and can hold
// each answer for a while so that callers pile up on one fetch. Runs on its own thread.
#pragma once

#include "jwt_forge.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace wacht::test {

class jwks_server
{
public:
    enum class mode
    {
        serve,    // 200 with the document
        fail_503, // 503 with a platform error body
        redirect, // 302 to another host
        hang,     // read the request, never answer
        garbage,  // 200 with a body that is not a JWKS
    };

    jwks_server() : cert_(forge::self_signed_localhost()), tls_(boost::asio::ssl::context::tls_server)
    {
        tls_.use_certificate_chain(boost::asio::buffer(cert_.cert_pem));
        tls_.use_private_key(boost::asio::buffer(cert_.key_pem), boost::asio::ssl::context::pem);
        using boost::asio::ip::tcp;
        acceptor_.open(tcp::v4());
        acceptor_.bind({boost::asio::ip::address_v4::loopback(), 0});
        acceptor_.listen();
        boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }

    ~jwks_server()
    {
        io_.stop();
        thread_.join();
    }

    std::string origin() const
    {
        return "https://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    }
    const std::string& ca_pem() const { return cert_.cert_pem; }

    void set_document(std::string body)
    {
        std::lock_guard lock(mutex_);
        document_ = std::move(body);
    }
    void set_mode(mode m) { mode_ = m; }
    /// Each answer waits this long on the server's timer first.
    void set_delay(std::chrono::milliseconds d) { delay_ms_ = static_cast<int>(d.count()); }
    /// Requests read so far (any path).
    int requests() const { return requests_.load(); }
    /// Whether any request carried an Authorization header.
    bool saw_authorization() const { return saw_authorization_.load(); }
    std::string last_target() const
    {
        std::lock_guard lock(mutex_);
        return last_target_;
    }

private:
    using stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

    boost::asio::awaitable<void> accept_loop()
    {
        for (;;) {
            auto socket = co_await acceptor_.async_accept(boost::asio::use_awaitable);
            boost::asio::co_spawn(io_, serve(std::make_shared<stream>(std::move(socket), tls_)),
                                  boost::asio::detached);
        }
    }

    boost::asio::awaitable<void> serve(std::shared_ptr<stream> s)
    {
        try {
            co_await s->async_handshake(boost::asio::ssl::stream_base::server, boost::asio::use_awaitable);
            boost::asio::streambuf buffer;
            for (;;) {
                const auto n = co_await boost::asio::async_read_until(*s, buffer, "\r\n\r\n",
                                                                      boost::asio::use_awaitable);
                std::string head(boost::asio::buffers_begin(buffer.data()),
                                 boost::asio::buffers_begin(buffer.data()) + n);
                buffer.consume(n);
                ++requests_;
                {
                    std::lock_guard lock(mutex_);
                    last_target_ = head.substr(head.find(' ') + 1, head.find(" HTTP/") - head.find(' ') - 1);
                }
                std::string lower = head;
                for (auto& c : lower)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (lower.find("\r\nauthorization:") != std::string::npos)
                    saw_authorization_ = true;
                if (delay_ms_ > 0) {
                    boost::asio::steady_timer t(io_, std::chrono::milliseconds(delay_ms_.load()));
                    co_await t.async_wait(boost::asio::use_awaitable);
                }
                const mode m = mode_.load();
                if (m == mode::hang) {
                    boost::asio::steady_timer t(io_, std::chrono::hours(1));
                    co_await t.async_wait(boost::asio::use_awaitable);
                }
                std::string status = "200 OK", body, extra;
                if (m == mode::serve) {
                    std::lock_guard lock(mutex_);
                    body = document_;
                } else if (m == mode::garbage) {
                    body = "<html>not a key set</html>";
                } else if (m == mode::fail_503) {
                    status = "503 Service Unavailable";
                    body = R"({"errors":[{"message":"unavailable","code":503}]})";
                } else {
                    status = "302 Found";
                    extra = "Location: https://attacker.example/.well-known/jwks.json\r\n";
                }
                const std::string response = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n" +
                                             extra + "Content-Length: " + std::to_string(body.size()) +
                                             "\r\n\r\n" + body;
                co_await boost::asio::async_write(*s, boost::asio::buffer(response),
                                                  boost::asio::use_awaitable);
            }
        } catch (...) { // the peer closed, or the server stops
        }
    }

    forge::certificate cert_;
    boost::asio::ssl::context tls_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_{io_};
    std::thread thread_;
    mutable std::mutex mutex_;
    std::string document_;
    std::string last_target_;
    std::atomic<mode> mode_{mode::serve};
    std::atomic<int> delay_ms_{0};
    std::atomic<int> requests_{0};
    std::atomic<bool> saw_authorization_{false};
};

} // namespace wacht::test
