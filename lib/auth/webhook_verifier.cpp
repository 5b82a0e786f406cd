// SPDX-License-Identifier: BSL-1.0
#include "auth/jose.hpp"

#include <wacht/webhook_verifier.hpp>

#include <boost/json/parse.hpp>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <climits>
#include <cstdint>

namespace wacht {
namespace detail {

struct webhook_keys
{
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    std::vector<EVP_MAC_CTX*> contexts;

    webhook_keys() = default;
    webhook_keys(const webhook_keys&) = delete;
    webhook_keys& operator=(const webhook_keys&) = delete;
    ~webhook_keys()
    {
        for (auto* c : contexts)
            EVP_MAC_CTX_free(c);
        EVP_MAC_free(mac);
    }
};

} // namespace detail

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if (c != b[i])
            return false;
    }
    return true;
}

webhook_error fail(webhook_errc code, std::string detail)
{
    return {code, std::move(detail)};
}

// §10.7 step 2: ^[0-9]{1,19}$ fitting int64.
std::optional<std::int64_t> parse_timestamp(std::string_view text) noexcept
{
    if (text.empty() || text.size() > 19)
        return std::nullopt;
    std::uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > static_cast<std::uint64_t>(INT64_MAX))
        return std::nullopt;
    return static_cast<std::int64_t>(v);
}

} // namespace

std::string_view to_string(webhook_errc code) noexcept
{
    switch (code) {
    case webhook_errc::invalid_secret:
        return "invalid_secret";
    case webhook_errc::missing_header:
        return "missing_header";
    case webhook_errc::duplicate_header:
        return "duplicate_header";
    case webhook_errc::invalid_timestamp:
        return "invalid_timestamp";
    case webhook_errc::timestamp_too_old:
        return "timestamp_too_old";
    case webhook_errc::timestamp_too_new:
        return "timestamp_too_new";
    case webhook_errc::no_matching_signature:
        return "no_matching_signature";
    case webhook_errc::body_too_large:
        return "body_too_large";
    }
    return "unknown";
}

int recommended_status(webhook_errc code) noexcept
{
    switch (code) {
    case webhook_errc::invalid_secret:
        return 500;
    case webhook_errc::missing_header:
    case webhook_errc::duplicate_header:
    case webhook_errc::invalid_timestamp:
        return 400;
    case webhook_errc::body_too_large:
        return 413;
    default:
        return 401;
    }
}

std::string webhook_error::message() const
{
    return std::string(to_string(code)) + ": " + detail;
}

webhook_verification_error::webhook_verification_error(webhook_error e)
    : std::runtime_error(e.message()), error_(std::move(e))
{}

const verified_webhook& webhook_result::value() const&
{
    if (!has_value())
        throw webhook_verification_error(error());
    return std::get<0>(state_);
}

verified_webhook&& webhook_result::value() &&
{
    if (!has_value())
        throw webhook_verification_error(error());
    return std::get<0>(std::move(state_));
}

webhook_verifier::webhook_verifier(std::vector<std::string> secrets, webhook_options options)
    : options_(std::move(options))
{
    if (options_.tolerance_past.count() < 0 || options_.tolerance_future.count() < 0)
        throw std::invalid_argument("webhook tolerances must not be negative");
    if (secrets.empty())
        throw webhook_verification_error(fail(webhook_errc::invalid_secret, "no secret configured"));
    auto keys = std::make_shared<detail::webhook_keys>();
    for (std::size_t i = 0; i < secrets.size(); ++i) {
        std::string_view text = secrets[i];
        if (text.starts_with("whsec_"))
            text.remove_prefix(6);
        std::string key;
        if (!detail::base64_decode(text, key) || key.empty())
            throw webhook_verification_error(
                fail(webhook_errc::invalid_secret,
                     "secret " + std::to_string(i) + " is not base64 of at least one byte"));
        EVP_MAC_CTX* ctx = keys->mac ? EVP_MAC_CTX_new(keys->mac) : nullptr;
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>("SHA256"), 0),
                               OSSL_PARAM_construct_end()};
        if (!ctx ||
            EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1) {
            EVP_MAC_CTX_free(ctx);
            throw std::runtime_error("OpenSSL cannot make an HMAC-SHA256 context");
        }
        OPENSSL_cleanse(key.data(), key.size());
        keys->contexts.push_back(ctx);
    }
    keys_ = std::move(keys);
}

webhook_result webhook_verifier::verify(std::string_view body, std::span<const webhook_header> headers) const
{
    if (body.size() > options_.max_body_bytes)
        return fail(webhook_errc::body_too_large, "the body is larger than max_body_bytes");
    const webhook_header* id = nullptr;
    const webhook_header* timestamp = nullptr;
    bool id_twice = false, timestamp_twice = false, any_signature = false;
    for (const auto& h : headers) {
        if (iequals(h.name, "webhook-id")) {
            id_twice = id_twice || id;
            id = &h;
        } else if (iequals(h.name, "webhook-timestamp")) {
            timestamp_twice = timestamp_twice || timestamp;
            timestamp = &h;
        } else if (iequals(h.name, "webhook-signature")) {
            any_signature = any_signature || !h.value.empty();
        }
    }
    if (!id || id->value.empty())
        return fail(webhook_errc::missing_header, "webhook-id is missing or empty");
    if (!timestamp || timestamp->value.empty())
        return fail(webhook_errc::missing_header, "webhook-timestamp is missing or empty");
    if (!any_signature)
        return fail(webhook_errc::missing_header, "webhook-signature is missing or empty");
    if (id_twice)
        return fail(webhook_errc::duplicate_header, "more than one webhook-id field");
    if (timestamp_twice)
        return fail(webhook_errc::duplicate_header, "more than one webhook-timestamp field");
    const auto ts = parse_timestamp(timestamp->value);
    if (!ts)
        return fail(webhook_errc::invalid_timestamp, "webhook-timestamp is not 1-19 decimal digits");
    const auto now =
        std::chrono::floor<std::chrono::seconds>(
            (options_.clock ? options_.clock() : std::chrono::system_clock::now()).time_since_epoch())
            .count();
    // Both in int64 seconds; differences of values this far apart cannot overflow in practice, but
    // are computed in a wider type anyway.
    const auto age = static_cast<__int128>(now) - *ts;
    if (age > options_.tolerance_past.count())
        return fail(webhook_errc::timestamp_too_old, "webhook-timestamp is older than tolerance_past");
    if (-age > options_.tolerance_future.count())
        return fail(webhook_errc::timestamp_too_new,
                    "webhook-timestamp is further ahead than tolerance_future");

    // MAC over id "." timestamp-as-received "." body, for every key, written as padded base64.
    const auto& macs = keys_->contexts;
    std::vector<std::array<char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3)>> expected(macs.size());
    std::vector<std::size_t> expected_size(macs.size());
    const auto feed = [](EVP_MAC_CTX* ctx, std::string_view bytes) {
        return EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) == 1;
    };
    for (std::size_t k = 0; k < macs.size(); ++k) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        std::size_t mac_len = 0;
        EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(macs[k]);
        const bool ok = ctx && feed(ctx, id->value) && feed(ctx, ".") && feed(ctx, timestamp->value) &&
                        feed(ctx, ".") && feed(ctx, body) &&
                        EVP_MAC_final(ctx, mac, &mac_len, sizeof mac) == 1;
        EVP_MAC_CTX_free(ctx);
        expected_size[k] = ok ? detail::base64_encode({mac, mac_len}, expected[k].data()) : 0;
    }

    for (const auto& h : headers) {
        if (!iequals(h.name, "webhook-signature"))
            continue;
        std::string_view list = h.value;
        while (!list.empty()) {
            const auto space = list.find(' ');
            const auto item = list.substr(0, space);
            list = space == std::string_view::npos ? std::string_view{} : list.substr(space + 1);
            const auto comma = item.find(',');
            if (item.empty() || comma == std::string_view::npos || item.substr(0, comma) != "v1")
                continue;
            const auto value = item.substr(comma + 1);
            for (std::size_t k = 0; k < macs.size(); ++k)
                if (expected_size[k] != 0 &&
                    detail::constant_time_equal(value,
                                                std::string_view(expected[k].data(), expected_size[k]))) {
                    verified_webhook v;
                    v.id = std::string(id->value);
                    v.timestamp = *ts;
                    v.raw_body = std::string(body);
                    std::error_code ec;
                    auto doc = boost::json::parse(body, ec);
                    const auto* o = !ec ? doc.if_object() : nullptr;
                    const auto* type = o ? o->if_contains("type") : nullptr;
                    if (!type || !type->is_string()) {
                        v.parse_error = ec ? "the body is not JSON: " + ec.message()
                                           : "the body is not an object with a string \"type\"";
                    } else {
                        webhook_envelope env;
                        env.type = std::string(type->get_string());
                        if (const auto* t = o->if_contains("timestamp"); t && t->is_string())
                            env.timestamp = std::string(t->get_string());
                        if (auto* d = doc.get_object().if_contains("data"))
                            env.data = std::move(*d);
                        v.envelope = std::move(env);
                    }
                    return v;
                }
        }
    }
    return fail(webhook_errc::no_matching_signature, "no v1 signature matches a configured secret");
}

} // namespace wacht
