// SPDX-License-Identifier: BSL-1.0
// Sessions (E18 to E20), passkeys (E21 to E23) and MFA (E24 to E26).
#include "store.hpp"

namespace wacht::emulator {

wacht::sign_in api::state::sign_in_model(const signin_row& s)
{
    const auto optional_id = [](const std::optional<id_type>& id) {
        return id ? std::optional(id_text(*id)) : std::nullopt;
    };
    return {id_text(s.id),
            s.created_at,
            s.updated_at,
            id_text(s.session_id.value_or(0)), // "0" when NULL
            id_text(s.user_id),
            optional_id(s.active_organization_membership_id),
            optional_id(s.active_workspace_membership_id),
            s.expires_at,
            s.last_active_at,
            s.ip_address,
            s.browser,
            s.device,
            s.city,
            s.region,
            s.region_code,
            s.country,
            s.country_code};
}

http_response api::state::list_sessions(id_type user_id, const query_map& query)
{
    query_fields q(query);
    const auto include_expired = q.one_of("include_expired", {"true", "false"}) == "true";
    if (auto rejected = q.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    const auto now = clock_now();
    std::vector<const signin_row*> rows;
    for (const auto& [id, s] : signins)
        if (s.user_id == user_id && !s.deleted_at && (include_expired || s.expires_at > now))
            rows.push_back(&s);
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto* a, const auto* b) { return a->last_active_at > b->last_active_at; });
    whole_list data;
    for (const auto* s : rows)
        data.add((sign_in_model(*s)));
    return std::move(data).finish();
}

http_response api::state::revoke_session(id_type user_id, id_type signin_id)
{
    std::lock_guard lock(mutex);
    auto it = signins.find(signin_id);
    if (it == signins.end() || it->second.user_id != user_id || it->second.deleted_at)
        return error_response(404, "signin not found");
    it->second.deleted_at = db_time(clock_now()); // expired ones too
    return empty_success();
}

http_response api::state::revoke_all_sessions(id_type user_id)
{
    std::lock_guard lock(mutex);
    std::uint64_t revoked = 0;
    const auto now = db_time(clock_now());
    for (auto& [id, s] : signins) // no expiry filter: expired, un-revoked rows count too
        if (s.user_id == user_id && !s.deleted_at) {
            s.deleted_at = now;
            ++revoked;
        }
    return model_response(wacht::revoke_all_result{revoked});
}

wacht::passkey api::state::passkey_model(const passkey_row& p)
{
    return {id_text(p.id), p.created_at, p.updated_at,   id_text(p.user_id), p.name,
            p.sign_count,  p.transports, p.last_used_at, p.backed_up,        p.device_type};
}

http_response api::state::list_passkeys(id_type user_id)
{
    std::lock_guard lock(mutex);
    whole_list data;
    for (auto it = passkeys.rbegin(); it != passkeys.rend(); ++it)
        if (it->second.user_id == user_id && !it->second.deleted)
            data.add((passkey_model(it->second)));
    return std::move(data).finish();
}

passkey_row* api::state::find_passkey(id_type user_id, id_type passkey_id)
{
    auto it = passkeys.find(passkey_id);
    if (it == passkeys.end() || it->second.user_id != user_id || it->second.deleted)
        return nullptr;
    return &it->second;
}

http_response api::state::rename_passkey(id_type user_id, id_type passkey_id, const http_request& request)
{
    body_fields body(request);
    const auto name = std::string(trim(body.required_string("name")));
    if (auto rejected = body.rejected())
        return *rejected;
    if (name.empty())
        return error_response(400, "name cannot be empty");
    std::lock_guard lock(mutex);
    auto* p = find_passkey(user_id, passkey_id);
    if (!p)
        return error_response(404, "passkey not found");
    p->name = name;
    p->updated_at = db_time(clock_now());
    return empty_success();
}

http_response api::state::delete_passkey(id_type user_id, id_type passkey_id)
{
    std::lock_guard lock(mutex);
    auto* p = find_passkey(user_id, passkey_id);
    if (!p)
        return error_response(404, "passkey not found");
    p->deleted = true;
    return empty_success();
}

http_response api::state::create_authenticator(id_type user_id, const http_request& request)
{
    body_fields body(request);
    const auto secret = normalize_totp_secret(body.required_string("secret"));
    auto account_name = body.optional_string("account_name");
    if (auto rejected = body.rejected())
        return *rejected;
    if (account_name && trim(*account_name).empty())
        account_name.reset();
    else if (account_name)
        account_name = std::string(trim(*account_name));
    const auto check = check_totp_secret(secret);
    if (check == totp_secret_check::invalid)
        return error_response(400, "invalid base32 secret");
    if (check == totp_secret_check::too_short)
        return error_response(400,
                              "secret too short \u2014 TOTP secrets must be at least 128 bits (16 bytes)");
    std::lock_guard lock(mutex);
    auto user = users.find(user_id);
    if (user == users.end())
        return error_response(404, "user not found");
    if (std::any_of(authenticators.begin(), authenticators.end(),
                    [&](const auto& t) { return t.second.user_id == user_id && !t.second.deleted; }))
        return error_response(409, "user already has an active authenticator");
    if (account_name && account_name->find(':') != std::string::npos)
        return error_response(400, "account_name cannot contain ':'");
    const auto& u = user->second;
    std::string account;
    if (account_name)
        account = *account_name;
    else if (const auto* e = primary_email(u))
        account = e->email;
    else if (!u.username.empty())
        account = u.username;
    else if (!trim(u.first_name + " " + u.last_name).empty())
        account = std::string(trim(u.first_name + " " + u.last_name));
    else
        account = "user-" + id_text(u.id);
    const auto issuer = options.app_name.empty() ? std::string("Wacht") : options.app_name;
    const auto id = new_id();
    authenticators[id] = {id, user_id, secret, false};
    const auto url = "otpauth://totp/" + url_encode(issuer) + ":" + url_encode(account) +
                     "?secret=" + secret + "&issuer=" + url_encode(issuer) +
                     "&algorithm=SHA1&digits=6&period=30";
    return model_response(wacht::authenticator_created{id_text(id), url});
}

http_response api::state::delete_authenticator(id_type user_id)
{
    std::lock_guard lock(mutex);
    bool any = false;
    for (auto& [id, t] : authenticators)
        if (t.user_id == user_id && !t.deleted)
            t.deleted = any = true;
    if (!any)
        return error_response(404, "authenticator not found");
    return empty_success();
}

http_response api::state::regenerate_backup_codes(id_type user_id)
{
    std::lock_guard lock(mutex);
    auto user = users.find(user_id);
    if (user == users.end())
        return error_response(404, "user not found");
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    wacht::backup_codes codes;
    for (int i = 0; i < 12; ++i)
        codes.codes.push_back(random_text(alphabet, 4) + "-" + random_text(alphabet, 4));
    user->second.has_backup_codes = true;
    return model_response(codes);
}

} // namespace wacht::emulator
