// SPDX-License-Identifier: BSL-1.0
// wacht-emulator's HTTP(S) server: Beast over TLS (or plain HTTP) in front of the emulated api.
#pragma once

#include "wacht/emulator/api.hpp"

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
    /// The emulated API itself: everything below forwards to it.
    emulator::api& backend();

    /// Test controls (thread-safe; see api for each): faults to inject, the request log, the clock,
    /// reset and typed seeding. The same are reachable over HTTP under /_emulator/ (docs/emulator.md).
    fault_control faults() { return fault_control(backend()); }
    std::vector<logged_request> request_log() const { return impl_backend().request_log(); }
    void clear_request_log() { backend().clear_request_log(); }
    time_point now() const { return impl_backend().now(); }
    void advance(std::chrono::nanoseconds by) { backend().advance(by); }
    void reset() { backend().reset(); }
    std::string seed_user(const user_seed& user) { return backend().seed_user(user); }
    std::string seed_session(std::string_view user_id, const session_seed& session = {})
    {
        return backend().seed_session(user_id, session);
    }
    std::string seed_passkey(std::string_view user_id, const passkey_seed& passkey = {})
    {
        return backend().seed_passkey(user_id, passkey);
    }
    std::string seed_social_connection(std::string_view user_id,
                                       const social_connection_seed& connection = {})
    {
        return backend().seed_social_connection(user_id, connection);
    }
    std::string seed_organization_membership(std::string_view user_id, const organization_membership_seed& m)
    {
        return backend().seed_organization_membership(user_id, m);
    }
    std::string seed_workspace_membership(std::string_view user_id, const workspace_membership_seed& m)
    {
        return backend().seed_workspace_membership(user_id, m);
    }
    std::string seed_invitation(const invitation_seed& invitation)
    {
        return backend().seed_invitation(invitation);
    }
    std::string seed_waitlist_user(const waitlist_seed& entry) { return backend().seed_waitlist_user(entry); }
    std::vector<std::string> seed_fixture(std::string_view json_text)
    {
        return backend().seed_fixture(json_text);
    }

    /// The Frontend API and webhooks (see api and frontend.hpp): the origin is base_url().
    std::string publishable_key() const { return impl_backend().publishable_key(); }
    minted_session_token mint_session_token(const session_token_request& request)
    {
        return backend().mint_session_token(request);
    }
    signing_key_info rotate_signing_key(std::string_view algorithm = "ES256",
                                        std::chrono::seconds grace = std::chrono::seconds(1800))
    {
        return backend().rotate_signing_key(algorithm, grace);
    }
    std::string set_webhook_endpoint(webhook_endpoint_options endpoint)
    {
        return backend().set_webhook_endpoint(std::move(endpoint));
    }
    std::vector<webhook_delivery_info> webhook_deliveries() const
    {
        return impl_backend().webhook_deliveries();
    }

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
    const emulator::api& impl_backend() const;

    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace wacht::emulator
