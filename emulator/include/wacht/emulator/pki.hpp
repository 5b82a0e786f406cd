// SPDX-License-Identifier: BSL-1.0
// Certificates made at start-up: a throwaway CA and a server certificate it signs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace wacht::emulator {

struct certificate_request
{
    /// DNS names and IP addresses for the subjectAltName extension.
    std::vector<std::string> dns_names{"localhost"};
    std::vector<std::string> ip_addresses{"127.0.0.1", "::1"};
    /// Validity relative to now (negative values make a certificate that has already expired).
    std::chrono::seconds not_before = -std::chrono::hours(1);
    std::chrono::seconds not_after = std::chrono::hours(24 * 30);
};

struct pki_material
{
    std::string ca_pem;   // what clients trust
    std::string cert_pem; // the server's leaf certificate
    std::string key_pem;  // the leaf's private key
};

/// A fresh P-256 CA and a leaf for `leaf` signed by it. Throws std::runtime_error on OpenSSL failure.
pki_material generate_pki(const certificate_request& leaf = {});

} // namespace wacht::emulator
