// wacht-emulator's HTTP(S) server: Beast over TLS (or plain HTTP) in front of the emulated api.
#pragma once

#include "api.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace wacht::emulator {

struct server_options
{
    /// Loopback only by default.
    std::string address = "127.0.0.1";
    /// 0 picks a free port; port() tells which.
    std::uint16_t port = 0;
    bool tls = true;
    /// The server's certificate chain and key (PEM). Empty: a CA and a certificate for localhost,
    /// 127.0.0.1 and ::1 are made at start-up.
    std::string cert_pem;
    std::string key_pem;
    /// What clients should trust; filled in when the certificate is generated.
    std::string ca_pem;
    /// Threads running the server's own io_context.
    std::size_t threads = 1;
    /// A keep-alive connection idle this long is closed (a fault to inject when short).
    std::chrono::milliseconds keep_alive_timeout{60'000};
    api_options api;
};

/// A running emulator: listening and serving from construction until stop() or destruction.
/// Thread-safe. Starts its own threads; never touches the caller's io_context.
class server
{
public:
    /// Binds, listens and starts serving. Throws std::runtime_error / boost::system::system_error on
    /// failure (port in use, bad certificate).
    explicit server(server_options options);
    ~server();

    server(const server&) = delete;
    server& operator=(const server&) = delete;

    std::uint16_t port() const;
    /// "https://127.0.0.1:<port>" (or http://).
    std::string base_url() const;
    /// The CA certificate clients must trust (PEM); empty for plain HTTP.
    const std::string& ca_pem() const;
    /// The API key the emulator accepts.
    const std::string& api_key() const;
    emulator::api& backend();

    /// Connections accepted so far, and how many of them the server has closed.
    std::uint64_t connection_count() const;
    std::uint64_t closed_connection_count() const;
    /// TLS handshakes that resumed an earlier session (a ticket) instead of a full handshake.
    std::uint64_t resumed_handshake_count() const;
    /// Closes, without a response, every keep-alive connection waiting for its next request, as a
    /// server whose keep-alive timer fired would. Returns once they are closed. Call it from outside the
    /// server's threads while no request is in flight.
    void close_idle_connections();

    /// Stops accepting, closes every connection and joins the threads. Idempotent.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace wacht::emulator
