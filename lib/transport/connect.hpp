// SPDX-License-Identifier: BSL-1.0
// Connection set-up for one origin: resolve the name, connect to each address in turn (or to the
// HTTP proxy, then open a CONNECT tunnel through it), and for https the TLS handshake with
// verification always on, the certificate identity (name or IP), the minimum version, a client
// certificate, and the origin's TLS session cache. Defined in connect.cpp.
#pragma once

#include "transport/connection.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

namespace wacht::detail::net {

/// What resolving a name gives: an error, or the addresses to try in turn.
using resolve_result = std::tuple<error_code, tcp::resolver::results_type>;

/// Resolves (host, port). The connector bounds it by timeouts.resolve and the call's deadline and
/// cancels it through the awaiting coroutine's cancellation slot, so it must then complete promptly.
/// Empty: the system resolver. A seam for tests, whose names cannot otherwise hang or fail on demand.
using resolve_function = std::function<asio::awaitable<resolve_result>(std::string host, std::string port)>;

class connector
{
public:
    /// Validates options.tls and sets up the TLS context (for an https origin). `options`, `where` and
    /// `proxy` must outlive the connector. Throws api_error(invalid_argument) for contradictory TLS
    /// options, api_error(tls_handshake_failed) when a CA or the client certificate cannot be loaded,
    /// and whatever tls.configure_context throws.
    connector(asio::any_io_executor executor, const client_options& options, const origin& where,
              const proxy_route& proxy, resolve_function resolve = {});
    ~connector();
    connector(const connector&) = delete;
    connector& operator=(const connector&) = delete;

    /// Opens a connection, each phase bounded by its own timeout and by `deadline`. Returns null and
    /// sets outcome.code (with cause and detail) when a phase fails. Throws when the awaiting
    /// coroutine is cancelled. Thread-safe.
    asio::awaitable<connection_ptr> open(clock_type::time_point deadline, exchange_outcome& outcome);

private:
    void check_tls_options() const;
    void configure_tls();
    void load_client_certificate(asio::ssl::context& context) const;
    static int connector_index();
    static int on_new_session(SSL* ssl, SSL_SESSION* session);
    void offer_session(SSL* handle);

    // Resolves `host` (or takes an IP literal as it is) within the resolve phase; false with outcome
    // set when that fails. `what` names the host in the detail ("" for the API, "proxy " for the proxy).
    asio::awaitable<bool> resolve(const std::string& host, const std::string& port, bool host_is_ip,
                                  const char* what, clock_type::time_point deadline,
                                  tcp::resolver::results_type& endpoints, exchange_outcome& outcome);
    // Opens the CONNECT tunnel on the connection's socket, within the connect phase.
    asio::awaitable<bool> tunnel(connection& conn, clock_type::time_point limit, bool deadline_bound,
                                 exchange_outcome& outcome);

    asio::any_io_executor executor_;
    const client_options& options_;
    const origin& origin_;
    const proxy_route& proxy_;
    resolve_function resolve_;
    std::string tunnel_request_; // the CONNECT request, when there is a proxy

    std::optional<asio::ssl::context> own_context_; // the client's own, unless tls.context is set
    SSL_CTX* context_ = nullptr;                    // the one connections use; one reference owned if shared
    int min_version_ = TLS1_2_VERSION;

    std::mutex session_mutex_;
    SSL_SESSION* session_ = nullptr; // the latest TLS session of the origin, owned
};

/// The transport, with a resolver of the test's (see resolve_function). Defined in pool.cpp.
std::unique_ptr<transport> make_transport(const client_impl& impl, resolve_function resolve);

} // namespace wacht::detail::net
