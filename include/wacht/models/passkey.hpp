// Passkeys of a user (contract 3.9, E21 to E23). Credential ids, public keys and AAGUIDs are never sent.
#pragma once

#include <wacht/models/user.hpp>

namespace wacht {

struct passkey
{
    std::string id;
    std::optional<timestamp> created_at;
    std::optional<timestamp> updated_at;
    std::string user_id;
    std::string name;
    std::int32_t sign_count = 0;
    std::optional<std::vector<std::string>> transports;
    std::optional<timestamp> last_used_at;
    std::optional<bool> backed_up;
    /// Opaque text from WebAuthn registration.
    std::optional<std::string> device_type;
};

using passkey_list = page<passkey>;

WACHT_DECLARE_JSON_CONVERSIONS(passkey)
WACHT_DECLARE_JSON_CONVERSIONS(passkey_list)

} // namespace wacht
