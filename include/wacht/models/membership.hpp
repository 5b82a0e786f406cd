// A user's organization and workspace memberships with their roles (contract 3.7, E16 and E17).
#pragma once

#include <wacht/models/user.hpp>

namespace wacht {

/// An organization or workspace role.
struct role
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string name;
    std::vector<std::string> permissions;
    /// True when the role is defined for the whole deployment rather than one organization/workspace.
    bool is_deployment_level = false;
};

/// The fields an organization and a workspace share.
struct organization
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string name;
    std::string image_url;
    std::string description;
    std::int64_t member_count = 0;
    boost::json::value public_metadata;
    boost::json::value private_metadata;
};

using workspace = organization;

struct organization_membership
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string organization_id;
    std::string user_id;
    boost::json::value public_metadata;
    /// Sorted by name.
    std::vector<role> roles;
    wacht::organization organization;
};

struct workspace_membership
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string workspace_id;
    std::string organization_id;
    std::string organization_membership_id;
    std::string user_id;
    boost::json::value public_metadata;
    std::vector<role> roles;
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
