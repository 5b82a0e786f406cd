#include "server.hpp"

#include "pki.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace wacht::emulator {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t drain_limit = 64 * 1024 * 1024;

} // namespace

struct server::impl
{
    // Everything the session coroutines touch is declared before `io`, so that it outlives the
    // coroutine frames that the io_context destroys.
    server_options options;
    ssl::context ssl_context{ssl::context::tls_server};
    std::unique_ptr<emulator::api> backend;
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> closed_connections{0};
    std::atomic<std::uint64_t> resumed_handshakes{0};
    // Connections waiting for their next request, by session number, for close_idle_connections().
    std::mutex idle_mutex;
    std::uint64_t next_session = 0;
    std::map<std::uint64_t, std::pair<asio::any_io_executor, beast::tcp_stream*>> idle_sessions;
    std::once_flag stopped;
    tcp::endpoint local_endpoint;
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::vector<std::thread> threads;

    explicit impl(server_options opts) : options(std::move(opts))
    {
        if (options.tls) {
            if (options.cert_pem.empty()) {
                auto pki = generate_pki();
                options.cert_pem = std::move(pki.cert_pem);
                options.key_pem = std::move(pki.key_pem);
                options.ca_pem = std::move(pki.ca_pem);
            }
            ssl_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                    ssl::context::no_tlsv1_1);
            ssl_context.use_certificate_chain(asio::buffer(options.cert_pem));
            ssl_context.use_private_key(asio::buffer(options.key_pem), ssl::context::pem);
        }
        backend = std::make_unique<emulator::api>(options.api);
        const tcp::endpoint endpoint(asio::ip::make_address(options.address), options.port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
        local_endpoint = acceptor.local_endpoint();
        asio::co_spawn(io, accept_loop(), asio::detached);
        for (std::size_t i = 0; i < std::max<std::size_t>(1, options.threads); ++i)
            threads.emplace_back([this] { io.run(); });
    }

    asio::awaitable<void> accept_loop()
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), nothrow_awaitable);
            if (ec == asio::error::operation_aborted || !acceptor.is_open())
                co_return;
            if (ec)
                continue;
            socket.set_option(tcp::no_delay(true), ec);
            auto executor = socket.get_executor();
            asio::co_spawn(executor, session(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> session(tcp::socket socket)
    {
        ++connections;
        struct count_close
        {
            std::atomic<std::uint64_t>& closed;
            ~count_close() { ++closed; }
        } counter{closed_connections};
        beast::tcp_stream stream(std::move(socket));
        if (!options.tls) {
            co_await serve(stream, stream);
            co_return;
        }
        beast::ssl_stream<beast::tcp_stream&> tls(stream, ssl_context);
        stream.expires_after(std::chrono::seconds(10));
        auto [ec] = co_await tls.async_handshake(ssl::stream_base::server, nothrow_awaitable);
        if (ec)
            co_return;
        if (SSL_session_reused(tls.native_handle()))
            ++resumed_handshakes;
        co_await serve(tls, stream);
    }

    template <class Stream>
    asio::awaitable<void> serve(Stream& stream, beast::tcp_stream& lowest)
    {
        beast::flat_buffer buffer;
        std::uint64_t session_number;
        {
            std::lock_guard lock(idle_mutex);
            session_number = ++next_session;
        }
        // Runs on the session's strand, as does every use of the registry entry's stream.
        struct unregister
        {
            impl& self;
            std::uint64_t number;
            ~unregister()
            {
                std::lock_guard lock(self.idle_mutex);
                self.idle_sessions.erase(number);
            }
        } guard{*this, session_number};
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(64 * 1024);
            // Read past the API's 2 MiB limit (up to drain_limit) so that an oversized upload still gets
            // its 400/413 instead of a reset while the client is writing.
            parser.body_limit(drain_limit);
            lowest.expires_after(options.keep_alive_timeout);
            if (buffer.size() == 0)
                mark_idle(session_number, lowest);
            auto [header_ec, header_bytes] =
                co_await http::async_read_header(stream, buffer, parser, nothrow_awaitable);
            {
                std::lock_guard lock(idle_mutex);
                idle_sessions.erase(session_number);
            }
            if (header_ec)
                co_return;
            auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, nothrow_awaitable);
            if (body_ec)
                co_return;
            const bool too_large = parser.get().body().size() > emulator::api::body_limit;

            const auto& message = parser.get();
            http_request request;
            request.method = std::string(message.method_string());
            request.target = std::string(message.target());
            if (auto it = message.find(http::field::authorization); it != message.end())
                request.authorization = std::string(it->value());
            if (auto it = message.find(http::field::content_type); it != message.end())
                request.content_type = std::string(it->value());
            if (auto it = message.find(http::field::user_agent); it != message.end())
                request.user_agent = std::string(it->value());
            if (auto it = message.find(http::field::accept); it != message.end())
                request.accept = std::string(it->value());
            if (auto it = message.find("X-Request-Id"); it != message.end())
                request.request_id = std::string(it->value());
            request.body_too_large = too_large;
            if (!too_large)
                request.body = std::move(parser.get().body());
            const bool keep_alive = message.keep_alive() && !too_large;

            auto result = backend->handle(request);
            if (result.delay.count() > 0) { // injected latency, or a stall before closing
                asio::steady_timer timer(lowest.get_executor(), result.delay);
                co_await timer.async_wait(nothrow_awaitable);
            }
            using fault_kind = emulator::fault::kind;
            if (result.drop_connection || result.transport_fault == fault_kind::stall_headers)
                break; // as the real server does when its handler panics
            http::response<http::string_body> response{static_cast<http::status>(result.status), 11};
            response.set(http::field::content_type, result.content_type);
            response.keep_alive(keep_alive);
            response.body() = std::move(result.body);
            response.prepare_payload();
            if (result.transport_fault == fault_kind::close_after_headers ||
                result.transport_fault == fault_kind::close_mid_body) {
                http::response_serializer<http::string_body> serializer(response);
                co_await http::async_write_header(stream, serializer, nothrow_awaitable);
                if (result.transport_fault == fault_kind::close_mid_body) {
                    const auto& body = response.body();
                    co_await asio::async_write(stream, asio::buffer(body.data(), body.size() / 2),
                                               nothrow_awaitable);
                }
                break;
            }
            // Idle from the moment the response is handed over: the client may have read all of it
            // before this coroutine runs again.
            if (keep_alive)
                mark_idle(session_number, lowest);
            // Status line, headers and body in one buffer, so that a small response is one TLS record.
            std::string wire;
            wire.reserve(128 + response.body().size());
            wire += "HTTP/1.1 ";
            wire += std::to_string(response.result_int());
            wire += ' ';
            wire += http::obsolete_reason(response.result());
            wire += "\r\n";
            for (const auto& field : response)
                wire.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
            wire += "\r\n";
            wire += response.body();
            auto [write_ec, written] =
                co_await asio::async_write(stream, asio::buffer(wire), nothrow_awaitable);
            if (write_ec || !keep_alive)
                break;
        }
        lowest.expires_after(std::chrono::seconds(2));
        if constexpr (!std::is_same_v<Stream, beast::tcp_stream>)
            co_await stream.async_shutdown(nothrow_awaitable);
        boost::system::error_code ignored;
        lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }

    void mark_idle(std::uint64_t session_number, beast::tcp_stream& stream)
    {
        std::lock_guard lock(idle_mutex);
        idle_sessions[session_number] = {stream.get_executor(), &stream};
    }

    // Closes, without a response, every connection waiting for its next request; returns when done.
    void close_idle_connections()
    {
        std::vector<std::pair<std::uint64_t, asio::any_io_executor>> targets;
        {
            std::lock_guard lock(idle_mutex);
            for (const auto& [number, entry] : idle_sessions)
                targets.emplace_back(number, entry.first);
        }
        for (const auto& [number, executor] : targets) {
            std::promise<void> done;
            asio::post(executor, [this, number = number, &done] {
                std::lock_guard lock(idle_mutex);
                if (auto it = idle_sessions.find(number); it != idle_sessions.end()) {
                    boost::system::error_code ignored;
                    it->second.second->socket().shutdown(tcp::socket::shutdown_both, ignored);
                    it->second.second->socket().close(ignored);
                    idle_sessions.erase(it);
                }
                done.set_value();
            });
            done.get_future().wait();
        }
    }

    void stop()
    {
        std::call_once(stopped, [this] {
            asio::post(io, [this] {
                boost::system::error_code ignored;
                acceptor.close(ignored);
            });
            io.stop();
            for (auto& t : threads)
                t.join();
        });
    }
};

server::server(server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

server::~server()
{
    stop();
}

std::uint16_t server::port() const
{
    return impl_->local_endpoint.port();
}

std::string server::base_url() const
{
    const auto address = impl_->local_endpoint.address();
    const auto host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return std::string(impl_->options.tls ? "https://" : "http://") + host + ":" + std::to_string(port());
}

const std::string& server::ca_pem() const
{
    return impl_->options.ca_pem;
}

std::uint64_t server::connection_count() const
{
    return impl_->connections.load();
}

std::uint64_t server::resumed_handshake_count() const
{
    return impl_->resumed_handshakes;
}

std::uint64_t server::closed_connection_count() const
{
    return impl_->closed_connections.load();
}

void server::close_idle_connections()
{
    impl_->close_idle_connections();
}

const std::string& server::api_key() const
{
    return impl_->options.api.api_key;
}

api& server::backend()
{
    return *impl_->backend;
}

void server::stop()
{
    impl_->stop();
}

} // namespace wacht::emulator
