// SPDX-License-Identifier: BSL-1.0
#include "auth/jose.hpp"

#include <wacht/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <cstring>

namespace wacht::detail {
namespace {

constexpr signed char invalid_digit = -1;

struct alphabet
{
    std::array<signed char, 256> value{};
    constexpr explicit alphabet(bool url)
    {
        for (auto& v : value)
            v = invalid_digit;
        for (int i = 0; i < 26; ++i) {
            value['A' + i] = static_cast<signed char>(i);
            value['a' + i] = static_cast<signed char>(26 + i);
        }
        for (int i = 0; i < 10; ++i)
            value['0' + i] = static_cast<signed char>(52 + i);
        value[url ? '-' : '+'] = 62;
        value[url ? '_' : '/'] = 63;
    }
};
constexpr alphabet url_alphabet(true);
constexpr alphabet std_alphabet(false);

// Decodes unpadded text of one alphabet, canonically; `put` receives each byte.
template <class Put>
bool decode_unpadded(std::string_view text, const alphabet& a, Put&& put)
{
    if (text.size() % 4 == 1)
        return false;
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : text) {
        const int v = a.value[c];
        if (v < 0)
            return false;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (!put(static_cast<unsigned char>(acc >> bits)))
                return false;
            acc &= (1u << bits) - 1;
        }
    }
    return acc == 0; // unused trailing bits must be zero
}

struct bio_deleter
{
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct ctx_deleter
{
    void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, ctx_deleter>;
struct bn_deleter
{
    void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;
struct bld_deleter
{
    void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct params_deleter
{
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};

[[noreturn]] void invalid(std::string what)
{
    throw api_error(wacht::error{errc::invalid_argument, {.detail = std::move(what)}});
}

const EVP_MD* digest_of(jws_algorithm alg) noexcept
{
    // Fetched once: an implicit fetch per call would search the provider store every time.
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
    static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
    switch (alg) {
    case jws_algorithm::es256:
    case jws_algorithm::rs256:
    case jws_algorithm::hs256:
        return sha256;
    case jws_algorithm::es384:
    case jws_algorithm::rs384:
    case jws_algorithm::hs384:
        return sha384;
    default:
        return sha512;
    }
}

pkey_ptr build_key(const char* type, OSSL_PARAM_BLD* bld)
{
    std::unique_ptr<OSSL_PARAM, params_deleter> params(OSSL_PARAM_BLD_to_param(bld));
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
        return nullptr;
    pkey_ptr owned(key);
    pkey_ctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) <= 0)
        return nullptr;
    return owned;
}

std::optional<std::string_view> string_member(const boost::json::object& o, std::string_view name,
                                              bool& wrong_type)
{
    const auto* v = o.if_contains(name);
    if (!v)
        return std::nullopt;
    if (const auto* s = v->if_string())
        return std::string_view(s->data(), s->size());
    wrong_type = true;
    return std::nullopt;
}

// One DER INTEGER from a fixed-width big-endian value.
std::size_t der_integer(const unsigned char* p, std::size_t n, unsigned char* out) noexcept
{
    while (n > 1 && *p == 0) {
        ++p;
        --n;
    }
    const bool pad = (*p & 0x80) != 0;
    out[0] = 0x02;
    out[1] = static_cast<unsigned char>(n + (pad ? 1 : 0));
    std::size_t at = 2;
    if (pad)
        out[at++] = 0;
    std::memcpy(out + at, p, n);
    return at + n;
}

// A verify-initialised context per (key, algorithm), kept per thread: EVP_PKEY_verify_init fetches
// the signature implementation from the provider store, which costs more than the rest of a token's
// checks together. A context holds a reference on its key, so a cached key's address cannot be reused
// by another key while the entry lives. A few entries per thread; the oldest is replaced.
EVP_PKEY_CTX* prepared_context(EVP_PKEY* key, jws_algorithm alg, const EVP_MD* md) noexcept
{
    struct entry
    {
        EVP_PKEY* key = nullptr;
        jws_algorithm alg{};
        pkey_ctx_ptr ctx;
    };
    thread_local std::array<entry, 8> cache;
    thread_local std::size_t next = 0;
    for (auto& e : cache)
        if (e.key == key && e.alg == alg && e.ctx)
            return e.ctx.get();
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx || EVP_PKEY_verify_init(ctx.get()) <= 0)
        return nullptr;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
        (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0 ||
         EVP_PKEY_CTX_set_signature_md(ctx.get(), md) <= 0))
        return nullptr;
    auto& slot = cache[next++ % cache.size()];
    slot.key = key;
    slot.alg = alg;
    slot.ctx = std::move(ctx);
    return slot.ctx.get();
}

// Hashes `input` with a digest context kept per thread: EVP_Digest makes and frees a context per call,
// taking and dropping a reference on the shared EVP_MD each time (one cache line that the threads of
// a gateway would pass back and forth), and allocating twice.
bool digest_of_input(const EVP_MD* md, std::string_view input, unsigned char* out,
                     unsigned int& out_len) noexcept
{
    struct md_ctx_deleter
    {
        void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
    };
    thread_local std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx(EVP_MD_CTX_new());
    return ctx && EVP_DigestInit_ex2(ctx.get(), md, nullptr) == 1 &&
           EVP_DigestUpdate(ctx.get(), input.data(), input.size()) == 1 &&
           EVP_DigestFinal_ex(ctx.get(), out, &out_len) == 1;
}

} // namespace

void pkey_deleter::operator()(EVP_PKEY* key) const noexcept
{
    EVP_PKEY_free(key);
}

bool base64url_decode(std::string_view text, std::string& out)
{
    out.reserve(out.size() + text.size() * 3 / 4);
    return decode_unpadded(text, url_alphabet, [&](unsigned char c) {
        out.push_back(static_cast<char>(c));
        return true;
    });
}

std::optional<std::size_t> base64url_decode(std::string_view text, std::span<unsigned char> out) noexcept
{
    std::size_t n = 0;
    const bool ok = decode_unpadded(text, url_alphabet, [&](unsigned char c) {
        if (n == out.size())
            return false;
        out[n++] = c;
        return true;
    });
    if (!ok)
        return std::nullopt;
    return n;
}

bool base64_decode(std::string_view text, std::string& out)
{
    std::size_t pad = 0;
    while (pad < text.size() && text[text.size() - 1 - pad] == '=')
        ++pad;
    if (pad > 2)
        return false;
    const auto body = text.substr(0, text.size() - pad);
    // With padding the whole text is a multiple of 4 and the padding exactly fills the last group.
    if (pad != 0 && (text.size() % 4 != 0 || (body.size() % 4) + pad != 4))
        return false;
    return decode_unpadded(body, std_alphabet, [&](unsigned char c) {
        out.push_back(static_cast<char>(c));
        return true;
    });
}

std::size_t base64_encode(std::span<const unsigned char> bytes, char* out) noexcept
{
    static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t o = 0, i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v =
            (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        out[o++] = digits[v >> 18];
        out[o++] = digits[(v >> 12) & 63];
        out[o++] = digits[(v >> 6) & 63];
        out[o++] = digits[v & 63];
    }
    if (const auto rest = bytes.size() - i; rest != 0) {
        std::uint32_t v = std::uint32_t{bytes[i]} << 16;
        if (rest == 2)
            v |= std::uint32_t{bytes[i + 1]} << 8;
        out[o++] = digits[v >> 18];
        out[o++] = digits[(v >> 12) & 63];
        out[o++] = rest == 2 ? digits[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return o;
}

std::optional<jws_algorithm> parse_algorithm(std::string_view name) noexcept
{
    static constexpr std::pair<std::string_view, jws_algorithm> names[] = {
        {"ES256", jws_algorithm::es256}, {"ES384", jws_algorithm::es384}, {"RS256", jws_algorithm::rs256},
        {"RS384", jws_algorithm::rs384}, {"RS512", jws_algorithm::rs512}, {"HS256", jws_algorithm::hs256},
        {"HS384", jws_algorithm::hs384}, {"HS512", jws_algorithm::hs512}};
    for (const auto& [text, alg] : names)
        if (text == name)
            return alg;
    return std::nullopt;
}

bool is_hmac(jws_algorithm alg) noexcept
{
    return alg == jws_algorithm::hs256 || alg == jws_algorithm::hs384 || alg == jws_algorithm::hs512;
}

bool key_fits(const verification_key& key, jws_algorithm alg) noexcept
{
    if (key.bound_algorithm && *key.bound_algorithm != alg)
        return false;
    switch (key.kind) {
    case verification_key::family::ec_p256:
        return alg == jws_algorithm::es256;
    case verification_key::family::ec_p384:
        return alg == jws_algorithm::es384;
    case verification_key::family::rsa:
        return alg == jws_algorithm::rs256 || alg == jws_algorithm::rs384 || alg == jws_algorithm::rs512;
    case verification_key::family::hmac:
        return is_hmac(alg) && key.bound_algorithm == alg; // an HMAC key is always bound
    }
    return false;
}

std::optional<verification_key> key_from_jwk(const boost::json::object& jwk, std::string& why)
{
    bool wrong_type = false;
    verification_key key;
    const auto kty_p = string_member(jwk, "kty", wrong_type);
    if (!kty_p) {
        why = "no kty";
        return std::nullopt;
    }
    const std::string_view kty = *kty_p;
    if (const auto use = string_member(jwk, "use", wrong_type); (use && *use != "sig") || wrong_type) {
        why = "use is not \"sig\"";
        return std::nullopt;
    }
    if (const auto* ops = jwk.if_contains("key_ops")) {
        bool verify = false;
        if (const auto* a = ops->if_array())
            for (const auto& op : *a)
                verify = verify || (op.is_string() && op.get_string() == "verify");
        if (!verify) {
            why = "key_ops lacks \"verify\"";
            return std::nullopt;
        }
    }
    if (const auto kid = string_member(jwk, "kid", wrong_type))
        key.kid = std::string(*kid);
    if (wrong_type) {
        why = "kid is not a string";
        return std::nullopt;
    }
    if (const auto alg = string_member(jwk, "alg", wrong_type)) {
        const auto parsed = parse_algorithm(*alg);
        if (!parsed || is_hmac(*parsed)) { // never HS* from a JWKS
            why = "alg is not a supported asymmetric algorithm";
            return std::nullopt;
        }
        key.bound_algorithm = parsed;
    }
    if (wrong_type) {
        why = "alg is not a string";
        return std::nullopt;
    }
    const auto member_bytes = [&](std::string_view name, std::string& out) {
        bool bad = false;
        const auto text = string_member(jwk, name, bad);
        return text && base64url_decode(*text, out);
    };
    if (kty == "EC") {
        const auto crv = string_member(jwk, "crv", wrong_type);
        std::size_t width = 0;
        const char* group = nullptr;
        if (crv && *crv == "P-256") {
            key.kind = verification_key::family::ec_p256;
            width = 32;
            group = "P-256";
        } else if (crv && *crv == "P-384") {
            key.kind = verification_key::family::ec_p384;
            width = 48;
            group = "P-384";
        } else {
            why = "crv is not P-256 or P-384";
            return std::nullopt;
        }
        std::string point(1, '\x04');
        std::string y;
        if (!member_bytes("x", point) || point.size() != 1 + width || !member_bytes("y", y) ||
            y.size() != width) {
            why = "x or y is not canonical base64url of the curve's width";
            return std::nullopt;
        }
        point += y;
        std::unique_ptr<OSSL_PARAM_BLD, bld_deleter> bld(OSSL_PARAM_BLD_new());
        if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
            !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                              point.size())) {
            why = "out of memory";
            return std::nullopt;
        }
        key.public_key = build_key("EC", bld.get());
        if (!key.public_key) {
            why = "the point is not on the curve";
            return std::nullopt;
        }
        return key;
    }
    if (kty == "RSA") {
        key.kind = verification_key::family::rsa;
        std::string n, e;
        if (!member_bytes("n", n) || !member_bytes("e", e) || n.empty() || e.empty()) {
            why = "n or e is not canonical base64url";
            return std::nullopt;
        }
        bn_ptr bn_n(
            BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr));
        bn_ptr bn_e(
            BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr));
        std::unique_ptr<OSSL_PARAM_BLD, bld_deleter> bld(OSSL_PARAM_BLD_new());
        if (!bn_n || !bn_e || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
            !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
            why = "out of memory";
            return std::nullopt;
        }
        if (BN_num_bits(bn_n.get()) < 2048) {
            why = "RSA modulus under 2048 bits";
            return std::nullopt;
        }
        key.public_key = build_key("RSA", bld.get());
        if (!key.public_key) {
            why = "invalid RSA key";
            return std::nullopt;
        }
        return key;
    }
    why = "kty is not EC or RSA";
    return std::nullopt;
}

verification_key key_from_static(const static_key& configured)
{
    verification_key key;
    key.kid = configured.key_id;
    key.bound_algorithm = configured.algorithm;
    if (is_hmac(configured.algorithm)) {
        if (configured.material.empty())
            invalid("a static HMAC key must not be empty");
        key.kind = verification_key::family::hmac;
        key.secret = configured.material;
        return key;
    }
    std::unique_ptr<BIO, bio_deleter> bio(
        BIO_new_mem_buf(configured.material.data(), static_cast<int>(configured.material.size())));
    key.public_key.reset(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key.public_key)
        invalid("a static key's PEM public key does not parse");
    const int id = EVP_PKEY_get_base_id(key.public_key.get());
    if (id == EVP_PKEY_RSA) {
        key.kind = verification_key::family::rsa;
        if (EVP_PKEY_get_bits(key.public_key.get()) < 2048)
            invalid("a static RSA key must have at least 2048 bits");
    } else if (id == EVP_PKEY_EC) {
        char group[32] = {};
        std::size_t len = 0;
        EVP_PKEY_get_group_name(key.public_key.get(), group, sizeof group, &len);
        const std::string_view g(group, len);
        if (g == "prime256v1" || g == "P-256")
            key.kind = verification_key::family::ec_p256;
        else if (g == "secp384r1" || g == "P-384")
            key.kind = verification_key::family::ec_p384;
        else
            invalid("a static EC key must be on P-256 or P-384");
    } else {
        invalid("a static key must be an EC or RSA public key");
    }
    if (!key_fits(key, configured.algorithm))
        invalid("a static key does not fit its algorithm");
    return key;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool verify_signature(const verification_key& key, jws_algorithm alg, std::string_view signing_input,
                      std::span<const unsigned char> signature) noexcept
{
    const EVP_MD* md = digest_of(alg);
    if (!md)
        return false;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (key.kind == verification_key::family::hmac) {
        if (!HMAC(md, key.secret.data(), static_cast<int>(key.secret.size()),
                  reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), digest,
                  &digest_len))
            return false;
        return constant_time_equal({reinterpret_cast<const char*>(digest), digest_len},
                                   {reinterpret_cast<const char*>(signature.data()), signature.size()});
    }
    if (!digest_of_input(md, signing_input, digest, digest_len))
        return false;
    unsigned char der[2 + 2 * (2 + 49)];
    const unsigned char* sig = signature.data();
    std::size_t sig_len = signature.size();
    if (key.kind != verification_key::family::rsa) {
        // JWS carries R||S at fixed width (RFC 7518 §3.4); OpenSSL wants the DER SEQUENCE of two INTEGERs.
        const std::size_t width = key.kind == verification_key::family::ec_p256 ? 32 : 48;
        if (signature.size() != 2 * width)
            return false;
        std::size_t at = 2;
        at += der_integer(sig, width, der + at);
        at += der_integer(sig + width, width, der + at);
        der[0] = 0x30;
        der[1] = static_cast<unsigned char>(at - 2);
        sig = der;
        sig_len = at;
    }
    EVP_PKEY_CTX* ctx = prepared_context(key.public_key.get(), alg, md);
    if (!ctx)
        return false;
    return EVP_PKEY_verify(ctx, sig, sig_len, digest, digest_len) == 1;
}

} // namespace wacht::detail
