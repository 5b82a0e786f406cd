// SPDX-License-Identifier: BSL-1.0
// A user's organization and workspace memberships with their roles (contract 3.7, E16 and E17).
#pragma once

#include <wacht/models/user.hpp>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// An organization or workspace role.
struct role
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// Name.
    std::string name;
    /// Permission names granted by the role.
    std::vector<std::string> permissions;
    /// True when the role is defined for the whole deployment rather than one organization/workspace.
    bool is_deployment_level = false;
};

/// The fields an organization and a workspace share.
struct organization
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// Name.
    std::string name;
    /// Logo URL; "" when none.
    std::string image_url;
    /// Free text.
    std::string description;
    /// Number of members.
    std::int64_t member_count = 0;
    /// Metadata readable by the frontend; any JSON value.
    boost::json::value public_metadata;
    /// Metadata for the backend only; any JSON value.
    boost::json::value private_metadata;
};

using workspace = organization;

/// A user's membership of an organization, with its roles and the organization.
struct organization_membership
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// The organization.
    std::string organization_id;
    /// The user it belongs to.
    std::string user_id;
    /// Metadata readable by the frontend; any JSON value.
    boost::json::value public_metadata;
    /// Sorted by name.
    std::vector<role> roles;
    /// The organization, embedded.
    wacht::organization organization;
};

/// A user's membership of a workspace, with its roles and the workspace.
struct workspace_membership
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// The workspace.
    std::string workspace_id;
    /// The organization.
    std::string organization_id;
    /// The user's membership of the workspace's organization.
    std::string organization_membership_id;
    /// The user it belongs to.
    std::string user_id;
    /// Metadata readable by the frontend; any JSON value.
    boost::json::value public_metadata;
    /// Sorted by name.
    std::vector<role> roles;
    /// The workspace, embedded.
    wacht::workspace workspace;
};

using organization_membership_list = page<organization_membership>;
using workspace_membership_list = page<workspace_membership>;

WACHT_DECLARE_JSON_CONVERSIONS(role)
WACHT_DECLARE_JSON_CONVERSIONS(organization)
WACHT_DECLARE_JSON_CONVERSIONS(organization_membership)
WACHT_DECLARE_JSON_CONVERSIONS(workspace_membership)
WACHT_DECLARE_JSON_CONVERSIONS(organization_membership_list)
WACHT_DECLARE_JSON_CONVERSIONS(workspace_membership_list)

} // namespace wacht
