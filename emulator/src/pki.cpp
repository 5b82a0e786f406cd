// SPDX-License-Identifier: BSL-1.0
#include "wacht/emulator/pki.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace wacht::emulator {
namespace {

template <class T, void (*Free)(T*)>
struct deleter
{
    void operator()(T* p) const { Free(p); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using cert_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

void check(bool ok, const char* what)
{
    if (!ok)
        throw std::runtime_error(std::string("certificate generation failed: ") + what);
}

key_ptr make_key()
{
    key_ptr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

cert_ptr make_cert(EVP_PKEY* key, const char* common_name, X509* issuer, std::chrono::seconds not_before,
                   std::chrono::seconds not_after)
{
    cert_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7F;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count()));
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count()));
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("wacht-emulator"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name),
                               -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509* effective_issuer = issuer ? issuer : cert.get();
    add_extension(cert.get(), effective_issuer, NID_subject_key_identifier, "hash");
    add_extension(cert.get(), effective_issuer, NID_authority_key_identifier, "keyid:always");
    if (!issuer) {
        add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    }
    return cert;
}

void sign(X509* cert, EVP_PKEY* key)
{
    check(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign");
}

std::string to_pem(X509* cert)
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(EVP_PKEY* key)
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

} // namespace

pki_material generate_pki(const certificate_request& leaf)
{
    auto ca_key = make_key();
    auto ca = make_cert(ca_key.get(), "wacht-emulator test CA", nullptr, -std::chrono::hours(1),
                        std::chrono::hours(24 * 365));
    sign(ca.get(), ca_key.get());

    auto leaf_key = make_key();
    auto cert =
        make_cert(leaf_key.get(), leaf.dns_names.empty() ? "wacht-emulator" : leaf.dns_names[0].c_str(),
                  ca.get(), leaf.not_before, leaf.not_after);
    std::string alt_names;
    for (const auto& dns : leaf.dns_names)
        alt_names += (alt_names.empty() ? "DNS:" : ",DNS:") + dns;
    for (const auto& ip : leaf.ip_addresses)
        alt_names += (alt_names.empty() ? "IP:" : ",IP:") + ip;
    if (!alt_names.empty())
        add_extension(cert.get(), ca.get(), NID_subject_alt_name, alt_names);
    add_extension(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    sign(cert.get(), ca_key.get());
    return {to_pem(ca.get()), to_pem(cert.get()), to_pem(leaf_key.get())};
}

} // namespace wacht::emulator
