// Boost.JSON conversions of the models: one reader and one writer used by every model, so that each
// model is a list of its fields in wire order.
#include "detail/json_fields.hpp"

#include <wacht/models/invitation.hpp>
#include <wacht/models/membership.hpp>
#include <wacht/models/mfa.hpp>
#include <wacht/models/passkey.hpp>
#include <wacht/models/session.hpp>
#include <wacht/models/user.hpp>

#include <boost/json/serialize.hpp>

#include <ostream>

namespace wacht {
namespace detail {

namespace {

// Keys whose values are secrets wherever they appear.
bool is_secret_key(std::string_view key)
{
    return key == "access_token" || key == "refresh_token" || key == "backup_codes" || key == "otp_url" ||
           key == "token" || key == "secret";
}

boost::json::value redacted(const boost::json::value& value)
{
    if (value.is_object()) {
        boost::json::object out;
        for (const auto& [key, item] : value.get_object())
            out[key] = is_secret_key(key) ? boost::json::value("[redacted]") : redacted(item);
        return out;
    }
    if (value.is_array()) {
        boost::json::array out;
        for (const auto& item : value.get_array())
            out.push_back(redacted(item));
        return out;
    }
    return value;
}

} // namespace

void write_redacted(std::ostream& os, const boost::json::value& value)
{
    os << boost::json::serialize(redacted(value));
}

} // namespace detail

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const user& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("first_name", v.first_name);
    w.put("last_name", v.last_name);
    w.put("username", v.username);
    w.put("profile_picture_url", v.profile_picture_url);
    w.put("primary_email_address", v.primary_email_address);
    w.put("primary_phone_number", v.primary_phone_number);
}

user tag_invoke(boost::json::value_to_tag<user>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    user v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("first_name", v.first_name);
    r.get("last_name", v.last_name);
    r.get("username", v.username);
    r.get("profile_picture_url", v.profile_picture_url);
    r.get("primary_email_address", v.primary_email_address);
    r.get("primary_phone_number", v.primary_phone_number);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const user_email& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("deployment_id", v.deployment_id);
    w.put("user_id", v.user_id);
    w.put("email", v.email);
    w.put("is_primary", v.is_primary);
    w.put("verified", v.verified);
    w.put("verified_at", v.verified_at);
    w.put("verification_strategy", v.verification_strategy);
}

user_email tag_invoke(boost::json::value_to_tag<user_email>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    user_email v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("deployment_id", v.deployment_id);
    r.get("user_id", v.user_id);
    r.get("email", v.email);
    r.get("is_primary", v.is_primary);
    r.get("verified", v.verified);
    r.get("verified_at", v.verified_at);
    r.get("verification_strategy", v.verification_strategy);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const user_phone& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("user_id", v.user_id);
    w.put("phone_number", v.phone_number);
    w.put("country_code", v.country_code);
    w.put("verified", v.verified);
    w.put("verified_at", v.verified_at);
}

user_phone tag_invoke(boost::json::value_to_tag<user_phone>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    user_phone v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("user_id", v.user_id);
    r.get("phone_number", v.phone_number);
    r.get("country_code", v.country_code);
    r.get("verified", v.verified);
    r.get("verified_at", v.verified_at);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const social_connection& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("user_id", v.user_id);
    w.put("user_email_address_id", v.user_email_address_id);
    w.put("provider", v.provider);
    w.put("email_address", v.email_address);
    w.put("access_token", v.access_token);
    w.put("refresh_token", v.refresh_token);
}

social_connection tag_invoke(boost::json::value_to_tag<social_connection>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    social_connection v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("user_id", v.user_id);
    r.get("user_email_address_id", v.user_email_address_id);
    r.get("provider", v.provider);
    r.get("email_address", v.email_address);
    r.get("access_token", v.access_token);
    r.get("refresh_token", v.refresh_token);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const segment& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    if (v.deleted_at) // the server omits the key when null
        w.put("deleted_at", *v.deleted_at);
    w.put("deployment_id", v.deployment_id);
    w.put("name", v.name);
    w.put("type", v.type);
}

segment tag_invoke(boost::json::value_to_tag<segment>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    segment v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("deleted_at", v.deleted_at);
    r.get("deployment_id", v.deployment_id);
    r.get("name", v.name);
    r.get("type", v.type);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const user_details& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("first_name", v.first_name);
    w.put("last_name", v.last_name);
    w.put("username", v.username);
    w.put("profile_picture_url", v.profile_picture_url);
    w.put("schema_version", v.schema_version);
    w.put("disabled", v.disabled);
    w.put("second_factor_policy", v.second_factor_policy);
    w.put("availability", v.availability);
    w.put("last_password_reset_at", v.last_password_reset_at);
    w.put("active_organization_membership_id", v.active_organization_membership_id);
    w.put("active_workspace_membership_id", v.active_workspace_membership_id);
    w.put("deployment_id", v.deployment_id);
    w.put("public_metadata", v.public_metadata);
    w.put("private_metadata", v.private_metadata);
    w.put("primary_email_address_id", v.primary_email_address_id);
    w.put("primary_email_address", v.primary_email_address);
    w.put("primary_phone_number_id", v.primary_phone_number_id);
    w.put("primary_phone_number", v.primary_phone_number);
    w.put("email_addresses", v.email_addresses);
    w.put("phone_numbers", v.phone_numbers);
    w.put("social_connections", v.social_connections);
    w.put("segments", v.segments);
    w.put("has_password", v.has_password);
    w.put("has_backup_codes", v.has_backup_codes);
}

user_details tag_invoke(boost::json::value_to_tag<user_details>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    user_details v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("first_name", v.first_name);
    r.get("last_name", v.last_name);
    r.get("username", v.username);
    r.get("profile_picture_url", v.profile_picture_url);
    r.get("schema_version", v.schema_version);
    r.get("disabled", v.disabled);
    r.get("second_factor_policy", v.second_factor_policy);
    r.get("availability", v.availability);
    r.get("last_password_reset_at", v.last_password_reset_at);
    r.get("active_organization_membership_id", v.active_organization_membership_id);
    r.get("active_workspace_membership_id", v.active_workspace_membership_id);
    r.get("deployment_id", v.deployment_id);
    r.get("public_metadata", v.public_metadata);
    r.get("private_metadata", v.private_metadata);
    r.get("primary_email_address_id", v.primary_email_address_id);
    r.get("primary_email_address", v.primary_email_address);
    r.get("primary_phone_number_id", v.primary_phone_number_id);
    r.get("primary_phone_number", v.primary_phone_number);
    r.get("email_addresses", v.email_addresses);
    r.get("phone_numbers", v.phone_numbers);
    r.get("social_connections", v.social_connections);
    r.get("segments", v.segments);
    r.get("has_password", v.has_password);
    r.get("has_backup_codes", v.has_backup_codes);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const sign_in& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("session_id", v.session_id);
    w.put("user_id", v.user_id);
    w.put("active_organization_membership_id", v.active_organization_membership_id);
    w.put("active_workspace_membership_id", v.active_workspace_membership_id);
    w.put("expires_at", v.expires_at);
    w.put("last_active_at", v.last_active_at);
    w.put("ip_address", v.ip_address);
    w.put("browser", v.browser);
    w.put("device", v.device);
    w.put("city", v.city);
    w.put("region", v.region);
    w.put("region_code", v.region_code);
    w.put("country", v.country);
    w.put("country_code", v.country_code);
}

sign_in tag_invoke(boost::json::value_to_tag<sign_in>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    sign_in v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("session_id", v.session_id);
    r.get("user_id", v.user_id);
    r.get("active_organization_membership_id", v.active_organization_membership_id);
    r.get("active_workspace_membership_id", v.active_workspace_membership_id);
    r.get("expires_at", v.expires_at);
    r.get("last_active_at", v.last_active_at);
    r.get("ip_address", v.ip_address);
    r.get("browser", v.browser);
    r.get("device", v.device);
    r.get("city", v.city);
    r.get("region", v.region);
    r.get("region_code", v.region_code);
    r.get("country", v.country);
    r.get("country_code", v.country_code);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const revoke_all_result& v)
{
    detail::field_writer w(jv);
    w.put("revoked", v.revoked);
}

revoke_all_result tag_invoke(boost::json::value_to_tag<revoke_all_result>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    revoke_all_result v;
    r.get("revoked", v.revoked);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const passkey& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("user_id", v.user_id);
    w.put("name", v.name);
    w.put("sign_count", v.sign_count);
    w.put("transports", v.transports);
    w.put("last_used_at", v.last_used_at);
    w.put("backed_up", v.backed_up);
    w.put("device_type", v.device_type);
}

passkey tag_invoke(boost::json::value_to_tag<passkey>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    passkey v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("user_id", v.user_id);
    r.get("name", v.name);
    r.get("sign_count", v.sign_count);
    r.get("transports", v.transports);
    r.get("last_used_at", v.last_used_at);
    r.get("backed_up", v.backed_up);
    r.get("device_type", v.device_type);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const authenticator_created& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("otp_url", v.otp_url);
}

authenticator_created tag_invoke(boost::json::value_to_tag<authenticator_created>,
                                 const boost::json::value& jv)
{
    detail::field_reader r(jv);
    authenticator_created v;
    r.get("id", v.id);
    r.get("otp_url", v.otp_url);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const backup_codes& v)
{
    detail::field_writer w(jv);
    w.put("backup_codes", v.codes);
}

backup_codes tag_invoke(boost::json::value_to_tag<backup_codes>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    backup_codes v;
    r.get("backup_codes", v.codes);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const role& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("name", v.name);
    w.put("permissions", v.permissions);
    w.put("is_deployment_level", v.is_deployment_level);
}

role tag_invoke(boost::json::value_to_tag<role>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    role v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("name", v.name);
    r.get("permissions", v.permissions);
    r.get("is_deployment_level", v.is_deployment_level);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const organization& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("name", v.name);
    w.put("image_url", v.image_url);
    w.put("description", v.description);
    w.put("member_count", v.member_count);
    w.put("public_metadata", v.public_metadata);
    w.put("private_metadata", v.private_metadata);
}

organization tag_invoke(boost::json::value_to_tag<organization>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    organization v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("name", v.name);
    r.get("image_url", v.image_url);
    r.get("description", v.description);
    r.get("member_count", v.member_count);
    r.get("public_metadata", v.public_metadata);
    r.get("private_metadata", v.private_metadata);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const organization_membership& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("organization_id", v.organization_id);
    w.put("user_id", v.user_id);
    w.put("public_metadata", v.public_metadata);
    w.put("roles", v.roles);
    w.put_model("organization", v.organization);
}

organization_membership tag_invoke(boost::json::value_to_tag<organization_membership>,
                                   const boost::json::value& jv)
{
    detail::field_reader r(jv);
    organization_membership v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("organization_id", v.organization_id);
    r.get("user_id", v.user_id);
    r.get("public_metadata", v.public_metadata);
    r.get("roles", v.roles);
    r.get_model("organization", v.organization);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const workspace_membership& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("workspace_id", v.workspace_id);
    w.put("organization_id", v.organization_id);
    w.put("organization_membership_id", v.organization_membership_id);
    w.put("user_id", v.user_id);
    w.put("public_metadata", v.public_metadata);
    w.put("roles", v.roles);
    w.put_model("workspace", v.workspace);
}

workspace_membership tag_invoke(boost::json::value_to_tag<workspace_membership>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    workspace_membership v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("workspace_id", v.workspace_id);
    r.get("organization_id", v.organization_id);
    r.get("organization_membership_id", v.organization_membership_id);
    r.get("user_id", v.user_id);
    r.get("public_metadata", v.public_metadata);
    r.get("roles", v.roles);
    r.get_model("workspace", v.workspace);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const invitation& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("deployment_id", v.deployment_id);
    w.put("first_name", v.first_name);
    w.put("last_name", v.last_name);
    w.put("email_address", v.email_address);
    w.put("token", v.token);
    w.put("expiry", v.expiry);
}

invitation tag_invoke(boost::json::value_to_tag<invitation>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    invitation v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("deployment_id", v.deployment_id);
    r.get("first_name", v.first_name);
    r.get("last_name", v.last_name);
    r.get("email_address", v.email_address);
    r.get("token", v.token);
    r.get("expiry", v.expiry);
    return v;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const waitlist_user& v)
{
    detail::field_writer w(jv);
    w.put("id", v.id);
    w.put("created_at", v.created_at);
    w.put("updated_at", v.updated_at);
    w.put("deployment_id", v.deployment_id);
    w.put("email_address", v.email_address);
    w.put("first_name", v.first_name);
    w.put("last_name", v.last_name);
}

waitlist_user tag_invoke(boost::json::value_to_tag<waitlist_user>, const boost::json::value& jv)
{
    detail::field_reader r(jv);
    waitlist_user v;
    r.get("id", v.id);
    r.get("created_at", v.created_at);
    r.get("updated_at", v.updated_at);
    r.get("deployment_id", v.deployment_id);
    r.get("email_address", v.email_address);
    r.get("first_name", v.first_name);
    r.get("last_name", v.last_name);
    return v;
}

// Pages (and whole lists) of every model share one reader and one writer.
#define WACHT_DEFINE_PAGE_CONVERSIONS(P, T)                                                                  \
    void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const P& v)                         \
    {                                                                                                        \
        detail::write_page(jv, v);                                                                           \
    }                                                                                                        \
    P tag_invoke(boost::json::value_to_tag<P>, const boost::json::value& jv)                                 \
    {                                                                                                        \
        return detail::read_page<T>(jv);                                                                     \
    }

WACHT_DEFINE_PAGE_CONVERSIONS(user_page, user)
WACHT_DEFINE_PAGE_CONVERSIONS(social_connection_list, social_connection)
WACHT_DEFINE_PAGE_CONVERSIONS(sign_in_list, sign_in)
WACHT_DEFINE_PAGE_CONVERSIONS(passkey_list, passkey)
WACHT_DEFINE_PAGE_CONVERSIONS(organization_membership_list, organization_membership)
WACHT_DEFINE_PAGE_CONVERSIONS(workspace_membership_list, workspace_membership)
WACHT_DEFINE_PAGE_CONVERSIONS(invitation_page, invitation)
WACHT_DEFINE_PAGE_CONVERSIONS(waitlist_page, waitlist_user)

// Every model prints as redacted JSON.
#define WACHT_DEFINE_PRINT(T)                                                                                \
    std::ostream& operator<<(std::ostream& os, const T& v)                                                   \
    {                                                                                                        \
        detail::write_redacted(os, boost::json::value_from(v));                                              \
        return os;                                                                                           \
    }

WACHT_DEFINE_PRINT(user)
WACHT_DEFINE_PRINT(user_email)
WACHT_DEFINE_PRINT(user_phone)
WACHT_DEFINE_PRINT(social_connection)
WACHT_DEFINE_PRINT(segment)
WACHT_DEFINE_PRINT(user_details)
WACHT_DEFINE_PRINT(user_page)
WACHT_DEFINE_PRINT(social_connection_list)
WACHT_DEFINE_PRINT(sign_in)
WACHT_DEFINE_PRINT(sign_in_list)
WACHT_DEFINE_PRINT(revoke_all_result)
WACHT_DEFINE_PRINT(passkey)
WACHT_DEFINE_PRINT(passkey_list)
WACHT_DEFINE_PRINT(authenticator_created)
WACHT_DEFINE_PRINT(backup_codes)
WACHT_DEFINE_PRINT(role)
WACHT_DEFINE_PRINT(organization)
WACHT_DEFINE_PRINT(organization_membership)
WACHT_DEFINE_PRINT(workspace_membership)
WACHT_DEFINE_PRINT(organization_membership_list)
WACHT_DEFINE_PRINT(workspace_membership_list)
WACHT_DEFINE_PRINT(invitation)
WACHT_DEFINE_PRINT(waitlist_user)
WACHT_DEFINE_PRINT(invitation_page)
WACHT_DEFINE_PRINT(waitlist_page)

} // namespace wacht
