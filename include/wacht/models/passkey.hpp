// SPDX-License-Identifier: BSL-1.0
// Passkeys of a user (contract 3.9, E21 to E23). Credential ids, public keys and AAGUIDs are never sent.
#pragma once

#include <wacht/models/user.hpp>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// A user's WebAuthn passkey. Credential ids, public keys and AAGUIDs are never sent.
struct passkey
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    std::optional<timestamp> created_at;
    /// When it was last changed.
    std::optional<timestamp> updated_at;
    /// The user it belongs to.
    std::string user_id;
    /// Display name given by the user.
    std::string name;
    /// The authenticator's signature counter.
    std::int32_t sign_count = 0;
    /// WebAuthn transports ("usb", "internal", ...), when known.
    std::optional<std::vector<std::string>> transports;
    /// Last sign-in with it, if any.
    std::optional<timestamp> last_used_at;
    /// Whether the credential is backed up (synced), when known.
    std::optional<bool> backed_up;
    /// Opaque text from WebAuthn registration.
    std::optional<std::string> device_type;
};

using passkey_list = page<passkey>;

WACHT_DECLARE_JSON_CONVERSIONS(passkey)
WACHT_DECLARE_JSON_CONVERSIONS(passkey_list)

} // namespace wacht
