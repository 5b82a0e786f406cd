// SPDX-License-Identifier: BSL-1.0
// A plain TCP peer on 127.0.0.1:0 that answers every request with fixed bytes, or never answers:
// for testing how the client handles what the emulator never sends (HTML 502s, malformed responses,
// stalls). Runs on its own thread; stops when destroyed.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace wacht::test {

class canned_server
{
public:
    enum class mode
    {
        respond, // read a request head, write `response`, repeat
        stall,   // accept and never read or write
    };

    /// Makes each response from the request head it answers (for example to echo a header back).
    using responder = std::function<std::string(std::string_view request_head)>;

    explicit canned_server(std::string response, mode m = mode::respond)
        : canned_server([response = std::move(response)](std::string_view) { return response; }, m)
    {}

    explicit canned_server(responder respond, mode m = mode::respond) : respond_(std::move(respond)), mode_(m)
    {
        using boost::asio::ip::tcp;
        acceptor_.open(tcp::v4());
        acceptor_.bind({boost::asio::ip::address_v4::loopback(), 0});
        acceptor_.listen();
        boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }

    ~canned_server()
    {
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::string url(const char* scheme = "http") const
    {
        return std::string(scheme) + "://127.0.0.1:" + std::to_string(port());
    }
    /// Connections accepted so far.
    int connections() const { return connections_.load(); }
    /// Request heads read so far.
    int requests() const { return requests_.load(); }

private:
    boost::asio::awaitable<void> accept_loop()
    {
        for (;;) {
            auto socket = std::make_shared<boost::asio::ip::tcp::socket>(
                co_await acceptor_.async_accept(boost::asio::use_awaitable));
            ++connections_;
            if (mode_ == mode::stall) {
                held_.push_back(socket); // kept open, never served
                continue;
            }
            boost::asio::co_spawn(io_, serve(socket), boost::asio::detached);
        }
    }

    boost::asio::awaitable<void> serve(std::shared_ptr<boost::asio::ip::tcp::socket> socket)
    {
        boost::asio::streambuf buffer;
        for (;;) {
            const auto n = co_await boost::asio::async_read_until(*socket, buffer, "\r\n\r\n",
                                                                  boost::asio::use_awaitable);
            const std::string response =
                respond_(std::string_view(static_cast<const char*>(buffer.data().data()), n));
            buffer.consume(n);
            ++requests_;
            co_await boost::asio::async_write(*socket, boost::asio::buffer(response),
                                              boost::asio::use_awaitable);
        }
    }

    responder respond_;
    mode mode_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_{io_};
    std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> held_;
    std::atomic<int> connections_{0};
    std::atomic<int> requests_{0};
    std::thread thread_;
};

} // namespace wacht::test
