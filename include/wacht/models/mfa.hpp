// SPDX-License-Identifier: BSL-1.0
// TOTP authenticators and backup codes (contract 3.10, E24 to E26). Both carry secrets: operator<<
// redacts them, and the SDK never logs bodies.
#pragma once

#include <wacht/models/user.hpp>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// POST /users/{id}/authenticators.
struct authenticator_created
{
    /// The authenticator's id.
    std::string id;
    /// otpauth://totp/{issuer}:{account}?secret=...: a secret, for the user's authenticator app only.
    std::string otp_url;
};

/// POST /users/{id}/backup-codes/regenerate: 12 codes of the form XXXX-XXXX, shown once.
struct backup_codes
{
    /// The codes (the wire key is "backup_codes"). Secrets: show once, never log.
    std::vector<std::string> codes;
};

WACHT_DECLARE_JSON_CONVERSIONS(authenticator_created)
WACHT_DECLARE_JSON_CONVERSIONS(backup_codes)

} // namespace wacht
