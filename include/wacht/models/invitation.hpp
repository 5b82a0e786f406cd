// Invitations and the waitlist (contract 3.11 and 3.12, E29 to E33).
#pragma once

#include <wacht/models/user.hpp>

namespace wacht {

/// A deployment invitation. The token lets its holder sign up: it is redacted by operator<<.
struct invitation
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string deployment_id;
    std::string first_name;
    std::string last_name;
    std::string email_address;
    /// "dep." + 64 hex characters.
    std::string token;
    timestamp expiry{};
};

struct waitlist_user
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string deployment_id;
    std::string email_address;
    std::optional<std::string> first_name;
    std::optional<std::string> last_name;
};

using invitation_page = page<invitation>;
using waitlist_page = page<waitlist_user>;

WACHT_DECLARE_JSON_CONVERSIONS(invitation)
WACHT_DECLARE_JSON_CONVERSIONS(waitlist_user)
WACHT_DECLARE_JSON_CONVERSIONS(invitation_page)
WACHT_DECLARE_JSON_CONVERSIONS(waitlist_page)

} // namespace wacht
