// SPDX-License-Identifier: BSL-1.0
// Identifiers (E8 to E15, E27, E28): emails, phones and social connections.
#include "store.hpp"

namespace wacht::emulator {

wacht::user_email api::state::email_model(const email_row& e, timestamp now) const
{
    return {id_text(e.id), e.created_at, e.updated_at, id_text(deployment_id),      id_text(e.user_id),
            e.email,       e.is_primary, e.verified,   e.verified_at.value_or(now), e.verification_strategy};
}

wacht::user_phone api::state::phone_model(const phone_row& p, timestamp now) const
{
    return {id_text(p.id),  p.created_at,   p.updated_at, id_text(p.user_id),
            p.phone_number, p.country_code, p.verified,   p.verified_at.value_or(now)};
}

// The user's emails lose the primary flag; `primary` gets it.
void api::state::set_primary_email(user_row& u, email_row& primary)
{
    emails.for_user(u.id, [](email_row& e) { e.is_primary = false; });
    primary.is_primary = true;
    u.primary_email_id = primary.id;
}

http_response api::state::add_email(id_type user_id, const http_request& request)
{
    body_fields body(request);
    const auto email = body.required_string("email");
    const bool verified = body.optional_bool("verified").value_or(false);
    const bool is_primary = body.optional_bool("is_primary").value_or(false);
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    auto user = users.find(user_id);
    if (user == users.end()) // the foreign key (contract section 5)
        return error_response(404, "Related resource not found");
    if (options.auth.unique_identifiers && email_taken(email))
        return error_response(409, "Resource already exists");
    const auto now = clock_now();
    const auto stored = db_time(now);
    // verified_at is stamped even for an unverified address, as the server does.
    const auto id = new_id();
    auto& e = emails.put({id, stored, stored, user_id, email, false, verified, stored, "otp"});
    if (is_primary)
        set_primary_email(user->second, e);
    return model_response(email_model(e, now));
}

http_response api::state::update_email(id_type user_id, id_type email_id, const http_request& request)
{
    body_fields body(request);
    const auto email = body.optional_string("email");
    const auto verified = body.optional_bool("verified");
    const auto is_primary = body.optional_bool("is_primary");
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    auto it = emails.find(email_id);
    if (it == emails.end() || it->second.user_id != user_id)
        return error_response(404, "Email not found");
    auto& e = it->second;
    const auto now = clock_now();
    if (email)
        e.email = *email;
    if (verified) {
        e.verified = *verified;
        if (*verified)
            e.verified_at = db_time(now);
    }
    // Points the user at this address but leaves every is_primary flag as it was.
    if (is_primary && *is_primary)
        if (auto user = users.find(user_id); user != users.end())
            user->second.primary_email_id = email_id;
    e.updated_at = db_time(now);
    return model_response(email_model(e, now));
}

http_response api::state::delete_email(id_type user_id, id_type email_id)
{
    std::lock_guard lock(mutex);
    // Always 200; the user's primary_email_address_id is left as it was.
    if (auto it = emails.find(email_id); it != emails.end() && it->second.user_id == user_id) {
        emails.erase(it);
        social_connections.erase_if([&](const social_row& c) { return c.email_id == email_id; });
    }
    return empty_success();
}

http_response api::state::make_email_primary(id_type user_id, id_type email_id)
{
    std::lock_guard lock(mutex);
    auto user = users.find(user_id);
    auto it = emails.find(email_id);
    if (user == users.end() || it == emails.end() || it->second.user_id != user_id)
        return error_response(404, "email not found");
    if (!it->second.verified)
        return error_response(400, "email must be verified before it can be marked primary");
    set_primary_email(user->second, it->second);
    return empty_success();
}

http_response api::state::add_phone(id_type user_id, const http_request& request)
{
    body_fields body(request);
    const auto number = body.required_string("phone_number");
    const auto country_code = body.required_string("country_code");
    const bool verified = body.optional_bool("verified").value_or(false);
    const bool is_primary = body.optional_bool("is_primary").value_or(false);
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    auto user = users.find(user_id);
    if (user == users.end())
        return error_response(404, "Related resource not found");
    const auto now = clock_now();
    const auto stored = db_time(now);
    const auto id = new_id();
    const auto& p = phones.put({id, stored, stored, user_id, number, country_code, verified,
                                verified ? std::optional(stored) : std::nullopt});
    if (is_primary) // phones have no flag of their own
        user->second.primary_phone_id = id;
    return model_response(phone_model(p, now));
}

http_response api::state::update_phone(id_type user_id, id_type phone_id, const http_request& request)
{
    body_fields body(request);
    const auto number = body.optional_string("phone_number");
    const auto country_code = body.optional_string("country_code");
    const auto verified = body.optional_bool("verified");
    const auto is_primary = body.optional_bool("is_primary");
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    auto it = phones.find(phone_id);
    if (it == phones.end() || it->second.user_id != user_id)
        return error_response(404, "Phone number not found");
    auto& p = it->second;
    const auto now = clock_now();
    if (number)
        p.phone_number = *number;
    if (country_code)
        p.country_code = *country_code;
    if (verified) {
        p.verified = *verified;
        if (*verified)
            p.verified_at = db_time(now);
    }
    if (is_primary && *is_primary)
        if (auto user = users.find(user_id); user != users.end())
            user->second.primary_phone_id = phone_id;
    p.updated_at = db_time(now);
    return model_response(phone_model(p, now));
}

http_response api::state::delete_phone(id_type user_id, id_type phone_id)
{
    std::lock_guard lock(mutex);
    if (auto it = phones.find(phone_id); it != phones.end() && it->second.user_id == user_id)
        phones.erase(it);
    return empty_success();
}

http_response api::state::make_phone_primary(id_type user_id, id_type phone_id)
{
    std::lock_guard lock(mutex);
    auto user = users.find(user_id);
    auto it = phones.find(phone_id);
    if (user == users.end() || it == phones.end() || it->second.user_id != user_id)
        return error_response(404, "phone not found");
    if (!it->second.verified)
        return error_response(400, "phone must be verified before it can be marked primary");
    user->second.primary_phone_id = phone_id;
    return empty_success();
}

http_response api::state::list_social_connections(id_type user_id)
{
    std::lock_guard lock(mutex);
    whole_list data;
    social_connections.for_user_newest_first(
        user_id, [&](const social_row& c) { data.add((social_model(c, tokens::plaintext))); });
    return std::move(data).finish();
}

http_response api::state::delete_social_connection(id_type user_id, id_type connection_id)
{
    std::lock_guard lock(mutex);
    if (auto it = social_connections.find(connection_id);
        it != social_connections.end() && it->second.user_id == user_id)
        social_connections.erase(it);
    return empty_success();
}

} // namespace wacht::emulator
