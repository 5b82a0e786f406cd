// SPDX-License-Identifier: BSL-1.0
// The store's shared reads, the demo seed, reset and the /_emulator/ seeding routes.
#include "store.hpp"

namespace wacht::emulator {

timestamp api::state::clock_now() const
{
    return std::chrono::system_clock::now() + std::chrono::nanoseconds(clock_offset_ns.load());
}

const email_row* api::state::primary_email(const user_row& u) const
{
    if (!u.primary_email_id)
        return nullptr;
    auto it = emails.find(*u.primary_email_id);
    return it == emails.end() ? nullptr : &it->second;
}

const phone_row* api::state::primary_phone(const user_row& u) const
{
    if (!u.primary_phone_id)
        return nullptr;
    auto it = phones.find(*u.primary_phone_id);
    return it == phones.end() ? nullptr : &it->second;
}

// The list item: username as stored (""), phone with its country code in front.
wacht::user api::state::list_item(const user_row& u) const
{
    wacht::user out{id_text(u.id), u.created_at,          u.updated_at, u.first_name, u.last_name,
                    u.username,    u.profile_picture_url, std::nullopt, std::nullopt};
    if (const auto* e = primary_email(u))
        out.primary_email_address = e->email;
    if (const auto* p = primary_phone(u))
        out.primary_phone_number = p->country_code + p->phone_number;
    return out;
}

std::string api::state::encrypted(std::string_view token)
{
    if (token.empty())
        return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "enc:";
    for (unsigned char c : token) {
        out += hex[c >> 4];
        out += hex[c & 0xF];
    }
    return out;
}

wacht::social_connection api::state::social_model(const social_row& c, tokens form) const
{
    const bool plain = form == tokens::plaintext;
    return {id_text(c.id),
            c.created_at,
            c.updated_at,
            id_text(c.user_id),
            id_text(c.email_id),
            c.provider,
            c.email_address,
            plain ? c.access_token : encrypted(c.access_token),
            plain ? c.refresh_token : encrypted(c.refresh_token)};
}

wacht::user_details api::state::details(const user_row& u, timestamp now, tokens form) const
{
    wacht::user_details d;
    d.id = id_text(u.id);
    d.created_at = u.created_at;
    d.updated_at = u.updated_at;
    d.first_name = u.first_name;
    d.last_name = u.last_name;
    if (!u.username.empty())
        d.username = u.username;
    d.profile_picture_url = u.profile_picture_url;
    d.schema_version = u.schema_version;
    d.disabled = u.disabled;
    d.second_factor_policy = u.second_factor_policy;
    d.availability = u.availability;
    d.last_password_reset_at = u.last_password_reset_at;
    d.deployment_id = id_text(deployment_id);
    d.public_metadata = u.public_metadata;
    d.private_metadata = u.private_metadata;
    if (const auto* e = primary_email(u)) {
        d.primary_email_address_id = id_text(e->id);
        d.primary_email_address = e->email;
    }
    if (const auto* p = primary_phone(u)) {
        d.primary_phone_number_id = id_text(p->id);
        d.primary_phone_number = p->phone_number; // bare, unlike the list
    }
    emails.for_user(u.id, [&](const email_row& e) {
        d.email_addresses.push_back({id_text(e.id), e.created_at, e.updated_at, id_text(deployment_id),
                                     id_text(e.user_id), e.email, e.is_primary, e.verified,
                                     e.verified_at.value_or(now), e.verification_strategy});
    });
    phones.for_user(u.id, [&](const phone_row& p) {
        d.phone_numbers.push_back({id_text(p.id), p.created_at, p.updated_at, id_text(p.user_id),
                                   p.phone_number, p.country_code, p.verified, p.verified_at.value_or(now)});
    });
    social_connections.for_user_newest_first(
        u.id, [&](const social_row& c) { d.social_connections.push_back(social_model(c, form)); });
    d.has_password = u.password.has_value();
    d.has_backup_codes = u.has_backup_codes;
    return d;
}

bool api::state::email_taken(std::string_view email) const
{
    return std::any_of(emails.begin(), emails.end(), [&](const auto& e) { return e.second.email == email; });
}

bool api::state::username_taken(std::string_view username) const
{
    return std::any_of(users.begin(), users.end(),
                       [&](const auto& u) { return u.second.username == username; });
}

// The lower-cased text the search index holds for a user.
std::string api::state::search_text(const user_row& u) const
{
    std::string text = u.first_name + ' ' + u.last_name + ' ' + u.username;
    if (const auto* e = primary_email(u))
        text += ' ' + e->email;
    emails.for_user(u.id, [&](const email_row& e) { text += ' ' + e.email; });
    phones.for_user(u.id, [&](const phone_row& p) {
        text += ' ' + p.country_code + p.phone_number + ' ' + p.phone_number;
    });
    return to_lower(text);
}

void api::state::insert_user(const user_row& u)
{
    users[u.id] = u;
    users_by_created.emplace(u.created_at.time_since_epoch().count(), u.id);
}

void api::state::delete_user_cascade(id_type user_id)
{
    if (auto it = users.find(user_id); it != users.end()) {
        publish_user_event("user.deleted", it->second, clock_now()); // with the user's last details
        users_by_created.erase({it->second.created_at.time_since_epoch().count(), user_id});
        users.erase(it);
    }
    emails.erase_user(user_id);
    phones.erase_user(user_id);
    std::erase_if(signins, [&](const auto& s) { return s.second.user_id == user_id; });
    std::erase_if(passkeys, [&](const auto& p) { return p.second.user_id == user_id; });
    std::erase_if(authenticators, [&](const auto& t) { return t.second.user_id == user_id; });
    social_connections.erase_user(user_id);
    std::erase_if(organization_memberships, [&](const auto& m) { return m.second.user_id == user_id; });
    std::erase_if(workspace_memberships, [&](const auto& m) { return m.second.user_id == user_id; });
}

user_row* api::state::find_user(id_type user_id)
{
    auto it = users.find(user_id);
    return it == users.end() ? nullptr : &it->second;
}

std::optional<timestamp> api::state::optional_time(body_fields& body, std::string_view key)
{
    auto text = body.optional_string(key);
    if (!text)
        return std::nullopt;
    auto t = parse_time(*text);
    if (!t) {
        body.reject_shape();
        return std::nullopt;
    }
    return db_time(*t);
}

// POST /_emulator/users/{id}/sessions {expires_at?, last_active_at?, ip_address?, browser?, device?,
// city?, region?, region_code?, country?, country_code?}: a sign-in (default: expires in a day).
http_response api::state::seed_session(id_type user_id, const http_request& request)
{
    body_fields body(request);
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    if (!find_user(user_id))
        return error_response(404, "Resource not found");
    const auto now = db_time(clock_now());
    signin_row s;
    s.id = new_id();
    s.user_id = user_id;
    s.created_at = s.updated_at = now;
    s.session_id = new_id();
    s.expires_at = optional_time(body, "expires_at").value_or(now + std::chrono::hours(24));
    s.last_active_at = optional_time(body, "last_active_at").value_or(now);
    const std::pair<const char*, std::string*> texts[] = {
        {"ip_address", &s.ip_address}, {"browser", &s.browser},
        {"device", &s.device},         {"city", &s.city},
        {"region", &s.region},         {"region_code", &s.region_code},
        {"country", &s.country},       {"country_code", &s.country_code}};
    for (const auto& [key, field] : texts)
        *field = body.optional_string(key).value_or("");
    if (auto rejected = body.rejected())
        return *rejected;
    signins[s.id] = s;
    return model_response(sign_in_model(s));
}

// POST /_emulator/users/{id}/passkeys {name, sign_count?, transports?, backed_up?, device_type?,
// last_used_at?}.
http_response api::state::seed_passkey(id_type user_id, const http_request& request)
{
    body_fields body(request);
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    if (!find_user(user_id))
        return error_response(404, "Resource not found");
    const auto now = db_time(clock_now());
    passkey_row p;
    p.id = new_id();
    p.user_id = user_id;
    p.created_at = p.updated_at = now;
    p.name = body.required_string("name");
    p.sign_count = static_cast<std::int32_t>(body.optional_int("sign_count").value_or(0));
    if (const auto* t = body.value("transports")) {
        if (!t->is_array())
            return normalized_error(422);
        p.transports.emplace();
        for (const auto& item : t->get_array()) {
            if (!item.is_string())
                return normalized_error(422);
            p.transports->emplace_back(item.get_string());
        }
    }
    p.backed_up = body.optional_bool("backed_up");
    p.device_type = body.optional_string("device_type");
    p.last_used_at = optional_time(body, "last_used_at");
    if (auto rejected = body.rejected())
        return *rejected;
    passkeys[p.id] = p;
    return model_response(passkey_model(p));
}

// POST /_emulator/users/{id}/social-connections {provider, email_address?, access_token?,
// refresh_token?}: linked to the user's address with that email (default: the primary one).
http_response api::state::seed_social_connection(id_type user_id, const http_request& request)
{
    body_fields body(request);
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    const auto* u = find_user(user_id);
    if (!u)
        return error_response(404, "Resource not found");
    const auto wanted = body.optional_string("email_address");
    if (auto rejected = body.rejected())
        return *rejected;
    const email_row* email = wanted ? nullptr : primary_email(*u);
    if (wanted)
        emails.for_user(user_id, [&](const email_row& e) {
            if (e.email == *wanted)
                email = &e;
        });
    if (!email)
        return error_response(404, "Related resource not found");
    const auto now = db_time(clock_now());
    social_row c{new_id(),
                 now,
                 now,
                 user_id,
                 email->id,
                 body.required_string("provider"),
                 email->email,
                 body.optional_string("access_token").value_or(""),
                 body.optional_string("refresh_token").value_or("")};
    if (auto rejected = body.rejected())
        return *rejected;
    social_connections.put(c);
    return model_response(social_model(c, tokens::plaintext));
}

// The roles of a seeded membership; a misfit rejects `body`.
std::vector<role_row> api::state::seed_roles(body_fields& body, timestamp now)
{
    std::vector<role_row> roles;
    if (const auto* list = body.value("roles")) {
        if (!list->is_array()) {
            body.reject_shape();
            return roles;
        }
        for (const auto& item : list->get_array()) {
            if (!item.is_object()) {
                body.reject_shape();
                return roles;
            }
            body_fields role(item.get_object());
            role_row r{new_id(), now,
                       now,      role.required_string("name"),
                       {},       role.optional_bool("is_deployment_level").value_or(false)};
            if (const auto* permissions = role.value("permissions"); permissions && permissions->is_array())
                for (const auto& p : permissions->get_array())
                    if (p.is_string())
                        r.permissions.emplace_back(p.get_string());
            if (role.rejected())
                body.reject_shape();
            roles.push_back(std::move(r));
        }
    }
    return roles;
}

// The organization or workspace object `key` of a seeded membership; a misfit rejects `body`.
org_row api::state::seed_org(body_fields& body, std::string_view key, timestamp now)
{
    const auto* value = body.value(key);
    if (!value || !value->is_object()) {
        body.reject_shape();
        return {};
    }
    body_fields o(value->get_object());
    org_row row{new_id(),
                now,
                now,
                o.required_string("name"),
                o.optional_string("image_url").value_or(""),
                o.optional_string("description").value_or(""),
                o.optional_int("member_count").value_or(1)};
    if (const auto* md = o.value("public_metadata"))
        row.public_metadata = *md;
    if (const auto* md = o.value("private_metadata"))
        row.private_metadata = *md;
    if (o.rejected())
        body.reject_shape();
    return row;
}

// POST /_emulator/users/{id}/organization-memberships {organization: {name, description?, image_url?,
// member_count?, public_metadata?, private_metadata?}, roles?: [{name, permissions?,
// is_deployment_level?}], public_metadata?}.
http_response api::state::seed_organization_membership(id_type user_id, const http_request& request)
{
    body_fields body(request);
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    if (!find_user(user_id))
        return error_response(404, "Resource not found");
    const auto now = db_time(clock_now());
    const auto org = seed_org(body, "organization", now);
    if (auto rejected = body.rejected())
        return *rejected;
    org_membership_row m{new_id(), now, now, org.id, user_id, json::object{}, seed_roles(body, now)};
    if (auto rejected = body.rejected())
        return *rejected;
    if (const auto* md = body.value("public_metadata"))
        m.public_metadata = *md;
    organizations[org.id] = org;
    organization_memberships[m.id] = m;
    return model_response(wacht::organization_membership{id_text(m.id), m.created_at, m.updated_at,
                                                         id_text(org.id), id_text(user_id), m.public_metadata,
                                                         sorted_roles(m), org_model(org)});
}

// POST /_emulator/users/{id}/workspace-memberships {organization_membership_id, workspace: {...as
// organization}, roles?, public_metadata?}.
http_response api::state::seed_workspace_membership(id_type user_id, const http_request& request)
{
    body_fields body(request);
    const auto parent_text = body.required_string("organization_membership_id");
    if (auto rejected = body.rejected())
        return *rejected;
    const auto parent_id = parse_signed(parent_text);
    std::lock_guard lock(mutex);
    if (!find_user(user_id))
        return error_response(404, "Resource not found");
    auto parent = parent_id ? organization_memberships.find(*parent_id) : organization_memberships.end();
    if (parent == organization_memberships.end() || parent->second.user_id != user_id)
        return error_response(404, "Related resource not found");
    const auto now = db_time(clock_now());
    const auto ws = seed_org(body, "workspace", now);
    if (auto rejected = body.rejected())
        return *rejected;
    workspace_membership_row m{new_id(),
                               now,
                               now,
                               ws.id,
                               parent->second.organization_id,
                               parent->first,
                               user_id,
                               json::object{},
                               seed_roles(body, now)};
    if (auto rejected = body.rejected())
        return *rejected;
    if (const auto* md = body.value("public_metadata"))
        m.public_metadata = *md;
    workspaces[ws.id] = ws;
    workspace_memberships[m.id] = m;
    return model_response(wacht::workspace_membership{id_text(m.id), m.created_at, m.updated_at,
                                                      id_text(ws.id), id_text(m.organization_id),
                                                      id_text(m.organization_membership_id), id_text(user_id),
                                                      m.public_metadata, sorted_roles(m), org_model(ws)});
}

// POST /_emulator/users {first_name?, last_name?, username?, email_address?, phone_number?,
// country_code?, password?, public_metadata?, private_metadata?, created_at?}: a user as if it had
// signed up, its email and phone verified and primary, with none of POST /users' checks.
http_response api::state::seed_user(const http_request& request)
{
    body_fields body(request);
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    const auto now = db_time(clock_now());
    user_row u;
    u.id = new_id();
    u.created_at = u.updated_at = optional_time(body, "created_at").value_or(now);
    u.first_name = body.optional_string("first_name").value_or("");
    u.last_name = body.optional_string("last_name").value_or("");
    u.username = body.optional_string("username").value_or("");
    u.password = body.optional_string("password");
    if (const auto* md = body.value("public_metadata"))
        u.public_metadata = *md;
    if (const auto* md = body.value("private_metadata"))
        u.private_metadata = *md;
    const auto email = body.optional_string("email_address");
    const auto phone = body.optional_string("phone_number");
    const auto country_code = body.optional_string("country_code");
    if (auto rejected = body.rejected())
        return *rejected;
    if (email) {
        email_row e{new_id(), u.created_at, u.created_at, u.id, to_lower(*email),
                    true,     true,         u.created_at, "otp"};
        u.primary_email_id = e.id;
        emails.put(e);
    }
    if (phone) {
        phone_row p{new_id(), u.created_at, u.created_at, u.id, *phone, country_code.value_or("+1"),
                    true,     u.created_at};
        u.primary_phone_id = p.id;
        phones.put(p);
    }
    insert_user(u);
    return model_response(details(u, clock_now()));
}

// POST /_emulator/reset: the store as at start-up (the --seed users made again), the start-up
// faults, the clock back on the system clock and an empty request log.
void api::state::reset()
{
    {
        std::lock_guard lock(mutex);
        users.clear();
        users_by_created.clear();
        emails.clear();
        phones.clear();
        signins.clear();
        passkeys.clear();
        authenticators.clear();
        social_connections.clear();
        organizations.clear();
        workspaces.clear();
        organization_memberships.clear();
        workspace_memberships.clear();
        invitations.clear();
        waitlist.clear();
        faults = options.faults;
        clock_offset_ns = 0;
        seed(options.seed_users);
    }
    frontend->outbox.clear(); // the keys and the webhook endpoint stay
    {
        std::lock_guard lock(log_mutex);
        log.clear();
    }
    for (const auto& fixture : options.seed_fixtures) {
        http_request request;
        request.method = "POST";
        request.content_type = "application/json";
        request.body = fixture;
        if (auto r = seed_fixture(request); r.status != 200)
            throw std::runtime_error("seed fixture: " + r.body);
    }
}

// POST /_emulator/seed: a fixture of users with what hangs off them, invitations and waitlist
// entries, added through the same handlers as the single seeding routes. Stops at the first entry
// that fails, with its error and where it is.
http_response api::state::seed_fixture(const http_request& request)
{
    const body_fields body(request);
    if (auto rejected = body.rejected())
        return *rejected;
    const auto& fixture = body.object();
    json::array created_users;
    const auto sub_request = [&](const json::value& body) {
        http_request r;
        r.method = "POST";
        r.content_type = "application/json";
        r.body = json::serialize(body);
        return r;
    };
    const auto failed = [](http_response r, std::string_view where) {
        error_context(r, where);
        return r;
    };
    // The array `key` of `o` (an empty one when absent); nullptr when it is not an array.
    static const json::array none;
    const auto array_of = [&](const json::object& o, std::string_view key) -> const json::array* {
        const auto* v = o.if_contains(key);
        if (v && !v->is_array())
            return nullptr;
        return v ? &v->get_array() : &none;
    };
    using user_seeder = http_response (state::*)(id_type, const http_request&);
    static const std::pair<std::string_view, user_seeder> per_user[] = {
        {"sessions", &state::seed_session},
        {"passkeys", &state::seed_passkey},
        {"social_connections", &state::seed_social_connection},
        {"organization_memberships", &state::seed_organization_membership},
        {"workspace_memberships", &state::seed_workspace_membership},
    };
    const auto* list = array_of(fixture, "users");
    if (!list)
        return normalized_error(422);
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto where = "users[" + std::to_string(i) + "]";
        if (!(*list)[i].is_object())
            return normalized_error(422);
        auto fields = (*list)[i].get_object();
        json::object nested;
        for (const auto& [key, seeder] : per_user)
            if (auto* v = fields.if_contains(key)) {
                nested[key] = *v;
                fields.erase(key);
            }
        auto made = seed_user(sub_request(fields));
        if (made.status != 200)
            return failed(std::move(made), where);
        const auto user = json::parse(made.body).as_object();
        const auto user_id = std::stoll(std::string(user.at("id").as_string()));
        for (const auto& [key, seeder] : per_user) {
            const auto* items = array_of(nested, key);
            if (!items)
                return normalized_error(422);
            for (std::size_t k = 0; k < items->size(); ++k) {
                auto r = (this->*seeder)(user_id, sub_request((*items)[k]));
                if (r.status != 200)
                    return failed(std::move(r),
                                  where + "." + std::string(key) + "[" + std::to_string(k) + "]");
            }
        }
        created_users.push_back(user.at("id"));
    }
    const std::pair<std::string_view, http_response (state::*)(const http_request&)> top[] = {
        {"invitations", &state::invite}, {"waitlist", &state::seed_waitlist_user}};
    json::object counts;
    for (const auto& [key, seeder] : top) {
        const auto* items = array_of(fixture, key);
        if (!items)
            return normalized_error(422);
        for (std::size_t k = 0; k < items->size(); ++k) {
            auto r = (this->*seeder)(sub_request((*items)[k]));
            if (r.status != 200)
                return failed(std::move(r), std::string(key) + "[" + std::to_string(k) + "]");
        }
        counts[key] = items->size();
    }
    counts["user_ids"] = std::move(created_users);
    return json_response(200, counts);
}

// Prefixes an error response's message with where in a fixture it happened.
void api::state::error_context(http_response& r, std::string_view where)
{
    boost::system::error_code ec;
    auto body = json::parse(r.body, ec);
    if (ec || !body.is_object())
        return;
    if (auto* errors = body.as_object().if_contains("errors"); errors && errors->is_array())
        for (auto& e : errors->as_array())
            if (auto* m = e.is_object() ? e.as_object().if_contains("message") : nullptr; m && m->is_string())
                *m = std::string(where) + ": " + std::string(m->as_string());
    r.body = json::serialize(body);
}

// GET /_emulator/clock; POST /_emulator/clock {"advance_ms": n} (n >= 0).
http_response api::state::clock_state()
{
    return json_response(200, json::object{{"now", format_time(clock_now())},
                                           {"offset_ms", clock_offset_ns.load() / 1'000'000}});
}

http_response api::state::advance_clock(const http_request& request)
{
    body_fields body(request);
    if (auto rejected = body.rejected())
        return *rejected;
    const auto ms = body.optional_int("advance_ms");
    if (!ms || *ms < 0)
        return error_response(400, "advance_ms must be a number of milliseconds, 0 or more");
    clock_offset_ns += *ms * 1'000'000;
    return clock_state();
}

// GET /_emulator/requests: the request log, oldest first.
http_response api::state::request_log()
{
    json::array out;
    std::lock_guard lock(log_mutex);
    for (const auto& r : log)
        out.push_back(json::object{
            {"method", r.method}, {"target", r.target}, {"status", r.status}, {"request_id", r.request_id}});
    return json_response(200, json::object{{"requests", std::move(out)}});
}

// POST /_emulator/waitlist {email_address, first_name?, last_name?}.
http_response api::state::seed_waitlist_user(const http_request& request)
{
    body_fields body(request);
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex);
    const auto now = db_time(clock_now());
    waitlist_row w{new_id(),
                   now,
                   now,
                   body.required_string("email_address"),
                   body.optional_string("first_name"),
                   body.optional_string("last_name")};
    if (auto rejected = body.rejected())
        return *rejected;
    waitlist[w.id] = w;
    return model_response(waitlist_model(w));
}

// The axum Json extractor: content type (415), size (413), syntax (400), an object (422).
body_fields::body_fields(const http_request& request)
{
    boost::system::error_code ec;
    if (!is_json_content_type(request.content_type))
        reject(415);
    else if (request.body_too_large)
        reject(413);
    else if (auto value = parse_json(request.body, ec); ec)
        reject(400);
    else if (!value.is_object())
        reject(422);
    else
        object_ = std::move(value.get_object());
}

void api::state::seed(std::size_t count)
{
    static constexpr std::string_view first_names[] = {"Ada",   "Grace",    "Alan",   "Barbara", "Edsger",
                                                       "Linus", "Margaret", "Dennis", "Frances", "Ken"};
    static constexpr std::string_view last_names[] = {"Lovelace", "Hopper",   "Turing",   "Liskov",
                                                      "Dijkstra", "Torvalds", "Hamilton", "Ritchie",
                                                      "Allen",    "Thompson"};
    const auto base = db_time(clock_now()) - std::chrono::seconds(count + 1);
    for (std::size_t i = 0; i < count; ++i) {
        user_row u;
        u.id = new_id();
        u.created_at = u.updated_at =
            base + std::chrono::seconds(i) + std::chrono::microseconds(i * 7 % 1000);
        u.first_name = first_names[i % 10];
        u.last_name = last_names[(i / 10) % 10];
        if (i % 3 == 0)
            u.username = to_lower(u.first_name) + "_" + std::to_string(i);
        u.password = "Seeded-Passw0rd!";
        email_row e{new_id(),
                    u.created_at,
                    u.created_at,
                    u.id,
                    to_lower(u.first_name) + "." + to_lower(u.last_name) + std::to_string(i) + "@example.com",
                    true,
                    true,
                    u.created_at,
                    "otp"};
        u.primary_email_id = e.id;
        emails.put(e);
        if (i % 2 == 0) {
            phone_row p{new_id(), u.created_at, u.created_at, u.id, std::to_string(4155550000 + i),
                        "+1",     true,         u.created_at};
            u.primary_phone_id = p.id;
            phones.put(p);
        }
        insert_user(u);
    }
}

} // namespace wacht::emulator
