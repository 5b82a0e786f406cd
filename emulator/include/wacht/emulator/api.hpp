// SPDX-License-Identifier: BSL-1.0
// The emulated Wacht backend API: routing, auth, validation and the in-memory store, with no I/O.
// The server feeds it parsed requests; tests may call it directly.
#pragma once

#include "faults.hpp"
#include "frontend.hpp"
#include "http.hpp"
#include "store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wacht::emulator {

struct api_options
{
    std::string api_key = "wacht-emulator-key";
    auth_settings auth;
    /// Users created at start-up, with deterministic names, emails and some phones and usernames.
    std::size_t seed_users = 0;
    /// The deployment UI's app_name: the TOTP issuer ("Wacht" when empty).
    std::string app_name;
    /// JSON fixtures (POST /_emulator/seed bodies) loaded at start-up and again by reset().
    std::vector<std::string> seed_fixtures;
    /// Faults active from the start (see api::add_fault).
    std::vector<fault> faults;
    /// Where to deliver webhooks of the emulator's events from the start (set_webhook_endpoint).
    std::optional<webhook_endpoint_options> webhook;
};

/// Thread-safe: handle() may be called from several threads at once.
class api
{
public:
    static constexpr std::size_t body_limit = 2 * 1024 * 1024;

    explicit api(api_options options);
    ~api();

    http_response handle(const http_request& request);

    /// Calls `observer` with every request before it is handled (from the server's threads; it must be
    /// thread-safe). For tests that check what reached the server.
    void set_observer(std::function<void(const http_request&)> observer);

    /// Adds a fault at run time; thread-safe.
    void add_fault(fault f);
    /// Removes every fault; thread-safe.
    void clear_faults();

    /// The faults in the order they are checked.
    std::vector<fault> faults() const;

    /// Requests handled so far (all routes, all outcomes).
    std::uint64_t request_count() const;

    /// The last 10,000 requests to the API's routes (not /health or /_emulator/), oldest first, with
    /// the status they got (a transport fault logs the status it stands in for). Thread-safe.
    std::vector<logged_request> request_log() const;
    void clear_request_log();

    /// The emulated clock: every timestamp the API writes and every expiry it checks reads it.
    /// advance() moves it forward (`by` >= 0); reset() puts it back on the system clock. Thread-safe.
    time_point now() const;
    void advance(std::chrono::nanoseconds by);

    /// The store as at start-up (the seed_users made again, with new ids), the start-up faults, the
    /// clock on the system clock and an empty request log. Thread-safe; do not call it while the SDK
    /// under test has requests in flight unless they may see either state.
    void reset();

    /// Typed seeding: each adds what the matching /_emulator/ route adds and returns the new record's
    /// id (for a membership, the membership's). Throws std::runtime_error with the route's error
    /// message (e.g. "Resource not found" for an unknown user id). Thread-safe.
    std::string seed_user(const user_seed& user);
    std::string seed_session(std::string_view user_id, const session_seed& session);
    std::string seed_passkey(std::string_view user_id, const passkey_seed& passkey);
    std::string seed_social_connection(std::string_view user_id, const social_connection_seed& connection);
    std::string seed_organization_membership(std::string_view user_id,
                                             const organization_membership_seed& membership);
    std::string seed_workspace_membership(std::string_view user_id,
                                          const workspace_membership_seed& membership);
    std::string seed_invitation(const invitation_seed& invitation);
    std::string seed_waitlist_user(const waitlist_seed& entry);
    /// Loads a JSON fixture (the body of POST /_emulator/seed; docs/emulator.md) and returns the new
    /// users' ids in fixture order. Throws std::runtime_error naming the entry that failed.
    std::vector<std::string> seed_fixture(std::string_view json_text);

    // ---- The Frontend API and webhooks (frontend.hpp; docs/emulator.md "Session tokens and webhooks").
    // All thread-safe. The signing keys and the webhook endpoint survive reset(); queued deliveries
    // do not.

    /// The origin tokens name as `iss` and the publishable key encodes ("https://127.0.0.1:PORT"); the
    /// server sets it once it listens.
    void set_frontend_origin(std::string origin);
    std::string frontend_origin() const;
    /// "pk_test_" + standard base64 of the origin (§1.2).
    std::string publishable_key() const;
    /// GET /.well-known/jwks.json's body: every current key and every retired key not yet past its
    /// grace period.
    std::string jwks() const;
    /// Signs a session token (§3, §5.8) with the current key of request.algorithm. Throws
    /// std::runtime_error with the route's message ("Resource not found (404)", ...) on bad input.
    minted_session_token mint_session_token(const session_token_request& request);
    /// Makes a new current key for `algorithm` ("ES256" or "RS256"); the previous one stays in the JWKS
    /// for `grace` (default 1800 s, the token lifetime, so tokens it signed verify until they expire).
    /// Throws std::runtime_error for another algorithm.
    signing_key_info rotate_signing_key(std::string_view algorithm = "ES256",
                                        std::chrono::seconds grace = std::chrono::seconds(1800));
    /// Drops every retired key from the JWKS now.
    void remove_retired_keys();
    std::vector<signing_key_info> signing_keys() const;

    /// Delivers the events (user.created, user.updated, user.deleted from the API routes; test.webhook
    /// from send_test_webhook) to `endpoint` from now on, and returns its signing secret. Throws
    /// std::runtime_error for a URL that is not http://host:port/path or a secret that does not decode.
    std::string set_webhook_endpoint(webhook_endpoint_options endpoint);
    /// The endpoint deliveries go to (with its secret), if one is set.
    std::optional<webhook_endpoint_options> webhook_endpoint() const;
    /// Stops queuing deliveries (queued ones are still attempted).
    void clear_webhook_endpoint();
    /// A new secret, used from the next attempt on, retries included (§10.4: no overlap). Returns it.
    /// Throws std::runtime_error when no endpoint is set.
    std::string rotate_webhook_secret();
    /// Queues a test.webhook delivery with the default test payload (§10.2) naming `event`; returns its
    /// webhook-id. Throws std::runtime_error when no endpoint is set.
    std::string send_test_webhook(std::string_view event = "user.created");
    /// Every delivery, oldest first.
    std::vector<webhook_delivery_info> webhook_deliveries() const;
    /// The attempts due at now() (each delivery is then in flight until complete_webhook_attempt), for
    /// the server's sender or an embedder that delivers itself.
    std::vector<webhook_attempt_order> take_due_webhook_attempts();
    /// Records an attempt's outcome and schedules the next (§10.5, §10.6).
    void complete_webhook_attempt(std::uint64_t delivery, const webhook_attempt_outcome& outcome);
    /// When the next queued attempt is due, if any.
    std::optional<time_point> next_webhook_due() const;
    /// Called (from the thread that queued it) when a delivery is queued; must not block.
    void set_webhook_listener(std::function<void()> listener);

private:
    http_response handle_route(const http_request& request);

    struct state;
    std::unique_ptr<state> state_;
};

} // namespace wacht::emulator
