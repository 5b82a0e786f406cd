// Sign-in sessions of a user (contract 3.8, E18 to E20).
#pragma once

#include <wacht/models/user.hpp>

namespace wacht {

/// A sign-in (the SDKs' UserSignin). Revoked sign-ins are never listed.
struct sign_in
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    /// "0" when the server has none.
    std::string session_id;
    std::optional<std::string> user_id;
    std::optional<std::string> active_organization_membership_id;
    std::optional<std::string> active_workspace_membership_id;
    timestamp expires_at{};
    timestamp last_active_at{};
    /// The following are "" when unknown.
    std::string ip_address;
    std::string browser;
    std::string device;
    std::string city;
    std::string region;
    std::string region_code;
    std::string country;
    std::string country_code;
};

/// POST /users/{id}/sessions/revoke-all: how many un-revoked sign-ins (expired ones included) were revoked.
struct revoke_all_result
{
    std::uint64_t revoked = 0;
};

using sign_in_list = page<sign_in>;

WACHT_DECLARE_JSON_CONVERSIONS(sign_in)
WACHT_DECLARE_JSON_CONVERSIONS(sign_in_list)
WACHT_DECLARE_JSON_CONVERSIONS(revoke_all_result)

} // namespace wacht
