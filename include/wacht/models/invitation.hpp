// SPDX-License-Identifier: BSL-1.0
// Invitations and the waitlist (contract 3.11 and 3.12, E29 to E33).
#pragma once

#include <wacht/models/user.hpp>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// A deployment invitation. The token lets its holder sign up: it is redacted by operator<<.
struct invitation
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// The deployment it belongs to.
    std::string deployment_id;
    /// First name.
    std::string first_name;
    /// Last name.
    std::string last_name;
    /// Email address.
    std::string email_address;
    /// "dep." + 64 hex characters.
    std::string token;
    /// When the invitation expires.
    timestamp expiry{};
};

/// An entry of the deployment waitlist (approve it with waitlist_resource::approve()).
struct waitlist_user
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// The deployment it belongs to.
    std::string deployment_id;
    /// Email address.
    std::string email_address;
    /// First name, if given.
    std::optional<std::string> first_name;
    /// Last name, if given.
    std::optional<std::string> last_name;
};

using invitation_page = page<invitation>;
using waitlist_page = page<waitlist_user>;

WACHT_DECLARE_JSON_CONVERSIONS(invitation)
WACHT_DECLARE_JSON_CONVERSIONS(waitlist_user)
WACHT_DECLARE_JSON_CONVERSIONS(invitation_page)
WACHT_DECLARE_JSON_CONVERSIONS(waitlist_page)

} // namespace wacht
