// SPDX-License-Identifier: BSL-1.0
// Memberships (E16, E17): organization and workspace memberships.
#include "store.hpp"

namespace wacht::emulator {

wacht::role api::state::role_model(const role_row& r)
{
    return {id_text(r.id), r.created_at, r.updated_at, r.name, r.permissions, r.deployment_level};
}

wacht::organization api::state::org_model(const org_row& o)
{
    return {id_text(o.id),  o.created_at,      o.updated_at,      o.name, o.image_url, o.description,
            o.member_count, o.public_metadata, o.private_metadata};
}

http_response api::state::list_organization_memberships(id_type user_id)
{
    std::lock_guard lock(mutex);
    whole_list data;
    for (auto it = organization_memberships.rbegin(); it != organization_memberships.rend(); ++it) {
        const auto& m = it->second;
        if (m.user_id != user_id)
            continue;
        data.add((wacht::organization_membership{
            id_text(m.id), m.created_at, m.updated_at, id_text(m.organization_id), id_text(m.user_id),
            m.public_metadata, sorted_roles(m), org_model(organizations.at(m.organization_id))}));
    }
    return std::move(data).finish();
}

http_response api::state::list_workspace_memberships(id_type user_id)
{
    std::lock_guard lock(mutex);
    whole_list data;
    for (auto it = workspace_memberships.rbegin(); it != workspace_memberships.rend(); ++it) {
        const auto& m = it->second;
        if (m.user_id != user_id)
            continue;
        data.add((wacht::workspace_membership{
            id_text(m.id), m.created_at, m.updated_at, id_text(m.workspace_id), id_text(m.organization_id),
            id_text(m.organization_membership_id), id_text(m.user_id), m.public_metadata, sorted_roles(m),
            org_model(workspaces.at(m.workspace_id))}));
    }
    return std::move(data).finish();
}

} // namespace wacht::emulator
