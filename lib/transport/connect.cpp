// SPDX-License-Identifier: BSL-1.0
// Connection set-up: resolve, connect, TLS handshake with the identity check, session resumption.
// The only translation unit that instantiates the resolver and the TLS handshake.
#include "transport/connect.hpp"
#include "transport/exchange.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>

namespace wacht::detail::net {
namespace {

namespace ssl = asio::ssl;

// X509 verify results (X509_V_ERR_*), named as OpenSSL names them: the cause of a failed handshake.
class x509_verify_category_impl final : public std::error_category
{
public:
    const char* name() const noexcept override { return "x509_verify"; }
    std::string message(int value) const override { return X509_verify_cert_error_string(value); }
};

const std::error_category& x509_verify_category()
{
    static const x509_verify_category_impl category;
    return category;
}

// The system resolver (getaddrinfo on Asio's resolver thread).
asio::awaitable<resolve_result> system_resolve(asio::any_io_executor executor, std::string host,
                                               std::string port)
{
    tcp::resolver resolver(executor);
    co_return co_await resolver.async_resolve(host, port, nothrow_awaitable);
}

} // namespace

connector::connector(asio::any_io_executor executor, const client_options& options, const origin& where,
                     const proxy_route& proxy, resolve_function resolve)
    : executor_(std::move(executor)),
      options_(options),
      origin_(where),
      proxy_(proxy),
      resolve_(std::move(resolve))
{
    check_tls_options();
    min_version_ = options_.tls.min_version == tls_version::v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (!proxy_.host.empty()) {
        // The API's host and port as CONNECT names them (RFC 9110 section 9.3.6): always with the port.
        const bool v6 = origin_.host.find(':') != std::string::npos;
        const std::string authority = (v6 ? "[" + origin_.host + "]" : origin_.host) + ":" + origin_.port;
        tunnel_request_ = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
        if (!proxy_.authorization.empty())
            tunnel_request_ += "Proxy-Authorization: " + proxy_.authorization + "\r\n";
        tunnel_request_ += "\r\n";
    }
    if (origin_.tls)
        configure_tls();
}

connector::~connector()
{
    if (session_)
        SSL_SESSION_free(session_);
    if (!own_context_ && context_)
        SSL_CTX_free(context_); // the reference taken on the application's context
}

void connector::check_tls_options() const
{
    const auto& tls = options_.tls;
    const auto invalid = [](std::string what) {
        throw api_error(wacht::error{errc::invalid_argument, {.detail = std::move(what)}});
    };
    if (!tls.client_certificate_file.empty() && !tls.client_certificate_pem.empty())
        invalid("tls.client_certificate_file and tls.client_certificate_pem are exclusive");
    if (!tls.client_key_file.empty() && !tls.client_key_pem.empty())
        invalid("tls.client_key_file and tls.client_key_pem are exclusive");
    const bool certificate = !tls.client_certificate_file.empty() || !tls.client_certificate_pem.empty();
    const bool key = !tls.client_key_file.empty() || !tls.client_key_pem.empty();
    if (certificate != key)
        invalid("a client certificate needs its private key and the other way round");
    if (tls.context) {
        if (!tls.context->native_handle())
            invalid("tls.context has no OpenSSL context");
        if (certificate || !tls.ca_file.empty() || !tls.ca_pem.empty() || tls.configure_context)
            invalid("with tls.context, set trust and the client certificate on that context: ca_file, "
                    "ca_pem, the client certificate options and configure_context must be empty");
    }
}

void connector::configure_tls()
{
    if (options_.tls.context) {
        // The application's context: used as it is, never modified; one reference keeps it alive.
        context_ = options_.tls.context->native_handle();
        SSL_CTX_up_ref(context_);
        return;
    }
    auto& context = own_context_.emplace(ssl::context::tls_client);
    context_ = context.native_handle();
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    context.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(context_, min_version_);
    if (options_.tls.release_idle_buffers)
        SSL_CTX_set_mode(context_, SSL_MODE_RELEASE_BUFFERS);
    const auto fail = [](const std::string& what, const error_code& ec) {
        throw api_error(wacht::error{errc::tls_handshake_failed, {.detail = what, .cause = ec}});
    };
    error_code ec;
    if (options_.tls.use_system_roots) {
        context.set_default_verify_paths(ec);
        if (ec)
            fail("cannot load the system CA store", ec);
    }
    if (!options_.tls.ca_file.empty()) {
        context.load_verify_file(options_.tls.ca_file, ec);
        if (ec)
            fail("cannot load CA file " + options_.tls.ca_file, ec);
    }
    if (!options_.tls.ca_pem.empty()) {
        context.add_certificate_authority(asio::buffer(options_.tls.ca_pem), ec);
        if (ec)
            fail("cannot load the CA PEM", ec);
    }
    load_client_certificate(context);
    if (options_.tls.session_resumption) {
        // OpenSSL hands every new session (each TLS 1.3 ticket) to on_new_session; the connector keeps
        // the latest and offers it on the next connection. The context serves this origin only.
        SSL_CTX_set_session_cache_mode(context_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_set_ex_data(context_, connector_index(), this); // app data belongs to Asio
        SSL_CTX_sess_set_new_cb(context_, &connector::on_new_session);
    }
    if (options_.tls.configure_context)
        options_.tls.configure_context(context);
}

void connector::load_client_certificate(ssl::context& context) const
{
    const auto& tls = options_.tls;
    if (tls.client_certificate_file.empty() && tls.client_certificate_pem.empty())
        return;
    // An encrypted key is refused rather than asked for on the terminal (OpenSSL's default).
    SSL_CTX_set_default_passwd_cb(context_, [](char*, int, int, void*) { return 0; });
    // The messages name files, never the PEM text (a key is a secret).
    const auto fail = [](const std::string& what, const error_code& ec) {
        throw api_error(wacht::error{errc::tls_handshake_failed, {.detail = what, .cause = ec}});
    };
    error_code ec;
    if (!tls.client_certificate_file.empty()) {
        context.use_certificate_chain_file(tls.client_certificate_file, ec);
        if (ec)
            fail("cannot load the client certificate file " + tls.client_certificate_file, ec);
    } else {
        context.use_certificate_chain(asio::buffer(tls.client_certificate_pem), ec);
        if (ec)
            fail("cannot load the client certificate PEM", ec);
    }
    if (!tls.client_key_file.empty())
        context.use_private_key_file(tls.client_key_file, ssl::context::pem, ec);
    else
        context.use_private_key(asio::buffer(tls.client_key_pem), ssl::context::pem, ec);
    // OpenSSL checks the key against the certificate as it loads it.
    if ((ec && ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) ||
        (!ec && SSL_CTX_check_private_key(context_) != 1))
        fail("the client certificate does not match its private key", ec);
    if (ec)
        fail(tls.client_key_file.empty() ? "cannot load the client key PEM"
                                         : "cannot load the client key file " + tls.client_key_file,
             ec);
}

// Where an SSL_CTX points back to its connector.
int connector::connector_index()
{
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// Called by OpenSSL on the thread reading the connection. Keeps a copy: OpenSSL marks a
// connection's own session unusable when that connection ends in an error.
int connector::on_new_session(SSL* ssl, SSL_SESSION* session)
{
    auto* self = static_cast<connector*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), connector_index()));
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
void connector::offer_session(SSL* handle)
{
    std::lock_guard lock(session_mutex_);
    if (session_)
        SSL_set_session(handle, session_);
}

asio::awaitable<bool> connector::resolve(const std::string& host, const std::string& port, bool host_is_ip,
                                         const char* what, clock_type::time_point deadline,
                                         tcp::resolver::results_type& endpoints, exchange_outcome& outcome)
{
    using namespace asio::experimental::awaitable_operators;
    if (host_is_ip) {
        error_code ec;
        const auto address = asio::ip::make_address(host, ec);
        const auto port_number = static_cast<unsigned short>(std::stoi(port));
        endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, port_number), host, port);
        co_return true;
    }
    const auto resolve_started = clock_type::now();
    asio::steady_timer timer(executor_);
    const auto [limit, deadline_bound] = phase_limit(options_.timeouts.resolve, deadline);
    timer.expires_at(limit);
    // Named, not a temporary inside the co_await (GCC 12 and temporaries across a suspension).
    auto resolving = resolve_ ? resolve_(host, port) : system_resolve(executor_, host, port);
    auto winner = co_await (std::move(resolving) || timer.async_wait(nothrow_awaitable));
    if (winner.index() == 1) {
        outcome.code = deadline_bound ? errc::deadline_exceeded : errc::resolve_timeout;
        outcome.detail = std::string("resolving ") + what + host;
        co_return false;
    }
    auto [resolve_ec, results] = std::get<0>(std::move(winner));
    if (!resolve_ec && results.empty())
        resolve_ec = asio::error::host_not_found;
    if (resolve_ec) {
        outcome.code = errc::resolve_failed;
        outcome.cause = resolve_ec;
        outcome.detail = std::string("resolving ") + what + host;
        co_return false;
    }
    endpoints = std::move(results);
    outcome.timings.resolve = clock_type::now() - resolve_started;
    co_return true;
}

asio::awaitable<bool> connector::tunnel(connection& conn, clock_type::time_point limit, bool deadline_bound,
                                        exchange_outcome& outcome)
{
    conn.arm(limit);
    auto answer = co_await ask_proxy(conn.lowest(), tunnel_request_);
    if (conn.disarm())
        answer.failure = asio::error::timed_out;
    const auto through = " through the proxy " + proxy_.display;
    if (answer.failure) {
        // An answer that is not HTTP is the proxy's fault; a failed write or read is the connect's.
        const bool not_http =
            answer.failure.category() ==
                beast::http::make_error_code(beast::http::error::end_of_stream).category() &&
            answer.failure != beast::http::error::end_of_stream &&
            answer.failure != beast::http::error::partial_message;
        outcome.code = not_http ? make_error_code(errc::proxy_failed)
                                : phase_error(answer.failure, errc::connect_failed, errc::connect_timeout,
                                              deadline_bound);
        outcome.cause = answer.failure;
        outcome.detail =
            (not_http ? "the answer to CONNECT is not HTTP" : "connecting to " + origin_.host_header) +
            through;
        co_return false;
    }
    if (answer.status < 200 || answer.status > 299 || answer.extra_bytes) {
        outcome.code = errc::proxy_failed;
        outcome.proxy_status = answer.status;
        outcome.detail = (answer.extra_bytes && answer.status >= 200 && answer.status <= 299
                              ? "bytes after the proxy's answer to CONNECT " + origin_.host_header
                              : "the proxy refused CONNECT " + origin_.host_header) +
                         through;
        co_return false;
    }
    co_return true;
}

asio::awaitable<connection_ptr> connector::open(clock_type::time_point deadline, exchange_outcome& outcome)
{
    auto conn = std::make_unique<connection>(executor_);
    // Through a proxy the socket goes to the proxy; the API's name only travels in CONNECT and TLS.
    const bool proxied = !proxy_.host.empty();
    tcp::resolver::results_type endpoints;
    bool resolved = false; // (no co_await inside ?:, which GCC 12 mishandles)
    if (proxied)
        resolved = co_await resolve(proxy_.host, proxy_.port, proxy_.host_is_ip, "the proxy ", deadline,
                                    endpoints, outcome);
    else
        resolved = co_await resolve(origin_.host, origin_.port, origin_.host_is_ip, "", deadline, endpoints,
                                    outcome);
    if (!resolved)
        co_return nullptr;

    if (origin_.tls)
        conn->secure.emplace(executor_, context_);
    else
        conn->plain.emplace(executor_);

    // Each address in turn, all within the connect timeout (and the CONNECT tunnel too).
    const auto connecting = clock_type::now();
    auto [connect_limit, connect_deadline_bound] = phase_limit(options_.timeouts.connect, deadline);
    error_code ec;
    error_code connect_ec = asio::error::host_not_found;
    for (const auto& entry : endpoints) {
        auto& socket = conn->lowest();
        socket.close(ec);
        socket.open(entry.endpoint().protocol(), connect_ec);
        if (connect_ec)
            continue;
        conn->arm(connect_limit);
        std::tie(connect_ec) = co_await socket.async_connect(entry.endpoint(), nothrow_awaitable);
        if (conn->disarm())
            connect_ec = asio::error::timed_out;
        if (!connect_ec || connect_ec == asio::error::timed_out ||
            connect_ec == asio::error::operation_aborted)
            break;
    }
    if (connect_ec) {
        outcome.code =
            phase_error(connect_ec, errc::connect_failed, errc::connect_timeout, connect_deadline_bound);
        outcome.cause = connect_ec;
        outcome.detail =
            proxied ? "connecting to the proxy " + proxy_.display : "connecting to " + origin_.host_header;
        co_return nullptr;
    }
    outcome.timings.connect = clock_type::now() - connecting;
    conn->lowest().set_option(tcp::no_delay(true), ec);
    if (proxied) {
        const bool tunnelled = co_await tunnel(*conn, connect_limit, connect_deadline_bound, outcome);
        if (!tunnelled)
            co_return nullptr;
        outcome.timings.connect = clock_type::now() - connecting; // the tunnel is part of connecting
    }

    if (origin_.tls) {
        SSL* handle = conn->secure->native_handle();
        // Whatever the context says: the peer is verified (OpenSSL's verdict, no callback may overrule
        // it), at the minimum version; SNI for names only; the certificate's identity is checked by
        // OpenSSL against the name or the IP.
        SSL_set_verify(handle, SSL_VERIFY_PEER, [](int preverified, X509_STORE_CTX*) { return preverified; });
        const bool identity_set =
            SSL_set_min_proto_version(handle, min_version_) == 1 &&
            (origin_.host_is_ip
                 ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), origin_.host.c_str()) == 1
                 : (SSL_set_tlsext_host_name(handle, origin_.host.c_str()) == 1 &&
                    SSL_set1_host(handle, origin_.host.c_str()) == 1));
        if (!identity_set) {
            outcome.code = errc::tls_handshake_failed;
            outcome.detail = "cannot set the expected certificate identity";
            co_return nullptr;
        }
        if (own_context_)
            offer_session(handle);
        const auto handshaking = clock_type::now();
        auto [tls_limit, tls_deadline_bound] = phase_limit(options_.timeouts.tls_handshake, deadline);
        conn->arm(tls_limit);
        auto [handshake_ec, no_bytes] = co_await conn->secure->async_handshake(nothrow_awaitable);
        if (conn->disarm())
            handshake_ec = asio::error::timed_out;
        if (handshake_ec) {
            outcome.code = phase_error(handshake_ec, errc::tls_handshake_failed, errc::tls_handshake_timeout,
                                       tls_deadline_bound);
            outcome.cause = handshake_ec;
            outcome.detail = "TLS handshake with " + origin_.host_header;
            // The certificate's verify result is the real reason; the stream's own error is then
            // only how the connection ended after the alert.
            if (const long verify = SSL_get_verify_result(handle); verify != X509_V_OK) {
                outcome.cause = std::error_code(static_cast<int>(verify), x509_verify_category());
                outcome.detail += std::string(": ") + X509_verify_cert_error_string(verify);
            }
            co_return nullptr;
        }
        outcome.timings.tls_handshake = clock_type::now() - handshaking;
        outcome.tls_resumed = SSL_session_reused(handle) == 1;
    }
    co_return conn;
}

} // namespace wacht::detail::net
