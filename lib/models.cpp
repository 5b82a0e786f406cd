// Boost.JSON conversions of the models: one reader and one writer used by every model, so that each
// model is a list of its fields in wire order.
#include "detail/json_fields.hpp"

#include <wacht/models/user.hpp>

namespace wacht {

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

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const user_page& v)
{
    detail::write_page(jv, v);
}

user_page tag_invoke(boost::json::value_to_tag<user_page>, const boost::json::value& jv)
{
    return detail::read_page<user>(jv);
}

} // namespace wacht
