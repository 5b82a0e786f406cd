// SPDX-License-Identifier: BSL-1.0
// The emulator as the Frontend API and the webhook worker (session-tokens-and-webhooks.md §1-5, §10):
// its own base64, HMAC-SHA256 and JWS signing on OpenSSL, the key ring, the webhook outbox, and their
// routes. Every route returns its early exits as responses (nothing is thrown).
#include "frontend_state.hpp"
#include "store.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <ctime>
#include <variant>

namespace wacht::emulator {

namespace {

constexpr std::string_view standard_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void require_ok(bool ok, const char* what)
{
    if (!ok)
        throw std::runtime_error(std::string("wacht-emulator: OpenSSL failed: ") + what);
}

std::string big_endian(const EVP_PKEY* key, const char* param, int width)
{
    BIGNUM* bn = nullptr;
    require_ok(EVP_PKEY_get_bn_param(key, param, &bn) == 1, param);
    std::string out(static_cast<std::size_t>(width > 0 ? width : BN_num_bytes(bn)), '\0');
    const int written =
        BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_free(bn);
    require_ok(written == static_cast<int>(out.size()), "BN_bn2binpad");
    return out;
}

std::string jwk_of(const EVP_PKEY* key, std::string_view kid, std::string_view alg)
{
    json::object jwk;
    if (alg == "ES256") {
        jwk = {{"kty", "EC"},
               {"kid", kid},
               {"use", "sig"},
               {"alg", alg},
               {"x", base64_encode(big_endian(key, OSSL_PKEY_PARAM_EC_PUB_X, 32), true)},
               {"y", base64_encode(big_endian(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32), true)},
               {"crv", "P-256"}};
    } else {
        jwk = {{"kty", "RSA"},
               {"kid", kid},
               {"use", "sig"},
               {"alg", alg},
               {"n", base64_encode(big_endian(key, OSSL_PKEY_PARAM_RSA_N, 0), true)},
               {"e", base64_encode(big_endian(key, OSSL_PKEY_PARAM_RSA_E, 0), true)}};
    }
    return json::serialize(jwk);
}

// SHA-256 signature of `input`: ECDSA as raw R||S (RFC 7518 §3.4), or RSASSA-PKCS1-v1_5.
std::string sign_sha256(EVP_PKEY* key, std::string_view alg, std::string_view input)
{
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    require_ok(ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1,
               "EVP_DigestSignInit");
    std::size_t length = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    require_ok(EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) == 1, "EVP_DigestSign");
    std::string signature(length, '\0');
    require_ok(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                              input.size()) == 1,
               "EVP_DigestSign");
    signature.resize(length);
    if (alg != "ES256")
        return signature;
    const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
    require_ok(sig != nullptr, "d2i_ECDSA_SIG");
    std::string raw(64, '\0');
    const BIGNUM *r = nullptr, *s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    const bool ok = BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    require_ok(ok, "BN_bn2binpad");
    return raw;
}

// Durations the routes accept (token lifetimes, grace periods): beyond this, time arithmetic overflows.
constexpr std::int64_t longest_seconds = 10LL * 366 * 24 * 3600;

std::int64_t unix_seconds(time_point t)
{
    return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

// "2026-06-29T12:00:00.000Z": the envelope's timestamp, whole seconds (§10.2).
std::string envelope_time(std::int64_t seconds)
{
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm parts{};
    gmtime_r(&t, &parts);
    char text[80];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", parts.tm_year + 1900,
                  parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
    return text;
}

// A Retry-After value (§10.5): integer seconds (at least 1) or an HTTP date; nullopt when unreadable.
std::optional<std::chrono::seconds> retry_after_delay(std::string_view value, time_point now)
{
    value = trim_http(value); // an HTTP header: only spaces and tabs are whitespace
    if (value.empty())
        return std::nullopt;
    if (const auto seconds = parse_unsigned(value); seconds && value.front() != '+')
        return std::chrono::seconds(std::max<std::uint64_t>(1, std::min<std::uint64_t>(*seconds, 1u << 30)));
    std::tm parts{};
    const std::string text(value);
    if (const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts); !end || *end != '\0')
        return std::nullopt;
    const auto at = static_cast<std::int64_t>(timegm(&parts));
    return std::chrono::seconds(std::max<std::int64_t>(1, at - unix_seconds(now)));
}

// "400 message" errors for the routes, and their text for the in-process API's exceptions.
std::string route_error_text(const http_response& r)
{
    boost::system::error_code ec;
    const auto body = json::parse(r.body, ec);
    if (!ec && body.is_object())
        if (const auto* errors = body.as_object().if_contains("errors");
            errors && errors->is_array() && !errors->as_array().empty() && errors->as_array()[0].is_object())
            if (const auto* m = errors->as_array()[0].as_object().if_contains("message"); m && m->is_string())
                return std::string(m->as_string()) + " (" + std::to_string(r.status) + ")";
    return "status " + std::to_string(r.status);
}

// A JSON object request body, or the error to answer.
std::variant<json::object, http_response> object_body(const http_request& request)
{
    if (trim(request.body).empty())
        return json::object{};
    boost::system::error_code ec;
    auto value = json::parse(request.body, ec);
    if (ec || !value.is_object())
        return error_response(400, "the body must be a JSON object");
    return std::move(value.as_object());
}

// Optional members of a control route's body, type-checked; the first wrong one is the answer.
struct body_reader
{
    const json::object& body;
    std::optional<http_response> error;

    const json::value* member(std::string_view key)
    {
        const auto* v = body.if_contains(key);
        return (v && !v->is_null()) ? v : nullptr;
    }
    std::optional<std::string> text(std::string_view key)
    {
        const auto* v = member(key);
        if (v && !v->is_string()) {
            wrong(key, "a string");
            return std::nullopt;
        }
        return v ? std::optional<std::string>(std::string(v->get_string())) : std::nullopt;
    }
    std::optional<std::int64_t> integer(std::string_view key)
    {
        const auto* v = member(key);
        if (v && v->is_int64())
            return v->get_int64();
        if (v && v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
            return static_cast<std::int64_t>(v->get_uint64());
        if (v)
            wrong(key, "an integer");
        return std::nullopt;
    }
    std::optional<bool> boolean(std::string_view key)
    {
        const auto* v = member(key);
        if (v && !v->is_bool()) {
            wrong(key, "true or false");
            return std::nullopt;
        }
        return v ? std::optional<bool>(v->get_bool()) : std::nullopt;
    }
    void wrong(std::string_view key, std::string_view what)
    {
        if (!error)
            error = error_response(400, std::string(key) + " must be " + std::string(what));
    }
};

json::value time_json(const std::optional<time_point>& t)
{
    return t ? json::value(format_time(*t)) : json::value(nullptr);
}

json::object key_json(const signing_key_info& k)
{
    return {{"key_id", k.key_id},
            {"algorithm", k.algorithm},
            {"current", k.current},
            {"retires_at", time_json(k.retires_at)}};
}

} // namespace

// ---------------------------------------------------------------------------------------------------
// base64, HMAC, webhook signatures

std::string base64_encode(std::string_view bytes, bool url_safe)
{
    const auto alphabet = url_safe ? url_alphabet : standard_alphabet;
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                       static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6)
            out += alphabet[(n >> shift) & 63];
    }
    if (const auto rest = bytes.size() - i; rest != 0) {
        auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2)
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        if (rest == 2)
            out += alphabet[(n >> 6) & 63];
        if (!url_safe)
            out.append(rest == 1 ? "==" : "=");
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text)
{
    while (!text.empty() && text.back() == '=')
        text.remove_suffix(1);
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (const char c : text) {
        const auto at = standard_alphabet.find(c);
        if (at == std::string_view::npos)
            return std::nullopt;
        bits = bits << 6 | static_cast<std::uint32_t>(at);
        if (++count == 4) {
            out += static_cast<char>(bits >> 16);
            out += static_cast<char>(bits >> 8 & 0xFF);
            out += static_cast<char>(bits & 0xFF);
            bits = 0;
            count = 0;
        }
    }
    if (count == 2)
        out += static_cast<char>(bits >> 4);
    else if (count == 3) {
        out += static_cast<char>(bits >> 10);
        out += static_cast<char>(bits >> 2 & 0xFF);
    }
    return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    require_ok(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                    reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
                    &length) != nullptr,
               "HMAC");
    return std::string(reinterpret_cast<const char*>(mac), length);
}

std::optional<std::string> webhook_key(std::string_view secret)
{
    if (secret.starts_with("whsec_"))
        secret.remove_prefix(6);
    auto key = base64_decode(secret);
    if (!key || key->empty())
        return std::nullopt;
    return key;
}

std::string webhook_signature(std::string_view key, std::string_view id, std::string_view timestamp,
                              std::string_view body)
{
    std::string content;
    content.reserve(id.size() + timestamp.size() + body.size() + 2);
    content.append(id).append(".").append(timestamp).append(".").append(body);
    return "v1," + base64_encode(hmac_sha256(key, content), false);
}

std::optional<http_url> parse_http_url(std::string_view url)
{
    if (!url.starts_with("http://"))
        return std::nullopt;
    url.remove_prefix(7);
    const auto slash = url.find('/');
    const auto authority = url.substr(0, slash);
    http_url out;
    out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    std::string_view host = authority, port = "80";
    if (authority.starts_with('[')) { // [::1]:8080
        const auto close = authority.find(']');
        if (close == std::string_view::npos)
            return std::nullopt;
        host = authority.substr(1, close - 1);
        const auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return std::nullopt;
            port = rest.substr(1);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    const auto number = parse_unsigned(port);
    if (host.empty() || !number || *number == 0 || *number > 65535 || port.front() == '+')
        return std::nullopt;
    out.host = std::string(host);
    out.port = static_cast<std::uint16_t>(*number);
    return out;
}

// ---------------------------------------------------------------------------------------------------
// key_ring

key_ring::key_ring()
{
    std::lock_guard lock(mutex_);
    add("ES256");
}

key_ring::key& key_ring::add(std::string_view alg)
{
    EVP_PKEY* made = alg == "ES256" ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
    require_ok(made != nullptr, "key generation");
    key k;
    k.pkey.reset(made, EVP_PKEY_free);
    k.alg = std::string(alg);
    k.kid = "emulator-" + to_lower(alg) + "-" + std::to_string(++serial_);
    k.jwk = jwk_of(made, k.kid, k.alg);
    k.current = true;
    keys_.push_back(std::move(k));
    return keys_.back();
}

void key_ring::expire(time_point now)
{
    std::erase_if(keys_, [&](const key& k) { return !k.current && k.retires_at && *k.retires_at <= now; });
}

std::string key_ring::jwks(time_point now)
{
    std::lock_guard lock(mutex_);
    expire(now);
    std::string out = "{\"keys\":[";
    for (std::size_t i = 0; i < keys_.size(); ++i)
        out.append(i == 0 ? "" : ",").append(keys_[i].jwk);
    return out + "]}";
}

std::optional<std::string> key_ring::sign(std::string_view alg, std::string_view payload_json,
                                          std::string& kid)
{
    if (alg != "ES256" && alg != "RS256")
        return std::nullopt;
    std::shared_ptr<EVP_PKEY> pkey;
    {
        std::lock_guard lock(mutex_);
        auto it =
            std::find_if(keys_.begin(), keys_.end(), [&](const key& k) { return k.current && k.alg == alg; });
        const key& k = it != keys_.end() ? *it : add(alg);
        pkey = k.pkey;
        kid = k.kid;
    }
    const std::string header = json::serialize(json::object{{"alg", alg}, {"kid", kid}, {"typ", "JWT"}});
    std::string token = base64_encode(header, true) + "." + base64_encode(payload_json, true);
    const auto signature = sign_sha256(pkey.get(), alg, token);
    return token + "." + base64_encode(signature, true);
}

std::optional<signing_key_info> key_ring::rotate(std::string_view alg, std::chrono::seconds grace,
                                                 time_point now)
{
    if (alg != "ES256" && alg != "RS256")
        return std::nullopt;
    std::lock_guard lock(mutex_);
    expire(now);
    for (auto& k : keys_)
        if (k.current && k.alg == alg) {
            k.current = false;
            k.retires_at = now + grace;
        }
    const auto& k = add(alg);
    return signing_key_info{k.kid, k.alg, true, std::nullopt};
}

void key_ring::remove_retired()
{
    std::lock_guard lock(mutex_);
    std::erase_if(keys_, [](const key& k) { return !k.current; });
}

std::vector<signing_key_info> key_ring::list(time_point now)
{
    std::lock_guard lock(mutex_);
    expire(now);
    std::vector<signing_key_info> out;
    for (const auto& k : keys_)
        out.push_back({k.kid, k.alg, k.current, k.retires_at});
    return out;
}

// ---------------------------------------------------------------------------------------------------
// webhook_outbox

std::chrono::seconds webhook_outbox::retry_delay(std::uint32_t failed_attempts)
{
    using std::chrono::minutes, std::chrono::hours, std::chrono::seconds;
    switch (failed_attempts) {
    case 1:
        return seconds(30);
    case 2:
        return seconds(60);
    case 3:
        return minutes(5);
    case 4:
        return minutes(15);
    default:
        return hours(6);
    }
}

void webhook_outbox::configure(std::optional<webhook_endpoint_options> endpoint)
{
    std::lock_guard lock(mutex_);
    if (endpoint) {
        key_ = *webhook_key(endpoint->signing_secret);
        deactivated_ = false;
    }
    endpoint_ = std::move(endpoint); // the key stays for deliveries already queued
}

std::optional<webhook_endpoint_options> webhook_outbox::endpoint() const
{
    std::lock_guard lock(mutex_);
    return endpoint_;
}

bool webhook_outbox::wants(std::string_view type) const
{
    std::lock_guard lock(mutex_);
    return endpoint_ && !deactivated_ &&
           (endpoint_->event_types.empty() ||
            std::find(endpoint_->event_types.begin(), endpoint_->event_types.end(), type) !=
                endpoint_->event_types.end());
}

std::string webhook_outbox::publish(std::string_view type, std::string_view data_json, time_point now)
{
    if (!wants(type))
        return {};
    std::lock_guard lock(mutex_);
    if (!endpoint_) // cleared in between
        return {};
    delivery d;
    const auto number = next_id_ += 4096 + 7;
    d.info.id = "msg_" + std::to_string(number);
    d.info.event_type = std::string(type);
    d.info.timestamp = unix_seconds(now);
    d.info.body = "{\"type\":" + json::serialize(json::value(json::string(type))) + ",\"timestamp\":\"" +
                  envelope_time(d.info.timestamp) + "\",\"data\":";
    d.info.body.append(data_json).append("}");
    d.info.next_attempt_at = now;
    d.url = endpoint_->url;
    d.timeout = endpoint_->timeout;
    d.max_attempts = std::max<std::uint32_t>(1, endpoint_->max_attempts);
    auto id = d.info.id;
    deliveries_.emplace(number, std::move(d));
    return id;
}

bool webhook_outbox::set_secret(std::string secret)
{
    std::lock_guard lock(mutex_);
    if (!endpoint_)
        return false;
    key_ = *webhook_key(secret);
    endpoint_->signing_secret = std::move(secret);
    return true;
}

std::vector<webhook_attempt_order> webhook_outbox::take_due(time_point now)
{
    std::vector<webhook_attempt_order> out;
    std::lock_guard lock(mutex_);
    for (auto& [number, d] : deliveries_) {
        if (d.in_flight || !d.info.next_attempt_at || *d.info.next_attempt_at > now)
            continue;
        d.in_flight = true;
        d.info.next_attempt_at.reset();
        const auto timestamp = std::to_string(d.info.timestamp);
        out.push_back({number, d.url, d.info.id, timestamp,
                       webhook_signature(key_, d.info.id, timestamp, d.info.body), d.info.body, d.timeout});
    }
    return out;
}

void webhook_outbox::complete(std::uint64_t number, const webhook_attempt_outcome& outcome, time_point now)
{
    std::lock_guard lock(mutex_);
    const auto it = deliveries_.find(number);
    if (it == deliveries_.end() || !it->second.in_flight)
        return; // cleared by reset() meanwhile
    auto& d = it->second;
    d.in_flight = false;
    d.info.attempts.push_back({now, outcome.status, outcome.error});
    const int status = outcome.status;
    if (status >= 200 && status < 300) {
        d.info.state = "success";
    } else if (status == 410) { // the endpoint is deactivated: no retry, no later deliveries
        d.info.state = "deactivated";
        deactivated_ = true;
    } else if (status == 0 || status >= 500 || status == 408 || status == 429) {
        const auto used = static_cast<std::uint32_t>(d.info.attempts.size());
        if (used >= d.max_attempts) {
            d.info.state = "permanently_failed";
        } else {
            const auto asked = status != 0 ? retry_after_delay(outcome.retry_after, now) : std::nullopt;
            d.info.next_attempt_at = now + asked.value_or(retry_delay(used));
        }
    } else {
        d.info.state = "permanently_failed"; // any other status is final
    }
}

std::optional<time_point> webhook_outbox::next_due() const
{
    std::optional<time_point> next;
    std::lock_guard lock(mutex_);
    for (const auto& [number, d] : deliveries_)
        if (!d.in_flight && d.info.next_attempt_at && (!next || *d.info.next_attempt_at < *next))
            next = d.info.next_attempt_at;
    return next;
}

std::vector<webhook_delivery_info> webhook_outbox::list() const
{
    std::vector<webhook_delivery_info> out;
    std::lock_guard lock(mutex_);
    for (const auto& [number, d] : deliveries_)
        out.push_back(d.info);
    return out;
}

void webhook_outbox::clear()
{
    std::lock_guard lock(mutex_);
    deliveries_.clear();
}

void frontend_state::wake() const
{
    std::shared_ptr<const std::function<void()>> call;
    {
        std::lock_guard lock(mutex);
        call = listener;
    }
    if (call && *call)
        (*call)();
}

// ---------------------------------------------------------------------------------------------------
// Handlers (api::state) and the in-process API

// GET /.well-known/jwks.json: public, no API key (§4).
http_response api::state::jwks_document(const http_request& request)
{
    if (request.method != "GET")
        return normalized_error(405);
    return {200, "application/json", frontend->keys.jwks(clock_now())};
}

http_response api::state::mint(const session_token_request& r, minted_session_token& out)
{
    if (r.algorithm != "ES256" && r.algorithm != "RS256")
        return error_response(400, "algorithm must be ES256 or RS256");
    if (r.lifetime.count() > longest_seconds || r.lifetime.count() < -longest_seconds)
        return error_response(400, "lifetime_seconds must be within ten years either way");
    const auto user_id = parse_signed(r.user_id);
    if (!user_id)
        return error_response(400, "user_id must be a user id");
    json::object extra;
    if (!trim(r.extra_claims_json).empty()) {
        boost::system::error_code ec;
        auto parsed = json::parse(r.extra_claims_json, ec);
        if (ec || !parsed.is_object())
            return error_response(400, "claims must be a JSON object");
        extra = std::move(parsed.as_object());
        for (const auto* reserved :
             {"iss", "sub", "sid", "iat", "nbf", "exp", "organization", "workspace", "permissions"})
            if (extra.contains(reserved))
                return error_response(400, std::string("claims may not set ") + reserved);
    }
    const auto optional_id = [](const std::string& text) -> std::optional<std::optional<id_type>> {
        if (text.empty())
            return std::optional<id_type>{};
        const auto v = parse_signed(text);
        return v ? std::optional<std::optional<id_type>>(v) : std::nullopt;
    };
    const auto session_id = optional_id(r.session_id);
    const auto org_membership_id = optional_id(r.organization_membership_id);
    const auto workspace_membership_id = optional_id(r.workspace_membership_id);
    if (!session_id || !org_membership_id || !workspace_membership_id)
        return error_response(400, "session and membership ids must be ids");

    json::object claims;
    std::lock_guard lock(mutex);
    const auto user = users.find(*user_id);
    if (user == users.end())
        return error_response(404, "Resource not found");
    if (user->second.disabled)
        return error_response(400, "the user is disabled");
    const auto now = clock_now();
    const auto active = [&](const signin_row& s) { return !s.deleted_at && s.expires_at > now; };
    const signin_row* signin = nullptr;
    if (*session_id) {
        for (const auto& [id, s] : signins)
            if (s.user_id == *user_id && (s.id == **session_id || s.session_id == **session_id))
                signin = &s;
        if (!signin)
            return error_response(404, "Session not found");
        if (!active(*signin))
            return error_response(400, "the session is not active (revoked or expired)");
    } else {
        for (const auto& [id, s] : signins) // ids grow: the last match is the newest
            if (s.user_id == *user_id && active(s))
                signin = &s;
        if (!signin) { // a sign-in as seed_session makes it with its defaults
            const auto stored = db_time(now);
            signin_row s;
            s.id = new_id();
            s.user_id = *user_id;
            s.created_at = s.updated_at = stored;
            s.session_id = new_id();
            s.expires_at = stored + std::chrono::hours(24);
            s.last_active_at = stored;
            signin = &(signins[s.id] = s);
        }
    }
    const auto permissions_of = [](const std::vector<role_row>& roles) {
        std::set<std::string> names;
        for (const auto& role : roles)
            names.insert(role.permissions.begin(), role.permissions.end());
        json::array out;
        for (const auto& n : names)
            out.push_back(json::value(n));
        return out;
    };
    json::object permissions;
    std::optional<std::string> organization, workspace;
    if (const auto id = *org_membership_id ? *org_membership_id : signin->active_organization_membership_id) {
        const auto m = organization_memberships.find(*id);
        if (m == organization_memberships.end() || m->second.user_id != *user_id)
            return error_response(404, "Organization membership not found");
        organization = id_text(m->second.organization_id);
        permissions["organization"] = permissions_of(m->second.roles);
    }
    if (const auto id =
            *workspace_membership_id ? *workspace_membership_id : signin->active_workspace_membership_id) {
        const auto m = workspace_memberships.find(*id);
        if (m == workspace_memberships.end() || m->second.user_id != *user_id)
            return error_response(404, "Workspace membership not found");
        workspace = id_text(m->second.workspace_id);
        permissions["workspace"] = permissions_of(m->second.roles);
    }

    // The claims in the order of fixtures/session-token-payload.json.
    const auto iat = unix_seconds(now);
    claims["iss"] = frontend_origin_text();
    claims["sub"] = id_text(*user_id);
    claims["sid"] = id_text(signin->session_id.value_or(signin->id));
    claims["iat"] = iat;
    if (r.not_before)
        claims["nbf"] = iat;
    claims["exp"] = iat + r.lifetime.count();
    if (organization)
        claims["organization"] = *organization;
    if (workspace)
        claims["workspace"] = *workspace;
    if (!permissions.empty())
        claims["permissions"] = std::move(permissions);
    for (auto& member : extra)
        claims[member.key()] = std::move(member.value());

    out.user_id = id_text(*user_id);
    out.session_id = std::string(claims["sid"].as_string());
    out.issued_at = iat;
    out.expires_at = iat + r.lifetime.count();
    out.algorithm = r.algorithm;
    out.token = *frontend->keys.sign(r.algorithm, json::serialize(claims), out.key_id);
    return empty_success();
}

std::string api::state::frontend_origin_text() const
{
    std::lock_guard lock(frontend->mutex);
    return frontend->origin;
}

// POST /_emulator/session-tokens.
http_response api::state::mint_session_token(const http_request& request)
{
    auto parsed = object_body(request);
    if (auto* error = std::get_if<http_response>(&parsed))
        return std::move(*error);
    const auto& body = std::get<json::object>(parsed);
    body_reader read{body, std::nullopt};
    session_token_request r;
    const auto user_id = read.text("user_id");
    r.session_id = read.text("session_id").value_or("");
    r.organization_membership_id = read.text("organization_membership_id").value_or("");
    r.workspace_membership_id = read.text("workspace_membership_id").value_or("");
    r.algorithm = read.text("algorithm").value_or("ES256");
    r.lifetime = std::chrono::seconds(read.integer("lifetime_seconds").value_or(1800));
    r.not_before = read.boolean("not_before").value_or(true);
    if (const auto* claims = read.member("claims")) {
        if (!claims->is_object())
            read.wrong("claims", "a JSON object");
        else
            r.extra_claims_json = json::serialize(*claims);
    }
    if (read.error)
        return std::move(*read.error);
    if (!user_id)
        return error_response(400, "user_id is required");
    r.user_id = *user_id;
    minted_session_token out;
    if (auto response = mint(r, out); response.status != 200)
        return response;
    return json_response(200, json::object{{"token", out.token},
                                           {"key_id", out.key_id},
                                           {"algorithm", out.algorithm},
                                           {"user_id", out.user_id},
                                           {"session_id", out.session_id},
                                           {"issued_at", out.issued_at},
                                           {"expires_at", out.expires_at}});
}

// GET /_emulator/keys.
http_response api::state::signing_keys_route()
{
    json::array keys;
    for (const auto& k : frontend->keys.list(clock_now()))
        keys.push_back(key_json(k));
    return json_response(200, json::object{{"keys", std::move(keys)}});
}

// POST /_emulator/keys/rotate {"algorithm"?: "ES256", "grace_seconds"?: 1800}.
http_response api::state::rotate_key_route(const http_request& request)
{
    auto parsed = object_body(request);
    if (auto* error = std::get_if<http_response>(&parsed))
        return std::move(*error);
    body_reader read{std::get<json::object>(parsed), std::nullopt};
    const auto alg = read.text("algorithm").value_or("ES256");
    const auto grace = read.integer("grace_seconds").value_or(1800);
    if (read.error)
        return std::move(*read.error);
    if (grace < 0 || grace > longest_seconds)
        return error_response(400, "grace_seconds must be 0 to ten years");
    const auto key = frontend->keys.rotate(alg, std::chrono::seconds(grace), clock_now());
    if (!key)
        return error_response(400, "algorithm must be ES256 or RS256");
    return json_response(200, key_json(*key));
}

// GET /_emulator/webhooks: the endpoint and every delivery.
http_response api::state::webhooks_route()
{
    json::value endpoint = nullptr;
    if (const auto e = frontend->outbox.endpoint()) {
        json::array types;
        for (const auto& t : e->event_types)
            types.push_back(json::value(t));
        endpoint = json::object{{"url", e->url},
                                {"signing_secret", e->signing_secret},
                                {"event_types", std::move(types)},
                                {"timeout_ms", e->timeout.count()},
                                {"max_attempts", e->max_attempts}};
    }
    json::array deliveries;
    for (const auto& d : frontend->outbox.list()) {
        json::array attempts;
        for (const auto& a : d.attempts)
            attempts.push_back(
                json::object{{"at", format_time(a.at)}, {"status", a.status}, {"error", a.error}});
        deliveries.push_back(json::object{{"id", d.id},
                                          {"event_type", d.event_type},
                                          {"timestamp", d.timestamp},
                                          {"state", d.state},
                                          {"attempts", std::move(attempts)},
                                          {"next_attempt_at", time_json(d.next_attempt_at)},
                                          {"body", d.body}});
    }
    return json_response(
        200, json::object{{"endpoint", std::move(endpoint)}, {"deliveries", std::move(deliveries)}});
}

http_response api::state::configure_webhooks(webhook_endpoint_options endpoint, std::string& secret)
{
    if (!parse_http_url(endpoint.url))
        return error_response(400, "url must be http://host:port/path");
    if (endpoint.signing_secret.empty()) {
        std::string bytes(32, '\0');
        require_ok(RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), 32) == 1, "RAND_bytes");
        endpoint.signing_secret = "whsec_" + base64_encode(bytes, false);
    } else if (!webhook_key(endpoint.signing_secret)) {
        return error_response(400, "signing_secret must be whsec_ and base64 of at least one byte");
    }
    if (endpoint.timeout.count() <= 0 || endpoint.timeout > std::chrono::hours(1))
        return error_response(400, "timeout_ms must be 1 to 3600000");
    secret = endpoint.signing_secret;
    frontend->outbox.configure(std::move(endpoint));
    return empty_success();
}

// POST /_emulator/webhooks/endpoint {url, signing_secret?, event_types?, timeout_ms?, max_attempts?}.
http_response api::state::webhook_endpoint_route(const http_request& request)
{
    auto parsed = object_body(request);
    if (auto* error = std::get_if<http_response>(&parsed))
        return std::move(*error);
    const auto& body = std::get<json::object>(parsed);
    body_reader read{body, std::nullopt};
    webhook_endpoint_options endpoint;
    endpoint.url = read.text("url").value_or("");
    endpoint.signing_secret = read.text("signing_secret").value_or("");
    endpoint.timeout = std::chrono::milliseconds(read.integer("timeout_ms").value_or(30'000));
    const auto attempts = read.integer("max_attempts").value_or(32);
    if (const auto* types = read.member("event_types")) {
        if (!types->is_array())
            read.wrong("event_types", "an array of strings");
        else
            for (const auto& t : types->get_array()) {
                if (!t.is_string()) {
                    read.wrong("event_types", "an array of strings");
                    break;
                }
                endpoint.event_types.emplace_back(t.get_string());
            }
    }
    if (read.error)
        return std::move(*read.error);
    if (attempts < 1 || attempts > 1000)
        return error_response(400, "max_attempts must be 1 to 1000");
    endpoint.max_attempts = static_cast<std::uint32_t>(attempts);
    std::string secret;
    if (auto response = configure_webhooks(std::move(endpoint), secret); response.status != 200)
        return response;
    return json_response(200,
                         json::object{{"url", frontend->outbox.endpoint()->url}, {"signing_secret", secret}});
}

// POST /_emulator/webhooks/rotate-secret: a new secret at once (§10.4: no overlap).
http_response api::state::rotate_webhook_secret_route()
{
    std::string bytes(32, '\0');
    require_ok(RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), 32) == 1, "RAND_bytes");
    auto secret = "whsec_" + base64_encode(bytes, false);
    if (!frontend->outbox.set_secret(secret))
        return error_response(400, "no webhook endpoint is set");
    return json_response(200, json::object{{"signing_secret", secret}});
}

// POST /_emulator/webhooks/test {"event"?: "user.created"}: a test.webhook delivery (§10.2).
http_response api::state::test_webhook_route(const http_request& request)
{
    auto parsed = object_body(request);
    if (auto* error = std::get_if<http_response>(&parsed))
        return std::move(*error);
    body_reader read{std::get<json::object>(parsed), std::nullopt};
    const auto event = read.text("event").value_or("user.created");
    if (read.error)
        return std::move(*read.error);
    if (!frontend->outbox.endpoint())
        return error_response(400, "no webhook endpoint is set");
    const auto now = clock_now();
    const auto data =
        json::serialize(json::object{{"test", true}, {"event", event}, {"timestamp", format_time(now)}});
    const auto id = frontend->outbox.publish("test.webhook", data, now);
    frontend->wake();
    return json_response(200, json::object{{"id", id}});
}

// A user event for the webhook endpoint (§10.2): data is {"entity_id": n, "entity_type": "user", ...the
// user's details}. The caller holds the lock.
void api::state::publish_user_event(std::string_view type, const user_row& u, timestamp now)
{
    if (!frontend->outbox.wants(type))
        return;
    std::string details_text;
    append_json(details_text, details(u, now));
    std::string data = "{\"entity_id\":" + std::to_string(u.id) + ",\"entity_type\":\"user\"";
    if (details_text.size() > 2)
        data += "," + details_text.substr(1);
    else
        data += "}";
    frontend->outbox.publish(type, data, now);
    frontend->wake();
}

void api::set_frontend_origin(std::string origin)
{
    std::lock_guard lock(state_->frontend->mutex);
    state_->frontend->origin = std::move(origin);
}

std::string api::frontend_origin() const
{
    return state_->frontend_origin_text();
}

std::string api::publishable_key() const
{
    return "pk_test_" + base64_encode(frontend_origin(), false);
}

std::string api::jwks() const
{
    return state_->frontend->keys.jwks(now());
}

minted_session_token api::mint_session_token(const session_token_request& request)
{
    minted_session_token out;
    if (const auto response = state_->mint(request, out); response.status != 200)
        throw std::runtime_error("mint_session_token: " + route_error_text(response));
    return out;
}

signing_key_info api::rotate_signing_key(std::string_view algorithm, std::chrono::seconds grace)
{
    if (grace.count() < 0 || grace.count() > longest_seconds)
        throw std::runtime_error("rotate_signing_key: the grace period must be 0 to ten years");
    auto key = state_->frontend->keys.rotate(algorithm, grace, now());
    if (!key)
        throw std::runtime_error("rotate_signing_key: the algorithm must be ES256 or RS256");
    return *key;
}

void api::remove_retired_keys()
{
    state_->frontend->keys.remove_retired();
}

std::vector<signing_key_info> api::signing_keys() const
{
    return state_->frontend->keys.list(now());
}

std::string api::set_webhook_endpoint(webhook_endpoint_options endpoint)
{
    std::string secret;
    if (const auto response = state_->configure_webhooks(std::move(endpoint), secret); response.status != 200)
        throw std::runtime_error("set_webhook_endpoint: " + route_error_text(response));
    return secret;
}

std::optional<webhook_endpoint_options> api::webhook_endpoint() const
{
    return state_->frontend->outbox.endpoint();
}

void api::clear_webhook_endpoint()
{
    state_->frontend->outbox.configure(std::nullopt);
}

std::string api::rotate_webhook_secret()
{
    const auto response = state_->rotate_webhook_secret_route();
    if (response.status != 200)
        throw std::runtime_error("rotate_webhook_secret: " + route_error_text(response));
    return std::string(json::parse(response.body).as_object().at("signing_secret").as_string());
}

std::string api::send_test_webhook(std::string_view event)
{
    http_request request;
    request.method = "POST";
    request.body = json::serialize(json::object{{"event", event}});
    const auto response = state_->test_webhook_route(request);
    if (response.status != 200)
        throw std::runtime_error("send_test_webhook: " + route_error_text(response));
    return std::string(json::parse(response.body).as_object().at("id").as_string());
}

std::vector<webhook_delivery_info> api::webhook_deliveries() const
{
    return state_->frontend->outbox.list();
}

std::vector<webhook_attempt_order> api::take_due_webhook_attempts()
{
    return state_->frontend->outbox.take_due(now());
}

void api::complete_webhook_attempt(std::uint64_t delivery, const webhook_attempt_outcome& outcome)
{
    state_->frontend->outbox.complete(delivery, outcome, now());
}

std::optional<time_point> api::next_webhook_due() const
{
    return state_->frontend->outbox.next_due();
}

void api::set_webhook_listener(std::function<void()> listener)
{
    auto call = std::make_shared<const std::function<void()>>(std::move(listener));
    std::lock_guard lock(state_->frontend->mutex);
    state_->frontend->listener = std::move(call);
}

} // namespace wacht::emulator
