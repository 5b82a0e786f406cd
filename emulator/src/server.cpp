// SPDX-License-Identifier: BSL-1.0
#include "wacht/emulator/server.hpp"

#include "wacht/emulator/pki.hpp"

#include "webhook_sender.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <charconv>
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

// Each server thread runs its own io_context and owns the connections accepted onto it, so nothing
// needs a strand and every executor is the concrete io_context one (no type erasure per operation).
using executor_type = asio::io_context::executor_type;
using tcp_stream = beast::basic_stream<tcp, executor_type>;
using acceptor_type = asio::basic_socket_acceptor<tcp, executor_type>;
using timer_type = asio::basic_waitable_timer<std::chrono::steady_clock,
                                              asio::wait_traits<std::chrono::steady_clock>, executor_type>;
template <class T = void>
using task = asio::awaitable<T, executor_type>;
constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable_t<executor_type>{});
constexpr std::size_t drain_limit = 64 * 1024 * 1024;

// Reads one request into an http_request that the connection reuses (its strings keep their capacity),
// keeping only the fields the api looks at. A body over api::body_limit is counted, not kept.
class request_reader : public http::basic_parser<true>
{
public:
    explicit request_reader(http_request& request) : request_(request)
    {
        request_.method.clear();
        request_.target.clear();
        request_.authorization.clear();
        request_.content_type.clear();
        request_.user_agent.clear();
        request_.accept.clear();
        request_.request_id.clear();
        request_.body.clear();
        request_.body_too_large = false;
        header_limit(64 * 1024);
        // Read past the API's 2 MiB limit (up to drain_limit) so that an oversized upload still gets its
        // 400/413 instead of a reset while the client is writing.
        body_limit(drain_limit);
    }

private:
    void on_request_impl(http::verb, beast::string_view method, beast::string_view target, int,
                         beast::error_code&) override
    {
        request_.method.assign(method.data(), method.size());
        request_.target.assign(target.data(), target.size());
    }

    void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}

    // The first of repeated fields wins, as with http::fields::find.
    void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                       beast::error_code&) override
    {
        std::string* target = nullptr;
        std::uint8_t bit = 0;
        switch (name) {
        case http::field::authorization:
            target = &request_.authorization, bit = 1;
            break;
        case http::field::content_type:
            target = &request_.content_type, bit = 2;
            break;
        case http::field::user_agent:
            target = &request_.user_agent, bit = 4;
            break;
        case http::field::accept:
            target = &request_.accept, bit = 8;
            break;
        default:
            if (beast::iequals(name_string, "X-Request-Id"))
                target = &request_.request_id, bit = 16;
        }
        if (target == nullptr || (seen_ & bit) != 0)
            return;
        seen_ |= bit;
        target->assign(value.data(), value.size());
    }

    void on_header_impl(beast::error_code&) override {}

    void on_body_init_impl(const boost::optional<std::uint64_t>& length, beast::error_code&) override
    {
        if (length)
            request_.body.reserve(
                static_cast<std::size_t>(std::min<std::uint64_t>(*length, api::body_limit)));
    }

    std::size_t on_body_impl(beast::string_view part, beast::error_code&) override
    {
        body_bytes_ += part.size();
        request_.body_too_large = body_bytes_ > api::body_limit;
        if (request_.body_too_large)
            request_.body.clear();
        else
            request_.body.append(part.data(), part.size());
        return part.size();
    }

    void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}

    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view part, beast::error_code& ec) override
    {
        return on_body_impl(part, ec);
    }

    void on_finish_impl(beast::error_code&) override {}

    http_request& request_;
    std::uint64_t body_bytes_ = 0;
    std::uint8_t seen_ = 0;
};

// Status line and headers as the real server's framework writes them for these responses.
void append_response_head(std::string& out, int status, std::string_view content_type, bool keep_alive,
                          std::size_t content_length)
{
    char number[24];
    out += "HTTP/1.1 ";
    out.append(number, std::to_chars(number, number + sizeof number, status).ptr);
    out += ' ';
    const auto reason = http::obsolete_reason(static_cast<http::status>(status));
    out.append(reason.data(), reason.size());
    out += "\r\nContent-Type: ";
    out += content_type;
    if (!keep_alive)
        out += "\r\nConnection: close";
    out += "\r\nContent-Length: ";
    out.append(number, std::to_chars(number, number + sizeof number, content_length).ptr);
    out += "\r\n\r\n";
}

} // namespace

struct server::impl
{
    // Everything the session coroutines touch is declared before `contexts`, so that it outlives the
    // coroutine frames that the io_contexts destroy.
    server_options options;
    ssl::context ssl_context{ssl::context::tls_server};
    std::unique_ptr<emulator::api> backend;
    std::unique_ptr<webhook_sender> sender; // delivers the api's webhooks; stopped before backend goes
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> closed_connections{0};
    std::atomic<std::uint64_t> resumed_handshakes{0};
    // Every open connection, by session number, and whether it waits for its next request, for
    // close_idle_connections().
    struct session_entry
    {
        executor_type executor;
        tcp_stream* stream;
        bool idle;
    };
    std::mutex sessions_mutex;
    std::uint64_t next_session = 0;
    std::map<std::uint64_t, session_entry> sessions;
    std::once_flag stopped;
    tcp::endpoint local_endpoint;
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    std::vector<asio::executor_work_guard<executor_type>> keep_running;
    std::optional<acceptor_type> acceptor;
    std::size_t next_context = 0;
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
        for (std::size_t i = 0; i < std::max<std::size_t>(1, options.threads); ++i) {
            contexts.push_back(std::make_unique<asio::io_context>(1));
            keep_running.push_back(asio::make_work_guard(contexts.back()->get_executor()));
        }
        acceptor.emplace(contexts.front()->get_executor());
        const tcp::endpoint endpoint(asio::ip::make_address(options.address), options.port);
        acceptor->open(endpoint.protocol());
        acceptor->set_option(tcp::acceptor::reuse_address(true));
        acceptor->bind(endpoint);
        acceptor->listen(asio::socket_base::max_listen_connections);
        local_endpoint = acceptor->local_endpoint();
        backend->set_frontend_origin(origin());
        sender = std::make_unique<webhook_sender>(*backend);
        asio::co_spawn(contexts.front()->get_executor(), accept_loop(), asio::detached);
        for (auto& context : contexts)
            threads.emplace_back([&io = *context] { io.run(); });
    }

    task<> accept_loop()
    {
        for (;;) {
            // Connections go round the threads' io_contexts.
            const auto executor = contexts[next_context++ % contexts.size()]->get_executor();
            auto [ec, socket] = co_await acceptor->async_accept(executor, nothrow_awaitable);
            if (ec == asio::error::operation_aborted || !acceptor->is_open())
                co_return;
            if (ec)
                continue;
            socket.set_option(tcp::no_delay(true), ec);
            asio::co_spawn(executor, session(std::move(socket)), asio::detached);
        }
    }

    task<> session(tcp_stream::socket_type socket)
    {
        ++connections;
        struct count_close
        {
            std::atomic<std::uint64_t>& closed;
            ~count_close() { ++closed; }
        } counter{closed_connections};
        if (!options.tls) {
            tcp_stream stream(std::move(socket));
            co_await serve(stream, stream);
            co_return;
        }
        // Asio's own TLS stream, not the SDK's TLS layer: the SDK's client is tested against a server
        // that shares no TLS code with it.
        ssl::stream<tcp_stream> tls(tcp_stream(std::move(socket)), ssl_context);
        tls.next_layer().expires_after(std::chrono::seconds(10));
        auto [ec] = co_await tls.async_handshake(ssl::stream_base::server, nothrow_awaitable);
        if (ec)
            co_return;
        if (SSL_session_reused(tls.native_handle()))
            ++resumed_handshakes;
        co_await serve(tls, tls.next_layer());
    }

    template <class Stream>
    task<> serve(Stream& stream, tcp_stream& lowest)
    {
        beast::flat_buffer buffer;
        http_request request;
        std::string wire; // the response, reused
        std::uint64_t session_number;
        {
            std::lock_guard lock(sessions_mutex);
            session_number = ++next_session;
            sessions.emplace(session_number, session_entry{lowest.get_executor(), &lowest, false});
        }
        // Runs on the session's thread, as does every use of the registry entry's stream.
        struct unregister
        {
            impl& self;
            std::uint64_t number;
            ~unregister()
            {
                std::lock_guard lock(self.sessions_mutex);
                self.sessions.erase(number);
            }
        } guard{*this, session_number};
        for (;;) {
            request_reader reader(request);
            lowest.expires_after(options.keep_alive_timeout);
            if (buffer.size() == 0)
                set_idle(session_number, true);
            if (!co_await read_request(stream, buffer, reader, session_number))
                co_return;
            const bool keep_alive = reader.keep_alive() && !request.body_too_large;

            auto result = backend->handle(request);
            if (result.delay.count() > 0) { // injected latency, or a stall before closing
                timer_type timer(lowest.get_executor(), result.delay);
                co_await timer.async_wait(nothrow_awaitable);
            }
            using fault_kind = emulator::fault::kind;
            if (result.drop_connection || result.transport_fault == fault_kind::stall_headers)
                break; // as the real server does when its handler panics
            // Status line, headers and body in one buffer, so that a small response is one TLS record.
            wire.clear();
            append_response_head(wire, result.status, result.content_type, keep_alive, result.body.size());
            const bool cut_short = result.transport_fault == fault_kind::close_after_headers ||
                                   result.transport_fault == fault_kind::close_mid_body;
            if (!cut_short)
                wire += result.body;
            else if (result.transport_fault == fault_kind::close_mid_body)
                wire.append(result.body, 0, result.body.size() / 2);
            // Idle from the moment the response is handed over: the client may have read all of it
            // before this coroutine runs again.
            if (keep_alive && !cut_short)
                set_idle(session_number, true);
            auto [write_ec, written] =
                co_await asio::async_write(stream, asio::buffer(wire), nothrow_awaitable);
            if (write_ec || !keep_alive || cut_short)
                break;
        }
        lowest.expires_after(std::chrono::seconds(2));
        if constexpr (!std::is_same_v<Stream, tcp_stream>)
            co_await stream.async_shutdown(nothrow_awaitable);
        boost::system::error_code ignored;
        lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }

    // Reads until `reader` has a whole request; false when the connection ended first or sent something
    // that is not HTTP. One loop of reads and parser calls, without Beast's composed read operations.
    template <class Stream>
    task<bool> read_request(Stream& stream, beast::flat_buffer& buffer, request_reader& reader,
                            std::uint64_t session_number)
    {
        constexpr std::size_t read_size = 16 * 1024;
        reader.eager(true);
        bool waiting = true; // for the request's first line and headers
        for (;;) {
            if (buffer.size() != 0) {
                beast::error_code ec;
                buffer.consume(reader.put(buffer.data(), ec));
                if (ec && ec != http::error::need_more)
                    co_return false;
                if (waiting && reader.is_header_done()) {
                    waiting = false;
                    set_idle(session_number, false); // no longer waiting for a request: reading one
                }
                if (reader.is_done())
                    co_return true;
            }
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(read_size), nothrow_awaitable);
            if (ec)
                co_return false;
            buffer.commit(n);
        }
    }

    void set_idle(std::uint64_t session_number, bool idle)
    {
        std::lock_guard lock(sessions_mutex);
        if (auto it = sessions.find(session_number); it != sessions.end())
            it->second.idle = idle;
    }

    // Closes, without a response, every connection waiting for its next request; returns when done.
    void close_idle_connections()
    {
        std::vector<std::pair<std::uint64_t, executor_type>> targets;
        {
            std::lock_guard lock(sessions_mutex);
            for (const auto& [number, entry] : sessions)
                if (entry.idle)
                    targets.emplace_back(number, entry.executor);
        }
        for (const auto& [number, executor] : targets) {
            std::promise<void> done;
            asio::post(executor, [this, number = number, &done] {
                std::lock_guard lock(sessions_mutex);
                if (auto it = sessions.find(number); it != sessions.end() && it->second.idle) {
                    boost::system::error_code ignored;
                    it->second.stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
                    it->second.stream->socket().close(ignored);
                    it->second.idle = false;
                }
                done.set_value();
            });
            done.get_future().wait();
        }
    }

    // "https://127.0.0.1:PORT": the API's base URL, and the Frontend API's origin (tokens' iss).
    std::string origin() const
    {
        const auto address = local_endpoint.address();
        const auto host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
        return std::string(options.tls ? "https://" : "http://") + host + ":" +
               std::to_string(local_endpoint.port());
    }

    void stop()
    {
        std::call_once(stopped, [this] {
            sender->stop();
            asio::post(contexts.front()->get_executor(), [this] {
                boost::system::error_code ignored;
                acceptor->close(ignored);
            });
            for (auto& context : contexts)
                context->stop();
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
    return impl_->origin();
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

const api& server::impl_backend() const
{
    return *impl_->backend;
}

void server::stop()
{
    impl_->stop();
}

} // namespace wacht::emulator
