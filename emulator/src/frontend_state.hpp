// SPDX-License-Identifier: BSL-1.0
// The emulator's Frontend API and webhook worker, private parts: its own base64, HMAC and JWS signing
// (OpenSSL directly), the key ring, and the webhook outbox: the decisions of §10.5/§10.6 as plain code
// with no I/O, driven by the emulator's clock.
#pragma once

#include "wacht/emulator/frontend.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wacht::emulator {

/// Standard base64 with padding (RFC 4648 §4), or base64url without padding (§5).
std::string base64_encode(std::string_view bytes, bool url_safe);
/// Standard base64, padding optional; nullopt on any other character or a bad length.
std::optional<std::string> base64_decode(std::string_view text);
/// HMAC-SHA256 of `data` keyed with `key` (32 raw bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);
/// `whsec_` + base64 (the prefix optional) to the key bytes; nullopt when it does not decode or is empty.
std::optional<std::string> webhook_key(std::string_view secret);
/// "v1," + base64(HMAC-SHA256(key, id "." timestamp "." body)) (§10.3).
std::string webhook_signature(std::string_view key, std::string_view id, std::string_view timestamp,
                              std::string_view body);

/// An http:// URL split for the webhook sender.
struct http_url
{
    std::string host;
    std::uint16_t port = 80;
    std::string target; // path and query, "/" when empty
};
/// "http://host[:port][/path]" (an IPv6 host in brackets); nullopt for anything else.
std::optional<http_url> parse_http_url(std::string_view url);

/// The signing keys: one current key per algorithm, and retired keys kept for a grace period.
class key_ring
{
public:
    struct key
    {
        std::string kid, alg;
        std::shared_ptr<EVP_PKEY> pkey;
        std::string jwk; // the public JWK, JSON text
        bool current = false;
        std::optional<time_point> retires_at;
    };

    /// Makes the first ES256 key.
    key_ring();

    /// The JWKS document at `now` (retired keys past their time are dropped first).
    std::string jwks(time_point now);
    /// The compact JWS of `payload_json` signed with the current key of `alg` (made on first use for
    /// RS256); nullopt for an algorithm the ring does not do. Fills `kid`.
    std::optional<std::string> sign(std::string_view alg, std::string_view payload_json, std::string& kid);
    /// Replaces the current key of `alg`; nullopt for an unknown algorithm.
    std::optional<signing_key_info> rotate(std::string_view alg, std::chrono::seconds grace, time_point now);
    void remove_retired();
    std::vector<signing_key_info> list(time_point now);

private:
    key& add(std::string_view alg); // a new current key; the lock is held
    void expire(time_point now);    // the lock is held

    std::mutex mutex_;
    std::vector<key> keys_; // oldest first
    std::uint64_t serial_ = 0;
};

/// The webhook deliveries and their schedule (§10.5, §10.6). Thread-safe.
class webhook_outbox
{
public:
    /// The wait after failed attempt `n` (1-based): 30 s, 60 s, 5 min, 15 min, then 6 h.
    static std::chrono::seconds retry_delay(std::uint32_t failed_attempts);

    /// Sets (or, with nullopt, clears) the endpoint; an endpoint deactivated by a 410 is active again.
    /// The secret must already be checked.
    void configure(std::optional<webhook_endpoint_options> endpoint);
    std::optional<webhook_endpoint_options> endpoint() const;
    /// Whether an event of this type would be queued now.
    bool wants(std::string_view type) const;
    /// Queues a delivery of {"type","timestamp","data":data_json} due at `now`; returns its webhook-id,
    /// or "" when not wanted.
    std::string publish(std::string_view type, std::string_view data_json, time_point now);
    /// A new secret; false when there is no endpoint.
    bool set_secret(std::string secret);
    std::vector<webhook_attempt_order> take_due(time_point now);
    void complete(std::uint64_t delivery, const webhook_attempt_outcome& outcome, time_point now);
    std::optional<time_point> next_due() const;
    std::vector<webhook_delivery_info> list() const;
    void clear();

private:
    struct delivery
    {
        webhook_delivery_info info;
        std::string url;
        std::chrono::milliseconds timeout{};
        std::uint32_t max_attempts = 32;
        bool in_flight = false;
    };
    mutable std::mutex mutex_;
    std::optional<webhook_endpoint_options> endpoint_;
    std::string key_; // the decoded secret
    bool deactivated_ = false;
    std::map<std::uint64_t, delivery> deliveries_;
    std::uint64_t next_id_ = 1394412856401050000;
};

/// Everything the api keeps for the Frontend API and webhooks.
struct frontend_state
{
    mutable std::mutex mutex; // origin and listener
    std::string origin;
    std::shared_ptr<const std::function<void()>> listener;
    key_ring keys;
    webhook_outbox outbox;

    /// Calls the listener, if any, outside the lock.
    void wake() const;
};

} // namespace wacht::emulator
