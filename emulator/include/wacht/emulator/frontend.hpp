// SPDX-License-Identifier: BSL-1.0
// The emulator as the Frontend API (session tokens and their JWKS) and as Wacht's webhook worker
// (signed deliveries of its own events, with the retry schedule). Contract:
// session-tokens-and-webhooks.md §1-5 and §10. Written with OpenSSL directly; nothing is shared with
// the SDK's verifiers, which are tested against it.
#pragma once

#include "store.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wacht::emulator {

/// What to mint a session token for (POST /_emulator/session-tokens takes the same members as JSON).
struct session_token_request
{
    /// The user (`sub`); must exist and not be disabled.
    std::string user_id;
    /// A sign-in id (what seed_session returns) or its session id. Empty: the user's newest active
    /// sign-in, or a new one (as seed_session with defaults) when it has none. `sid` is its session id.
    std::string session_id;
    /// The active organization/workspace membership (one of the user's); its organization or workspace
    /// id becomes the `organization`/`workspace` claim and its roles' permissions (deduplicated, sorted)
    /// `permissions.organization`/`.workspace`. Empty: the sign-in's active memberships, if any.
    std::string organization_membership_id;
    std::string workspace_membership_id;
    /// exp = iat + lifetime (the platform's session_token_lifetime default, 1800 s). May be negative
    /// for a token that is already expired.
    std::chrono::seconds lifetime{1800};
    /// "ES256" (the deployment key of §1.4) or "RS256" (an RSA-2048 key made on first use).
    std::string algorithm = "ES256";
    /// Also write `nbf` (= iat).
    bool not_before = true;
    /// A JSON object of extra top-level claims (a JWT template's custom claims); empty for none. It may
    /// not name a claim the emulator writes (iss, sub, sid, iat, nbf, exp, organization, workspace,
    /// permissions).
    std::string extra_claims_json;
};

/// A minted token and what it says.
struct minted_session_token
{
    /// The compact JWS.
    std::string token;
    std::string key_id;
    std::string algorithm;
    std::string user_id;
    /// The `sid` claim.
    std::string session_id;
    /// iat and exp, Unix seconds of the emulator's clock.
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
};

/// A signing key in the emulator's key ring.
struct signing_key_info
{
    std::string key_id;
    std::string algorithm;
    /// The key new tokens of its algorithm are signed with.
    bool current = false;
    /// A key replaced by a rotation stays in the JWKS until this time of the emulator's clock (or until
    /// remove_retired_keys()); unset for a current key.
    std::optional<time_point> retires_at;
};

/// Where the emulator delivers its webhooks (§10.1). One endpoint at a time.
struct webhook_endpoint_options
{
    /// An http:// URL (plain HTTP; the emulator's small client does not do TLS), e.g.
    /// "http://127.0.0.1:8080/webhooks".
    std::string url;
    /// `whsec_` + standard base64 (§10.4); empty: 32 random bytes are made.
    std::string signing_secret;
    /// Event types to deliver; empty: all.
    std::vector<std::string> event_types;
    /// Per-attempt timeout (the endpoint's timeout_seconds, default 30).
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
    /// Attempts before a delivery is permanently failed (Wacht's default, 32).
    std::uint32_t max_attempts = 32;
};

/// One attempt of a delivery.
struct webhook_attempt
{
    /// When the attempt's outcome was known (the emulator's clock).
    time_point at{};
    /// The receiver's status; 0 when there was none (connection refused, timeout).
    int status = 0;
    /// The transport error, when there was no status.
    std::string error;
};

/// A delivery and its attempts (§10.5, §10.6).
struct webhook_delivery_info
{
    /// `webhook-id`: "msg_<delivery id>", the same on every retry.
    std::string id;
    /// The event type (`type` of the envelope).
    std::string event_type;
    /// `webhook-timestamp`: the trigger time in Unix seconds, not updated on retries (as Wacht).
    std::int64_t timestamp = 0;
    /// The body sent on every attempt.
    std::string body;
    /// "pending" (an attempt is due at next_attempt_at, or in flight), "success", "permanently_failed"
    /// (a 4xx other than 408/410/429, or max_attempts used up) or "deactivated" (410: the endpoint is
    /// switched off and later events are not delivered).
    std::string state = "pending";
    std::vector<webhook_attempt> attempts;
    /// When the next attempt is due; unset once the delivery is settled or while one is in flight.
    std::optional<time_point> next_attempt_at;
};

/// An attempt to make (the server's webhook sender takes these from api::take_due_webhook_attempts).
struct webhook_attempt_order
{
    std::uint64_t delivery = 0;
    std::string url;
    /// The three signing headers, computed with the secret current at send time (§10.4).
    std::string webhook_id, webhook_timestamp, webhook_signature;
    std::string body;
    std::chrono::milliseconds timeout{30'000};
};

/// What an attempt got.
struct webhook_attempt_outcome
{
    /// 0 when no response came.
    int status = 0;
    std::string error;
    /// The response's Retry-After value, if any (seconds or an HTTP date).
    std::string retry_after;
};

} // namespace wacht::emulator
