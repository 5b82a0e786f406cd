// SPDX-License-Identifier: BSL-1.0
// Sign-in sessions of a user (contract 3.8, E18 to E20).
#pragma once

#include <wacht/models/user.hpp>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// A sign-in (the SDKs' UserSignin). Revoked sign-ins are never listed.
struct sign_in
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// "0" when the server has none.
    std::string session_id;
    /// The signed-in user, when the server names one.
    std::optional<std::string> user_id;
    /// The active organization membership, if any.
    std::optional<std::string> active_organization_membership_id;
    /// The active workspace membership, if any.
    std::optional<std::string> active_workspace_membership_id;
    /// When the sign-in expires.
    timestamp expires_at{};
    /// Last activity.
    timestamp last_active_at{};
    /// IP address; "" when unknown.
    std::string ip_address;
    /// Browser; "" when unknown.
    std::string browser;
    /// Device; "" when unknown.
    std::string device;
    /// City; "" when unknown.
    std::string city;
    /// Region; "" when unknown.
    std::string region;
    /// Region code; "" when unknown.
    std::string region_code;
    /// Country; "" when unknown.
    std::string country;
    /// Country code; "" when unknown.
    std::string country_code;
};

/// POST /users/{id}/sessions/revoke-all: how many un-revoked sign-ins (expired ones included) were revoked.
struct revoke_all_result
{
    /// Sign-ins revoked.
    std::uint64_t revoked = 0;
};

using sign_in_list = page<sign_in>;

WACHT_DECLARE_JSON_CONVERSIONS(sign_in)
WACHT_DECLARE_JSON_CONVERSIONS(sign_in_list)
WACHT_DECLARE_JSON_CONVERSIONS(revoke_all_result)

} // namespace wacht
