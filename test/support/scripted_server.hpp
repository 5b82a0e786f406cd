// SPDX-License-Identifier: BSL-1.0
// A plain-HTTP peer on 127.0.0.1:0 that misbehaves on purpose: a script decides, request by request,
// which bytes go back, in which pieces, after which pauses, and whether the connection is then closed
// or reset. For the transport's fault tests (late duplicate responses, 1xx interim responses, servers
// that restart, trickled bodies). Raw Asio, nothing shared with the SDK. Runs on its own thread; stops
// when destroyed.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wacht::test {

class scripted_server
{
public:
    /// What the server read: one request.
    struct request
    {
        std::string head; // request line and headers, with the final CRLF CRLF
        std::string body;
        int connection = 0; // 1-based, in accept order
        int index = 0;      // 1-based, over all connections
    };
    /// Bytes written after a pause.
    struct step
    {
        std::string bytes;
        std::chrono::milliseconds pause{0};
    };
    /// The answer to one request; after it the connection is kept, closed (FIN) or reset (RST).
    struct reply
    {
        std::vector<step> steps;
        enum class then
        {
            keep,
            close,
            reset,
        } after = then::keep;
    };
    using script = std::function<reply(const request&)>;

    explicit scripted_server(script s) : script_(std::move(s))
    {
        using boost::asio::ip::tcp;
        acceptor_.open(tcp::v4());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind({boost::asio::ip::address_v4::loopback(), 0});
        acceptor_.listen();
        boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }

    ~scripted_server()
    {
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
    int connections() const { return connections_.load(); }
    int requests() const { return requests_.load(); }
    /// Steps written so far, over all connections.
    int steps_written() const { return steps_written_.load(); }
    /// Every request read so far.
    std::vector<request> received() const
    {
        std::lock_guard lock(mutex_);
        return received_;
    }

    /// Closes every open connection (as a restarting server does), with a FIN or, with `reset`, a RST;
    /// returns once they are closed.
    void close_all(bool reset = false)
    {
        std::promise<void> done;
        boost::asio::post(io_, [&] {
            for (auto& weak : open_)
                if (auto socket = weak.lock()) {
                    boost::system::error_code ec;
                    if (reset)
                        socket->set_option(boost::asio::socket_base::linger(true, 0), ec);
                    socket->close(ec);
                }
            open_.clear();
            done.set_value();
        });
        done.get_future().wait();
    }

    /// Waits (bounded, 5 s) until `steps_written() >= n`; returns whether it got there.
    bool wait_for_steps(int n) const
    {
        for (int i = 0; i < 500 && steps_written() < n; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return steps_written() >= n;
    }

private:
    using socket_ptr = std::shared_ptr<boost::asio::ip::tcp::socket>;

    boost::asio::awaitable<void> accept_loop()
    {
        for (;;) {
            auto socket = std::make_shared<boost::asio::ip::tcp::socket>(
                co_await acceptor_.async_accept(boost::asio::use_awaitable));
            // No Nagle: a step is on the wire when steps_written() counts it, not held for an ACK.
            socket->set_option(boost::asio::ip::tcp::no_delay(true));
            open_.push_back(socket);
            boost::asio::co_spawn(io_, serve(socket, ++connections_), boost::asio::detached);
        }
    }

    boost::asio::awaitable<void> serve(socket_ptr socket, int connection)
    {
        using boost::asio::use_awaitable;
        std::string buffer;
        for (;;) {
            request r;
            const auto head_size = co_await boost::asio::async_read_until(
                *socket, boost::asio::dynamic_buffer(buffer), "\r\n\r\n", use_awaitable);
            r.head = buffer.substr(0, head_size);
            buffer.erase(0, head_size);
            std::size_t length = 0;
            for (const char* name : {"Content-Length: ", "content-length: "})
                if (const auto at = r.head.find(name); at != std::string::npos)
                    length = std::stoul(r.head.substr(at + std::char_traits<char>::length(name)));
            if (buffer.size() < length)
                co_await boost::asio::async_read(*socket, boost::asio::dynamic_buffer(buffer),
                                                 boost::asio::transfer_exactly(length - buffer.size()),
                                                 use_awaitable);
            r.body = buffer.substr(0, length);
            buffer.erase(0, length);
            r.connection = connection;
            r.index = ++requests_;
            {
                std::lock_guard lock(mutex_);
                received_.push_back(r);
            }
            const auto answer = script_(r);
            for (const auto& s : answer.steps) {
                if (s.pause.count() > 0) {
                    boost::asio::steady_timer timer(io_, s.pause);
                    co_await timer.async_wait(use_awaitable);
                }
                co_await boost::asio::async_write(*socket, boost::asio::buffer(s.bytes), use_awaitable);
                ++steps_written_;
            }
            if (answer.after != reply::then::keep) {
                boost::system::error_code ec;
                if (answer.after == reply::then::reset)
                    socket->set_option(boost::asio::socket_base::linger(true, 0), ec);
                socket->close(ec);
                co_return;
            }
        }
    }

    script script_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_{io_};
    std::vector<std::weak_ptr<boost::asio::ip::tcp::socket>> open_; // touched on the server thread only
    std::atomic<int> connections_{0};
    std::atomic<int> requests_{0};
    std::atomic<int> steps_written_{0};
    mutable std::mutex mutex_;
    std::vector<request> received_;
    std::thread thread_;
};

/// A whole HTTP/1.1 response with a correct Content-Length.
inline std::string whole_response(const std::string& status_line, const std::string& body,
                                  const std::string& extra_headers = {})
{
    return "HTTP/1.1 " + status_line + "\r\nContent-Type: application/json\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

} // namespace wacht::test
