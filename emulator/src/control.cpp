// SPDX-License-Identifier: BSL-1.0
// The in-process control and seeding API: the /_emulator/ routes' handlers, called directly.
#include "store.hpp"

namespace wacht::emulator {

namespace {

std::string error_message(const http_response& r)
{
    boost::system::error_code ec;
    const auto body = json::parse(r.body, ec);
    if (!ec && body.is_object())
        if (const auto* errors = body.as_object().if_contains("errors");
            errors && errors->is_array() && !errors->as_array().empty())
            if (const auto* m = errors->as_array()[0].as_object().if_contains("message"); m && m->is_string())
                return std::string(m->as_string()) + " (" + std::to_string(r.status) + ")";
    return "status " + std::to_string(r.status);
}

json::value metadata(const std::string& text)
{
    if (text.empty())
        return json::object{};
    boost::system::error_code ec;
    auto v = parse_json(text, ec);
    if (ec || !v.is_object())
        throw std::runtime_error("metadata must be a JSON object");
    return v;
}

void put_text(json::object& o, std::string_view key, const std::string& value)
{
    if (!value.empty())
        o[key] = value;
}

void put_text(json::object& o, std::string_view key, const std::optional<std::string>& value)
{
    if (value)
        o[key] = *value;
}

void put_time(json::object& o, std::string_view key, const std::optional<time_point>& t)
{
    if (t)
        o[key] = format_time(*t);
}

json::array roles_json(const std::vector<role_seed>& roles)
{
    json::array out;
    for (const auto& r : roles) {
        json::array permissions;
        for (const auto& p : r.permissions)
            permissions.push_back(json::value(p));
        out.push_back(json::object{{"name", r.name},
                                   {"permissions", std::move(permissions)},
                                   {"is_deployment_level", r.is_deployment_level}});
    }
    return out;
}

json::object organization_json(const organization_seed& o)
{
    json::object out{{"name", o.name}};
    put_text(out, "description", o.description);
    put_text(out, "image_url", o.image_url);
    return out;
}

http_request seed_request(const json::object& body)
{
    http_request r;
    r.method = "POST";
    r.content_type = "application/json";
    r.body = json::serialize(body);
    return r;
}

id_type user_id_argument(std::string_view text)
{
    const auto id = parse_signed(text);
    if (!id)
        throw std::runtime_error("not a user id: " + std::string(text));
    return *id;
}

} // namespace

namespace {

// The "id" of what a seeding handler made, from its response; throws with its error.
std::string seeded_id(const http_response& r)
{
    if (r.status != 200)
        throw std::runtime_error(error_message(r));
    return std::string(json::parse(r.body).as_object().at("id").as_string());
}

} // namespace

std::string api::seed_user(const user_seed& user)
{
    json::object body;
    put_text(body, "first_name", user.first_name);
    put_text(body, "last_name", user.last_name);
    put_text(body, "username", user.username);
    put_text(body, "email_address", user.email_address);
    put_text(body, "phone_number", user.phone_number);
    if (user.phone_number)
        body["country_code"] = user.country_code;
    put_text(body, "password", user.password);
    body["public_metadata"] = metadata(user.public_metadata_json);
    body["private_metadata"] = metadata(user.private_metadata_json);
    put_time(body, "created_at", user.created_at);
    return seeded_id(state_->seed_user(seed_request(body)));
}

std::string api::seed_session(std::string_view user_id, const session_seed& session)
{
    json::object body;
    put_time(body, "expires_at", session.expires_at);
    put_time(body, "last_active_at", session.last_active_at);
    const std::pair<const char*, const std::string*> texts[] = {
        {"ip_address", &session.ip_address}, {"browser", &session.browser},
        {"device", &session.device},         {"city", &session.city},
        {"region", &session.region},         {"region_code", &session.region_code},
        {"country", &session.country},       {"country_code", &session.country_code}};
    for (const auto& [key, value] : texts)
        put_text(body, key, *value);
    const auto id = user_id_argument(user_id);
    return seeded_id(state_->seed_session(id, seed_request(body)));
}

std::string api::seed_passkey(std::string_view user_id, const passkey_seed& passkey)
{
    json::array transports;
    for (const auto& t : passkey.transports)
        transports.push_back(json::value(t));
    json::object body{{"name", passkey.name},
                      {"sign_count", passkey.sign_count},
                      {"transports", std::move(transports)},
                      {"backed_up", passkey.backed_up}};
    put_text(body, "device_type", passkey.device_type);
    put_time(body, "last_used_at", passkey.last_used_at);
    const auto id = user_id_argument(user_id);
    return seeded_id(state_->seed_passkey(id, seed_request(body)));
}

std::string api::seed_social_connection(std::string_view user_id, const social_connection_seed& connection)
{
    json::object body{{"provider", connection.provider}};
    put_text(body, "email_address", connection.email_address);
    put_text(body, "access_token", connection.access_token);
    put_text(body, "refresh_token", connection.refresh_token);
    const auto id = user_id_argument(user_id);
    return seeded_id(state_->seed_social_connection(id, seed_request(body)));
}

std::string api::seed_organization_membership(std::string_view user_id,
                                              const organization_membership_seed& membership)
{
    json::object body{{"organization", organization_json(membership.organization)},
                      {"roles", roles_json(membership.roles)}};
    const auto id = user_id_argument(user_id);
    return seeded_id(state_->seed_organization_membership(id, seed_request(body)));
}

std::string api::seed_workspace_membership(std::string_view user_id,
                                           const workspace_membership_seed& membership)
{
    json::object body{{"organization_membership_id", membership.organization_membership_id},
                      {"workspace", organization_json(membership.workspace)},
                      {"roles", roles_json(membership.roles)}};
    const auto id = user_id_argument(user_id);
    return seeded_id(state_->seed_workspace_membership(id, seed_request(body)));
}

std::string api::seed_invitation(const invitation_seed& invitation)
{
    json::object body{{"first_name", invitation.first_name},
                      {"last_name", invitation.last_name},
                      {"email_address", invitation.email_address},
                      {"expiry_days", invitation.expiry_days}};
    return seeded_id(state_->invite(seed_request(body)));
}

std::string api::seed_waitlist_user(const waitlist_seed& entry)
{
    json::object body{{"email_address", entry.email_address}};
    put_text(body, "first_name", entry.first_name);
    put_text(body, "last_name", entry.last_name);
    return seeded_id(state_->seed_waitlist_user(seed_request(body)));
}

std::vector<std::string> api::seed_fixture(std::string_view json_text)
{
    http_request request;
    request.method = "POST";
    request.content_type = "application/json";
    request.body = json_text;
    auto r = state_->seed_fixture(request);
    if (r.status != 200)
        throw std::runtime_error("seed fixture: " + error_message(r));
    std::vector<std::string> ids;
    const auto counts = json::parse(r.body);
    for (const auto& id : counts.as_object().at("user_ids").as_array())
        ids.emplace_back(id.as_string());
    return ids;
}

std::vector<logged_request> api::request_log() const
{
    std::lock_guard lock(state_->log_mutex);
    return {state_->log.begin(), state_->log.end()};
}

void api::clear_request_log()
{
    std::lock_guard lock(state_->log_mutex);
    state_->log.clear();
}

time_point api::now() const
{
    return state_->clock_now();
}

void api::advance(std::chrono::nanoseconds by)
{
    if (by.count() < 0)
        throw std::invalid_argument("the emulator's clock only moves forward");
    state_->clock_offset_ns += by.count();
}

void api::reset()
{
    state_->reset();
}

std::vector<fault> api::faults() const
{
    std::lock_guard lock(state_->mutex);
    return state_->faults;
}

} // namespace wacht::emulator
