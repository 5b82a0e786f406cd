// The Beast transport: a keep-alive connection pool for one origin, TLS with verification always on,
// per-phase timeouts bounded by the call's deadline, and one replay of an idempotent request whose
// reused connection failed before any response byte. All heavy Asio/Beast templates live in this file.
#include "detail/client_impl.hpp"
#include "detail/model_decoder.hpp"
#include "detail/tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <openssl/x509v3.h>

#include <array>
#include <charconv>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace wacht::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

using tls_stream = basic_tls_stream<beast::tcp_stream>;

// Buffers a connection keeps between calls; larger ones are given back when the call ends, so that
// an idle connection stays small.
constexpr std::size_t kept_buffer_size = 32 * 1024;
constexpr std::size_t tls_record_size = 16 * 1024 + 256;

struct connection
{
    std::optional<beast::tcp_stream> plain;
    std::optional<tls_stream> secure;
    beast::flat_buffer buffer;
    std::string request_head; // the request line and headers, rebuilt in place for each call
    model_parser json;        // parses 2xx bodies into the caller's model as they arrive
    clock_type::time_point idle_since{};
    std::size_t uses = 0;

    beast::tcp_stream& lowest() { return secure ? secure->next_layer() : *plain; }

    void trim_buffers()
    {
        if (request_head.capacity() > kept_buffer_size)
            std::string().swap(request_head);
    }
};

// Reads a response without storing its header fields: the status, keep-alive and Retry-After are
// all the SDK uses. A 2xx body goes straight into the model parser; any other body is kept as text
// for the error.
class response_reader final : public http::basic_parser<false>
{
public:
    response_reader(exchange_outcome& outcome, model_parser& json, const slot* model)
        : outcome_(outcome), json_(json), model_(model)
    {}

private:
    void on_request_impl(http::verb, beast::string_view, beast::string_view, int, error_code&) override {}

    void on_response_impl(int code, beast::string_view, int, error_code&) override
    {
        outcome_.status = code;
        decoding_ = model_ && code >= 200 && code < 300;
        if (decoding_)
            json_.begin(*model_);
    }

    void on_field_impl(http::field name, beast::string_view, beast::string_view value, error_code&) override
    {
        if (name != http::field::retry_after)
            return;
        std::uint32_t seconds = 0;
        if (std::from_chars(value.data(), value.data() + value.size(), seconds).ec == std::errc{})
            outcome_.retry_after_header = std::chrono::seconds(seconds);
    }

    void on_header_impl(error_code&) override {}

    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override
    {
        if (!decoding_ && length)
            outcome_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, 1 << 20)));
    }

    std::size_t on_body_impl(beast::string_view body, error_code&) override
    {
        consume(body);
        return body.size();
    }

    void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}

    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override
    {
        consume(body);
        return body.size();
    }

    void on_finish_impl(error_code&) override
    {
        if (!decoding_)
            return;
        if (decode_ok_)
            decode_ok_ = json_.finish();
        if (!decode_ok_) {
            outcome_.decode_error = json_.error();
            outcome_.body_head = json_.head();
        }
    }

    void consume(std::string_view body)
    {
        if (!decoding_)
            outcome_.body.append(body.data(), body.size());
        else if (decode_ok_)
            decode_ok_ = json_.write(body); // after a failure the rest is read and dropped
    }

    exchange_outcome& outcome_;
    model_parser& json_;
    const slot* model_;
    bool decoding_ = false;
    bool decode_ok_ = true;
};

using connection_ptr = std::unique_ptr<connection>;

// Resumes a suspended acquire() through the executor of the coroutine that waits.
struct resumer
{
    virtual ~resumer() = default;
    virtual void resume() = 0;
};

template <class Handler>
struct handler_resumer final : resumer
{
    explicit handler_resumer(Handler h) : handler(std::move(h)) {}
    void resume() override
    {
        // On the waiting coroutine's executor: detach the cancellation handler, then resume.
        auto executor = asio::get_associated_executor(handler);
        asio::post(executor, [h = std::move(handler)]() mutable {
            asio::get_associated_cancellation_slot(h).clear();
            std::move(h)(error_code{});
        });
    }
    Handler handler;
};

// A call waiting for a connection: it gets either an idle connection or a slot to open one.
struct waiter
{
    explicit waiter(const asio::any_io_executor& ex) : timer(ex) {}

    asio::steady_timer timer;
    std::unique_ptr<resumer> handler; // set once the waiting coroutine has suspended
    bool done = false;
    bool timed_out = false;
    bool cancelled = false;
    connection_ptr connection; // handed over, or null when a slot was granted
};

// What a phase failure becomes: the phase's own timeout, or the call's deadline if that was what bound.
std::error_code phase_error(error_code ec, errc failed, errc timed_out, bool deadline_bound)
{
    if (ec == beast::error::timeout || ec == asio::error::timed_out)
        return deadline_bound ? errc::deadline_exceeded : timed_out;
    if (ec == asio::error::operation_aborted)
        return errc::cancelled;
    return failed;
}

http::verb to_verb(http_method m)
{
    switch (m) {
    case http_method::get:
        return http::verb::get;
    case http_method::post:
        return http::verb::post;
    case http_method::patch:
        return http::verb::patch;
    case http_method::delete_:
        return http::verb::delete_;
    }
    return http::verb::get;
}

class beast_transport final : public transport
{
public:
    explicit beast_transport(const client_impl& impl)
        : executor_(impl.executor),
          options_(impl.options),
          origin_(impl.origin),
          headers_(impl.headers),
          ssl_context_(ssl::context::tls_client)
    {
        if (origin_.tls)
            configure_tls();
    }

    ~beast_transport() override
    {
        {
            std::lock_guard lock(mutex_);
            idle_.clear();
        }
        if (session_)
            SSL_SESSION_free(session_);
    }

    asio::awaitable<exchange_outcome> exchange(const request_spec& spec, std::string_view request_id,
                                               clock_type::time_point deadline, const slot* model) override
    {
        bool replayed = false;
        for (;;) {
            exchange_outcome outcome;
            auto conn = co_await acquire(deadline, /*fresh_only=*/replayed, !spec.idempotent, outcome);
            if (!conn)
                co_return outcome;
            const bool reused = conn->uses > 0;
            ++conn->uses;
            bool response_started = false;
            bool keep_alive = false;
            try {
                write_head(conn->request_head, spec, request_id);
                lend_read_buffer(*conn);
                if (conn->secure)
                    co_await exchange_on(*conn->secure, *conn, spec, model, deadline, outcome,
                                         response_started, keep_alive);
                else
                    co_await exchange_on(*conn->plain, *conn, spec, model, deadline, outcome,
                                         response_started, keep_alive);
            } catch (...) { // cancelled mid-exchange: the connection is closed, never pooled
                return_read_buffer(*conn);
                release(std::move(conn), false);
                throw;
            }
            outcome.response_started = response_started;
            conn->trim_buffers();
            // Bytes after a complete response mean the stream is out of step: never reuse it.
            if (conn->buffer.size() != 0)
                keep_alive = false;
            return_read_buffer(*conn);
            const bool failed = static_cast<bool>(outcome.code);
            release(std::move(conn), !failed && keep_alive);
            // A reused keep-alive connection may have been closed by the server meanwhile. Replaying is
            // safe only if the request is idempotent and nothing of a response arrived.
            if (failed && reused && !response_started && spec.idempotent && !replayed &&
                outcome.code != errc::deadline_exceeded && outcome.code != errc::cancelled) {
                replayed = true;
                continue;
            }
            co_return outcome;
        }
    }

private:
    void configure_tls()
    {
        ssl_context_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                 ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        ssl_context_.set_verify_mode(ssl::verify_peer);
        if (options_.tls.release_idle_buffers)
            SSL_CTX_set_mode(ssl_context_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
        const auto fail = [](const std::string& what, const error_code& ec) {
            throw api_error(wacht::error{errc::tls_handshake_failed, {.detail = what, .cause = ec}});
        };
        error_code ec;
        if (options_.tls.use_system_roots) {
            ssl_context_.set_default_verify_paths(ec);
            if (ec)
                fail("cannot load the system CA store", ec);
        }
        if (!options_.tls.ca_file.empty()) {
            ssl_context_.load_verify_file(options_.tls.ca_file, ec);
            if (ec)
                fail("cannot load CA file " + options_.tls.ca_file, ec);
        }
        if (!options_.tls.ca_pem.empty()) {
            ssl_context_.add_certificate_authority(asio::buffer(options_.tls.ca_pem), ec);
            if (ec)
                fail("cannot load the CA PEM", ec);
        }
        if (options_.tls.session_resumption) {
            // OpenSSL hands every new session (each TLS 1.3 ticket) to on_new_session; the transport keeps
            // the latest and offers it on the next connection. The context serves this origin only.
            SSL_CTX* context = ssl_context_.native_handle();
            SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
            SSL_CTX_set_ex_data(context, transport_index(), this); // app data belongs to Asio
            SSL_CTX_sess_set_new_cb(context, &beast_transport::on_new_session);
        }
    }

    // Where an SSL_CTX points back to its transport.
    static int transport_index()
    {
        static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
        return index;
    }

    // Called by OpenSSL on the thread reading the connection. Keeps a copy: OpenSSL marks a
    // connection's own session unusable when that connection ends in an error.
    static int on_new_session(SSL* ssl, SSL_SESSION* session)
    {
        auto* self =
            static_cast<beast_transport*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), transport_index()));
        SSL_SESSION* copy = SSL_SESSION_dup(session);
        if (!copy)
            return 0;
        SSL_SESSION* previous = nullptr;
        {
            std::lock_guard lock(self->session_mutex_);
            previous = std::exchange(self->session_, copy);
        }
        if (previous)
            SSL_SESSION_free(previous);
        return 0; // the connection keeps its own reference
    }

    // Offers the latest session of this origin to a new connection (a full handshake if there is
    // none, or if the server declines it).
    void offer_session(SSL* handle)
    {
        std::lock_guard lock(session_mutex_);
        if (session_)
            SSL_set_session(handle, session_);
    }

    // Bound of a phase: its own timeout or the call's deadline, whichever comes first.
    static std::pair<clock_type::time_point, bool> phase_limit(std::chrono::milliseconds timeout,
                                                               clock_type::time_point deadline)
    {
        const auto own = clock_type::now() + timeout;
        return own < deadline ? std::pair{own, false} : std::pair{deadline, true};
    }

    // An idle or new connection, or null with `outcome` describing why not.
    // `check_closed`: peek at an idle connection before handing it out (one system call). Done for
    // requests that may not be replayed; an idempotent one is replayed once on a fresh connection
    // instead, which costs nothing while connections are alive.
    asio::awaitable<connection_ptr> acquire(clock_type::time_point deadline, bool fresh_only,
                                            bool check_closed, exchange_outcome& outcome)
    {
        std::shared_ptr<waiter> wait;
        {
            std::unique_lock lock(mutex_);
            evict_stale_locked();
            if (fresh_only && !idle_.empty()) {
                idle_.pop_front(); // make room for the fresh connection
                --open_;
            }
            while (!idle_.empty()) {
                auto conn = std::move(idle_.back());
                idle_.pop_back();
                if (!check_closed || !peer_closed(*conn))
                    co_return conn;
                --open_; // the server closed it while it was idle: never send into it
            }
            if (open_ < options_.pool.max_connections) {
                ++open_;
            } else {
                wait = std::make_shared<waiter>(executor_);
                waiters_.push_back(wait);
                wait->timer.expires_at(deadline);
                wait->timer.async_wait([this, wait](error_code ec) {
                    if (!ec)
                        end_wait(wait, &waiter::timed_out);
                });
            }
        }
        if (wait) {
            // Suspends until release(), discard_slot() or the deadline timer completes the waiter.
            // The initiation is a named variable: GCC 12 destroys a capturing lambda temporary inside a
            // co_await expression twice.
            auto initiation = [this, wait](auto handler) {
                auto slot = asio::get_associated_cancellation_slot(handler);
                auto resume = std::make_unique<handler_resumer<decltype(handler)>>(std::move(handler));
                std::unique_lock lock(mutex_);
                if (!wait->done) {
                    // Per-operation cancellation takes the waiter out of the queue at once.
                    if (slot.is_connected())
                        slot.assign([this, wait](asio::cancellation_type type) {
                            if (type != asio::cancellation_type::none)
                                end_wait(wait, &waiter::cancelled);
                        });
                    wait->handler = std::move(resume);
                    return;
                }
                lock.unlock();
                resume->resume();
            };
            try {
                co_await asio::async_initiate<decltype(asio::use_awaitable), void(error_code)>(
                    std::move(initiation), asio::use_awaitable);
            } catch (...) { // the coroutine was cancelled before it could wait
                abandon(wait);
                throw;
            }
            if (wait->cancelled) {
                outcome.code = errc::cancelled;
                outcome.detail = "cancelled while waiting for a pooled connection";
                co_return nullptr;
            }
            if (wait->timed_out) {
                std::lock_guard lock(mutex_);
                outcome.code = errc::pool_exhausted;
                outcome.cause = last_connect_error_;
                outcome.detail = "all " + std::to_string(options_.pool.max_connections) +
                                 " connections stayed busy until the deadline";
                if (last_connect_error_)
                    outcome.detail += "; last connect error: " + last_connect_error_.message();
                co_return nullptr;
            }
            if (wait->connection)
                co_return std::move(wait->connection);
            // else: a slot was granted to us; open_ already counts it
        }
        connection_ptr conn;
        try {
            conn = co_await open_connection(deadline, outcome);
        } catch (...) { // cancelled: the slot goes back
            discard_slot();
            throw;
        }
        if (!conn) {
            std::lock_guard lock(mutex_);
            last_connect_error_ = outcome.cause ? outcome.cause : outcome.code;
        }
        if (!conn)
            discard_slot();
        co_return conn;
    }

    // Called with mutex_ held: marks the waiter done and returns its handler to complete after unlocking.
    static std::unique_ptr<resumer> finish_locked(waiter& w)
    {
        w.done = true;
        w.timer.cancel();
        return std::move(w.handler);
    }

    // Resumes a waiter, never inline under the pool's lock (the handler is null if the waiter has not
    // suspended yet: it will see `done` when it does).
    static void complete(std::unique_ptr<resumer> handler)
    {
        if (handler)
            handler->resume();
    }

    // Takes a waiter that is still queued out of the queue, marks why (timed_out or cancelled) and
    // resumes it; a no-op if it was served meanwhile.
    void end_wait(const std::shared_ptr<waiter>& wait, bool waiter::*reason)
    {
        std::unique_ptr<resumer> handler;
        {
            std::lock_guard lock(mutex_);
            if (wait->done)
                return;
            std::erase(waiters_, wait);
            (*wait).*reason = true;
            handler = finish_locked(*wait);
        }
        complete(std::move(handler));
    }

    // A waiter whose coroutine unwound: out of the queue, and whatever it was granted goes back.
    void abandon(const std::shared_ptr<waiter>& wait)
    {
        {
            std::lock_guard lock(mutex_);
            if (!wait->done) {
                std::erase(waiters_, wait);
                wait->done = true;
                wait->timer.cancel();
                return;
            }
        }
        if (wait->connection)
            release(std::move(wait->connection), true);
        else if (!wait->timed_out && !wait->cancelled)
            discard_slot(); // a slot was granted
    }

    // Returns a connection after use: to a waiter, to the idle list, or closed.
    void release(connection_ptr conn, bool reusable)
    {
        if (!reusable) {
            conn.reset();
            discard_slot();
            return;
        }
        std::unique_ptr<resumer> handler;
        {
            std::lock_guard lock(mutex_);
            if (!waiters_.empty()) {
                auto w = std::move(waiters_.front());
                waiters_.pop_front();
                w->connection = std::move(conn);
                handler = finish_locked(*w);
            } else if (idle_.size() < options_.pool.max_idle) {
                conn->idle_since = clock_type::now();
                idle_.push_back(std::move(conn));
            } else {
                --open_;
            }
        }
        conn.reset();
        complete(std::move(handler));
    }

    // A connection slot was freed (closed or never opened): give it to a waiter or drop it.
    void discard_slot()
    {
        std::unique_ptr<resumer> handler;
        {
            std::lock_guard lock(mutex_);
            if (!waiters_.empty()) {
                auto w = std::move(waiters_.front());
                waiters_.pop_front();
                handler = finish_locked(*w);
            } else {
                --open_;
            }
        }
        complete(std::move(handler));
    }

    // Whether an idle connection has anything to read: end of stream, a reset or a TLS close_notify.
    // An idle HTTP/1.1 connection has nothing to say, so any of these means the server is done with it.
    static bool peer_closed(connection& conn)
    {
        char byte;
        const auto n = ::recv(conn.lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }

    void evict_stale_locked()
    {
        const auto oldest_allowed = clock_type::now() - options_.pool.idle_timeout;
        while (!idle_.empty() && idle_.front()->idle_since < oldest_allowed) {
            idle_.pop_front();
            --open_;
        }
    }

    asio::awaitable<connection_ptr> open_connection(clock_type::time_point deadline,
                                                    exchange_outcome& outcome)
    {
        using namespace asio::experimental::awaitable_operators;
        auto conn = std::make_unique<connection>();
        tcp::resolver::results_type endpoints;
        error_code ec;
        if (origin_.host_is_ip) {
            const auto address = asio::ip::make_address(origin_.host, ec);
            const auto port = static_cast<unsigned short>(std::stoi(origin_.port));
            endpoints =
                tcp::resolver::results_type::create(tcp::endpoint(address, port), origin_.host, origin_.port);
        } else {
            tcp::resolver resolver(executor_);
            asio::steady_timer timer(executor_);
            const auto [limit, deadline_bound] = phase_limit(options_.timeouts.resolve, deadline);
            timer.expires_at(limit);
            auto winner = co_await (resolver.async_resolve(origin_.host, origin_.port, nothrow_awaitable) ||
                                    timer.async_wait(nothrow_awaitable));
            if (winner.index() == 1) {
                outcome.code = deadline_bound ? errc::deadline_exceeded : errc::resolve_timeout;
                outcome.detail = "resolving " + origin_.host;
                co_return nullptr;
            }
            auto [resolve_ec, results] = std::get<0>(std::move(winner));
            if (resolve_ec) {
                outcome.code = errc::resolve_failed;
                outcome.cause = resolve_ec;
                outcome.detail = "resolving " + origin_.host;
                co_return nullptr;
            }
            endpoints = std::move(results);
        }

        if (origin_.tls)
            conn->secure.emplace(executor_, ssl_context_.native_handle());
        else
            conn->plain.emplace(executor_);

        auto [connect_limit, connect_deadline_bound] = phase_limit(options_.timeouts.connect, deadline);
        conn->lowest().expires_at(connect_limit);
        auto [connect_ec, endpoint] = co_await conn->lowest().async_connect(endpoints, nothrow_awaitable);
        if (connect_ec) {
            outcome.code =
                phase_error(connect_ec, errc::connect_failed, errc::connect_timeout, connect_deadline_bound);
            outcome.cause = connect_ec;
            outcome.detail = "connecting to " + origin_.host_header;
            co_return nullptr;
        }
        conn->lowest().socket().set_option(tcp::no_delay(true), ec);

        if (origin_.tls) {
            SSL* handle = conn->secure->native_handle();
            // SNI for names only; certificate identity checked by OpenSSL against the name or the IP.
            const bool identity_set =
                origin_.host_is_ip
                    ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), origin_.host.c_str()) == 1
                    : (SSL_set_tlsext_host_name(handle, origin_.host.c_str()) == 1 &&
                       SSL_set1_host(handle, origin_.host.c_str()) == 1);
            if (!identity_set) {
                outcome.code = errc::tls_handshake_failed;
                outcome.detail = "cannot set the expected certificate identity";
                co_return nullptr;
            }
            offer_session(handle);
            auto [tls_limit, tls_deadline_bound] = phase_limit(options_.timeouts.tls_handshake, deadline);
            conn->lowest().expires_at(tls_limit);
            auto [handshake_ec, no_bytes] = co_await conn->secure->async_handshake(nothrow_awaitable);
            if (handshake_ec) {
                outcome.code = phase_error(handshake_ec, errc::tls_handshake_failed,
                                           errc::tls_handshake_timeout, tls_deadline_bound);
                outcome.cause = handshake_ec;
                outcome.detail = "TLS handshake with " + origin_.host_header;
                const long verify = SSL_get_verify_result(handle);
                if (verify != X509_V_OK)
                    outcome.detail += std::string(": ") + X509_verify_cert_error_string(verify);
                co_return nullptr;
            }
        }
        co_return conn;
    }

    // A read buffer is lent to a connection for one exchange and comes back afterwards, so that an idle
    // connection holds none while busy ones reuse the same few. It has room for a whole TLS record:
    // Beast reads at most the free capacity, and a small buffer would turn a record into many SSL_reads.
    void lend_read_buffer(connection& conn)
    {
        io_buffers spare;
        {
            std::lock_guard lock(spare_mutex_);
            if (!spare_buffers_.empty()) {
                spare = std::move(spare_buffers_.back());
                spare_buffers_.pop_back();
            }
        }
        conn.buffer = std::move(spare.plain);
        conn.buffer.reserve(tls_record_size);
        if (conn.secure)
            conn.secure->lend_buffers(spare.cipher_in, spare.cipher_out);
    }

    void return_read_buffer(connection& conn)
    {
        io_buffers spare;
        spare.plain = std::move(conn.buffer);
        conn.buffer = beast::flat_buffer();
        if (conn.secure)
            conn.secure->return_buffers(spare.cipher_in, spare.cipher_out);
        if (spare.plain.size() != 0 || spare.plain.capacity() > kept_buffer_size ||
            spare.cipher_out.capacity() > kept_buffer_size * 4)
            return; // freed here
        std::lock_guard lock(spare_mutex_);
        if (spare_buffers_.size() < max_spare_buffers)
            spare_buffers_.push_back(std::move(spare));
    }

    // The request line and headers, written into the connection's reused buffer. Every piece is
    // already checked: targets are percent-encoded and header values were validated with the options.
    void write_head(std::string& out, const request_spec& spec, std::string_view request_id) const
    {
        out.clear();
        out += http::to_string(to_verb(spec.method));
        out += ' ';
        out += origin_.path_prefix;
        out += spec.target;
        out += " HTTP/1.1\r\nHost: ";
        out += origin_.host_header;
        out += "\r\nAuthorization: ";
        out += headers_.authorization;
        out += "\r\nUser-Agent: ";
        out += headers_.user_agent;
        out += "\r\nAccept: application/json\r\nX-Request-Id: ";
        out += request_id;
        if (!spec.content_type.empty()) {
            out += "\r\nContent-Type: ";
            out += spec.content_type;
        }
        if (!spec.content_type.empty() || spec.method != http_method::get) {
            char digits[24];
            const auto end = std::to_chars(digits, digits + sizeof digits, spec.body.size()).ptr;
            out += "\r\nContent-Length: ";
            out.append(digits, end);
        }
        out += "\r\n\r\n";
        // A small body travels in the same TLS record as the headers.
        if (spec.body.size() <= small_body_size)
            out += spec.body;
    }

    static constexpr std::size_t small_body_size = 8 * 1024;

    template <class Stream>
    asio::awaitable<void> exchange_on(Stream& stream, connection& conn, const request_spec& spec,
                                      const slot* model, clock_type::time_point deadline,
                                      exchange_outcome& outcome, bool& response_started, bool& keep_alive)
    {
        auto [write_limit, write_deadline_bound] = phase_limit(options_.timeouts.write, deadline);
        conn.lowest().expires_at(write_limit);
        // From here on the request may reach the server, even if the write fails part-way.
        outcome.request_sent = true;
        // A large body follows in a write of its own: one buffer per write (a two-buffer write through
        // beast::ssl_stream left the oversized-upload test waiting for the body).
        auto [write_ec, written] =
            co_await asio::async_write(stream, asio::buffer(conn.request_head), nothrow_awaitable);
        if (!write_ec && spec.body.size() > small_body_size)
            std::tie(write_ec, written) =
                co_await asio::async_write(stream, asio::buffer(spec.body), nothrow_awaitable);
        if (write_ec) {
            outcome.code =
                phase_error(write_ec, errc::write_failed, errc::write_timeout, write_deadline_bound);
            outcome.cause = write_ec;
            co_return;
        }

        response_reader reader(outcome, conn.json, model);
        reader.body_limit(options_.max_response_body);
        reader.header_limit(static_cast<std::uint32_t>(options_.max_response_header));
        auto [read_limit, read_deadline_bound] = phase_limit(options_.timeouts.read, deadline);
        conn.lowest().expires_at(read_limit);
        const auto buffered_before = conn.buffer.size();
        auto [read_ec, read] = co_await http::async_read(stream, conn.buffer, reader, nothrow_awaitable);
        conn.lowest().expires_never();
        response_started = read > 0 || conn.buffer.size() > buffered_before || reader.got_some();
        if (read_ec) {
            outcome.cause = read_ec;
            outcome.status = 0;
            if (read_ec == http::error::body_limit) {
                outcome.code = errc::body_limit_exceeded;
                outcome.detail = "limit " + std::to_string(options_.max_response_body) + " bytes";
            } else if (read_ec == http::error::end_of_stream || read_ec == http::error::partial_message) {
                outcome.code = errc::read_failed;
                outcome.detail = response_started ? "connection closed in the middle of the response"
                                                  : "connection closed before a response";
            } else if (read_ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
                outcome.code = errc::invalid_response;
                outcome.detail = "malformed response";
            } else {
                outcome.code =
                    phase_error(read_ec, errc::read_failed, errc::read_timeout, read_deadline_bound);
            }
            co_return;
        }
        keep_alive = reader.keep_alive();
    }

    asio::any_io_executor executor_;
    const client_options& options_;
    const origin& origin_;
    const fixed_headers& headers_;
    ssl::context ssl_context_;

    std::mutex mutex_;
    std::deque<connection_ptr> idle_; // front: idle longest
    std::deque<std::shared_ptr<waiter>> waiters_;
    std::size_t open_ = 0; // idle + busy + being opened
    std::error_code last_connect_error_;

    static constexpr std::size_t max_spare_buffers = 16;
    std::mutex spare_mutex_;
    struct io_buffers
    {
        beast::flat_buffer plain;
        std::vector<char> cipher_in;
        std::string cipher_out;
    };
    std::vector<io_buffers> spare_buffers_;

    std::mutex session_mutex_;
    SSL_SESSION* session_ = nullptr; // the latest TLS session of the origin, owned
};

} // namespace

std::unique_ptr<transport> make_transport(const client_impl& impl)
{
    return std::make_unique<beast_transport>(impl);
}

} // namespace wacht::detail
