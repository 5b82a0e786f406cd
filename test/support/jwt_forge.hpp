// SPDX-License-Identifier: BSL-1.0
// Test-side JOSE: makes tokens, keys, JWKs and webhook signatures with OpenSSL directly. Written for the
// tests and sharing no code with lib/auth, so the verifiers are judged by an independent signer.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wacht::test::forge {

inline void check(bool ok, const char* what)
{
    if (!ok)
        throw std::runtime_error(std::string("OpenSSL failed in the test forge: ") + what);
}

/// RFC 4648 §5 base64url without padding.
inline std::string b64url(std::string_view bytes)
{
    static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned bits = 0, acc = 0;
    for (unsigned char c : bytes) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += digits[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out += digits[(acc << (6 - bits)) & 63];
    return out;
}

/// Standard base64 with padding (EVP_EncodeBlock).
inline std::string b64(std::string_view bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

/// Decodes base64url without padding (test inputs only; no validation).
inline std::string from_b64url(std::string_view text)
{
    std::string std_text(text);
    for (auto& c : std_text)
        c = c == '-' ? '+' : (c == '_' ? '/' : c);
    while (std_text.size() % 4)
        std_text += '=';
    std::string out(std_text.size() / 4 * 3, '\0');
    EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                    reinterpret_cast<const unsigned char*>(std_text.data()),
                    static_cast<int>(std_text.size()));
    out.resize(out.size() - static_cast<std::size_t>(std::count(std_text.end() - 2, std_text.end(), '=')));
    return out;
}

inline std::string unhex(std::string_view hex)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}

struct key_free
{
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using key_ptr = std::shared_ptr<EVP_PKEY>;

inline key_ptr own(EVP_PKEY* k)
{
    check(k != nullptr, "key");
    return key_ptr(k, key_free{});
}

/// A fresh EC key on "P-256" or "P-384", or an RSA key of `bits`.
inline key_ptr ec_key(const char* curve = "P-256")
{
    return own(EVP_EC_gen(curve));
}
inline key_ptr rsa_key(unsigned bits = 2048)
{
    return own(EVP_RSA_gen(bits));
}

/// The P-256 key of RFC 6979 §A.2.5 (the contract's test key), from its private scalar and public point.
inline key_ptr contract_test_key()
{
    const std::string d = unhex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
    const std::string pub = "\x04" +
                            unhex("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6") +
                            unhex("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299");
    BIGNUM* priv =
        BN_bin2bn(reinterpret_cast<const unsigned char*>(d.data()), static_cast<int>(d.size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size());
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* key = nullptr;
    check(EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) == 1,
          "fromdata");
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(priv);
    return own(key);
}

/// An EC public key from JWK x and y (base64url), on "P-256" or "P-384".
inline key_ptr ec_public(std::string_view x, std::string_view y, const char* curve = "P-256")
{
    const std::string pub = "\x04" + from_b64url(x) + from_b64url(y);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size());
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* key = nullptr;
    check(EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1,
          "fromdata");
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return own(key);
}

inline std::string bn_bytes(const BIGNUM* bn, int width = 0)
{
    std::string out(static_cast<std::size_t>(width ? width : BN_num_bytes(bn)), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    return out;
}

/// The public JWK members of a key: EC {kty,crv,x,y} or RSA {kty,n,e}, as JSON text without braces.
inline std::string jwk_members(const key_ptr& key)
{
    if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA) {
        BIGNUM *n = nullptr, *e = nullptr;
        check(EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
                  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &e) == 1,
              "rsa params");
        std::string out =
            "\"kty\":\"RSA\",\"n\":\"" + b64url(bn_bytes(n)) + "\",\"e\":\"" + b64url(bn_bytes(e)) + "\"";
        BN_free(n);
        BN_free(e);
        return out;
    }
    unsigned char pub[200];
    std::size_t len = 0;
    check(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len) == 1,
          "pub");
    const std::size_t width = (len - 1) / 2;
    const std::string p(reinterpret_cast<char*>(pub), len);
    return std::string("\"kty\":\"EC\",\"crv\":\"") + (width == 32 ? "P-256" : "P-384") + "\",\"x\":\"" +
           b64url(p.substr(1, width)) + "\",\"y\":\"" + b64url(p.substr(1 + width, width)) + "\"";
}

/// SPKI PEM of the public half.
inline std::string public_pem(const key_ptr& key)
{
    BIO* bio = BIO_new(BIO_s_mem());
    check(PEM_write_bio_PUBKEY(bio, key.get()) == 1, "pem");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
}

/// A DER ECDSA or PKCS#1 v1.5 signature over `input` with `md` ("SHA256", ...).
inline std::string sign_der(const key_ptr& key, std::string_view input, const char* md)
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = 0;
    check(EVP_DigestSignInit_ex(ctx, nullptr, md, nullptr, nullptr, key.get(), nullptr) == 1, "sign init");
    check(EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                         input.size()) == 1,
          "sign size");
    std::string sig(len, '\0');
    check(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1,
          "sign");
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    return sig;
}

/// A JWS ECDSA signature: R||S, each `width` bytes, from OpenSSL's DER.
inline std::string der_to_raw(const std::string& der, int width)
{
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    check(sig != nullptr, "d2i_ECDSA_SIG");
    std::string out = bn_bytes(ECDSA_SIG_get0_r(sig), width) + bn_bytes(ECDSA_SIG_get0_s(sig), width);
    ECDSA_SIG_free(sig);
    return out;
}

inline std::string hmac(std::string_view key, std::string_view input, const char* md = "SHA256")
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    check(HMAC(EVP_get_digestbyname(md), key.data(), static_cast<int>(key.size()),
               reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len) != nullptr,
          "hmac");
    return std::string(reinterpret_cast<char*>(out), len);
}

/// header.payload.signature with the signature made by `sign` over "header.payload".
template <class Sign>
std::string token(std::string_view header_json, std::string_view payload_json, Sign&& sign)
{
    const std::string input = b64url(header_json) + "." + b64url(payload_json);
    return input + "." + b64url(sign(input));
}

inline std::string es256(std::string_view header, std::string_view payload, const key_ptr& key)
{
    return token(header, payload,
                 [&](const std::string& in) { return der_to_raw(sign_der(key, in, "SHA256"), 32); });
}
inline std::string es384(std::string_view header, std::string_view payload, const key_ptr& key)
{
    return token(header, payload,
                 [&](const std::string& in) { return der_to_raw(sign_der(key, in, "SHA384"), 48); });
}
inline std::string rs(std::string_view header, std::string_view payload, const key_ptr& key, const char* md)
{
    return token(header, payload, [&](const std::string& in) { return sign_der(key, in, md); });
}

/// A self-signed certificate for 127.0.0.1 (its own CA) and its key, both PEM.
struct certificate
{
    std::string cert_pem;
    std::string key_pem;
};

inline certificate self_signed_localhost()
{
    auto key = ec_key("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key.get());
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"),
                               -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (auto [nid, value] :
         {std::pair{NID_subject_alt_name, "IP:127.0.0.1"}, {NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        check(ext != nullptr, "extension");
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    check(X509_sign(x, key.get(), EVP_sha256()) > 0, "x509 sign");
    certificate out;
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, x);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    out.cert_pem.assign(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    n = BIO_get_mem_data(bio, &data);
    out.key_pem.assign(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    X509_free(x);
    return out;
}

} // namespace wacht::test::forge
