// SPDX-License-Identifier: BSL-1.0
// The router: faults, auth, the request log, and every route to its handler (users-contract.md §2).
#include "store.hpp"

namespace wacht::emulator {

// One query value; a repeated known field is a deserialization error (400).
std::optional<std::string> query_fields::text(const std::string& key)
{
    auto it = query_.find(key);
    if (it == query_.end())
        return std::nullopt;
    if (it->second.size() != 1) {
        rejected_ = true;
        return std::nullopt;
    }
    return it->second.front();
}

std::optional<std::uint64_t> query_fields::usize(const std::string& key)
{
    auto value = text(key);
    if (!value)
        return std::nullopt;
    auto v = parse_unsigned(*value);
    rejected_ = rejected_ || !v;
    return v;
}

std::optional<std::int64_t> query_fields::i64(const std::string& key)
{
    auto value = text(key);
    if (!value)
        return std::nullopt;
    auto v = parse_signed(*value);
    rejected_ = rejected_ || !v;
    return v;
}

std::optional<std::string> query_fields::one_of(const std::string& key,
                                                std::initializer_list<std::string_view> allowed)
{
    auto value = text(key);
    if (value && std::find(allowed.begin(), allowed.end(), *value) == allowed.end()) {
        rejected_ = true;
        return std::nullopt;
    }
    return value;
}

api::api(api_options options) : state_(std::make_unique<state>())
{
    state_->options = std::move(options);
    state_->faults = state_->options.faults;
    if (state_->options.webhook)
        set_webhook_endpoint(*state_->options.webhook);
    state_->reset();
}

api::~api() = default;

void api::add_fault(fault f)
{
    std::lock_guard lock(state_->mutex);
    state_->faults.push_back(std::move(f));
}

void api::clear_faults()
{
    std::lock_guard lock(state_->mutex);
    state_->faults.clear();
}

std::uint64_t api::request_count() const
{
    return state_->requests.load();
}

void api::set_observer(std::function<void(const http_request&)> observer)
{
    std::lock_guard lock(state_->mutex);
    state_->observer = std::make_shared<std::function<void(const http_request&)>>(std::move(observer));
}

http_response api::handle(const http_request& request)
{
    ++state_->requests;
    auto& s = *state_;
    std::shared_ptr<std::function<void(const http_request&)>> observer;
    {
        std::lock_guard lock(s.mutex);
        observer = s.observer;
    }
    if (observer && *observer)
        (*observer)(request);
    // The emulator's own routes are neither faulted nor logged: a test must be able to clear faults.
    const bool control = request.target.starts_with("/_emulator/") || request.target.starts_with("/health");
    http_response response;
    if (auto f = control ? std::nullopt : s.pick_fault(request); f && f->type != fault::kind::latency) {
        response = state::fault_response(*f);
    } else {
        response = handle_route(request);
        if (f)
            response.delay = f->delay;
    }
    if (!control) {
        std::lock_guard lock(s.log_mutex);
        if (s.log.size() == state::log_capacity)
            s.log.pop_front();
        s.log.push_back({request.method, request.target, response.status, request.request_id});
    }
    return response;
}

http_response api::handle_route(const http_request& request)
{
    auto& s = *state_;
    try {
        const auto question = request.target.find('?');
        const std::string_view path = std::string_view(request.target).substr(0, question);
        const std::string_view query_text = question == std::string::npos
                                                ? std::string_view{}
                                                : std::string_view(request.target).substr(question + 1);

        if (path == "/health") {
            if (request.method != "GET")
                return normalized_error(405);
            return json_response(
                200, json::object{{"status", "healthy"}, {"timestamp", format_time(s.clock_now())}});
        }

        // The Frontend API's public key set (no API key, as on the real FAPI; faults apply).
        if (path == "/.well-known/jwks.json")
            return s.jwks_document(request);

        // Auth runs before routing, so unknown paths and wrong methods are 401 without a valid key.
        if (!request.authorization.starts_with("Bearer "))
            return error_response(401, "Authorization header must be Bearer token");
        if (std::string_view(request.authorization).substr(7) != s.options.api_key)
            return error_response(401, "Authentication failed");

        const auto segments = split_path(path);
        if (!segments)
            return normalized_error(404);

        // The routes of contract section 1.1 ("{}" marks an id), then the emulator's own.
        struct call
        {
            const http_request& request;
            const std::vector<id_type>& ids;
            const query_map& query;
        };
        struct route
        {
            std::string_view method;
            std::vector<std::string_view> pattern;
            http_response (*run)(state&, const call&);
        };
        static const std::vector<route> table = {
            {"GET", {"users"}, [](state& s, const call& c) { return s.list_users(c.query); }},
            {"POST", {"users"}, [](state& s, const call& c) { return s.create_user(c.request); }},
            {"PATCH",
             {"users", "{}"},
             [](state& s, const call& c) { return s.update_user(c.ids[0], c.request); }},
            {"DELETE", {"users", "{}"}, [](state& s, const call& c) { return s.delete_user(c.ids[0]); }},
            {"GET",
             {"users", "{}", "details"},
             [](state& s, const call& c) { return s.user_details(c.ids[0]); }},
            {"PATCH",
             {"users", "{}", "password"},
             [](state& s, const call& c) { return s.update_password(c.ids[0], c.request); }},
            {"DELETE",
             {"users", "{}", "password"},
             [](state& s, const call& c) { return s.remove_password(c.ids[0]); }},
            {"POST",
             {"users", "{}", "emails"},
             [](state& s, const call& c) { return s.add_email(c.ids[0], c.request); }},
            {"PATCH",
             {"users", "{}", "emails", "{}"},
             [](state& s, const call& c) { return s.update_email(c.ids[0], c.ids[1], c.request); }},
            {"DELETE",
             {"users", "{}", "emails", "{}"},
             [](state& s, const call& c) { return s.delete_email(c.ids[0], c.ids[1]); }},
            {"POST",
             {"users", "{}", "emails", "{}", "make-primary"},
             [](state& s, const call& c) { return s.make_email_primary(c.ids[0], c.ids[1]); }},
            {"POST",
             {"users", "{}", "phones"},
             [](state& s, const call& c) { return s.add_phone(c.ids[0], c.request); }},
            {"PATCH",
             {"users", "{}", "phones", "{}"},
             [](state& s, const call& c) { return s.update_phone(c.ids[0], c.ids[1], c.request); }},
            {"DELETE",
             {"users", "{}", "phones", "{}"},
             [](state& s, const call& c) { return s.delete_phone(c.ids[0], c.ids[1]); }},
            {"POST",
             {"users", "{}", "phones", "{}", "make-primary"},
             [](state& s, const call& c) { return s.make_phone_primary(c.ids[0], c.ids[1]); }},
            {"GET",
             {"users", "{}", "social-connections"},
             [](state& s, const call& c) { return s.list_social_connections(c.ids[0]); }},
            {"DELETE",
             {"users", "{}", "social-connections", "{}"},
             [](state& s, const call& c) { return s.delete_social_connection(c.ids[0], c.ids[1]); }},
            {"GET",
             {"users", "{}", "organization-memberships"},
             [](state& s, const call& c) { return s.list_organization_memberships(c.ids[0]); }},
            {"GET",
             {"users", "{}", "workspace-memberships"},
             [](state& s, const call& c) { return s.list_workspace_memberships(c.ids[0]); }},
            {"GET",
             {"users", "{}", "sessions"},
             [](state& s, const call& c) { return s.list_sessions(c.ids[0], c.query); }},
            {"POST",
             {"users", "{}", "sessions", "{}", "revoke"},
             [](state& s, const call& c) { return s.revoke_session(c.ids[0], c.ids[1]); }},
            {"POST",
             {"users", "{}", "sessions", "revoke-all"},
             [](state& s, const call& c) { return s.revoke_all_sessions(c.ids[0]); }},
            {"GET",
             {"users", "{}", "passkeys"},
             [](state& s, const call& c) { return s.list_passkeys(c.ids[0]); }},
            {"PATCH",
             {"users", "{}", "passkeys", "{}"},
             [](state& s, const call& c) { return s.rename_passkey(c.ids[0], c.ids[1], c.request); }},
            {"DELETE",
             {"users", "{}", "passkeys", "{}"},
             [](state& s, const call& c) { return s.delete_passkey(c.ids[0], c.ids[1]); }},
            {"POST",
             {"users", "{}", "authenticators"},
             [](state& s, const call& c) { return s.create_authenticator(c.ids[0], c.request); }},
            {"DELETE",
             {"users", "{}", "authenticators"},
             [](state& s, const call& c) { return s.delete_authenticator(c.ids[0]); }},
            {"POST",
             {"users", "{}", "backup-codes", "regenerate"},
             [](state& s, const call& c) { return s.regenerate_backup_codes(c.ids[0]); }},
            {"GET", {"invitations"}, [](state& s, const call& c) { return s.list_invitations(c.query); }},
            {"POST", {"invitations"}, [](state& s, const call& c) { return s.invite(c.request); }},
            {"DELETE",
             {"invitations", "{}"},
             [](state& s, const call& c) { return s.delete_invitation(c.ids[0]); }},
            {"GET", {"waitlist"}, [](state& s, const call& c) { return s.list_waitlist(c.query); }},
            {"POST",
             {"waitlist", "{}", "approve"},
             [](state& s, const call& c) { return s.approve_waitlist_user(c.ids[0]); }},
            // Emulator-only: seeding what no backend route creates, and reading stored uploads.
            {"GET",
             {"_emulator", "users", "{}", "profile-image"},
             [](state& s, const call& c) { return s.profile_image(c.ids[0]); }},
            {"POST",
             {"_emulator", "users", "{}", "sessions"},
             [](state& s, const call& c) { return s.seed_session(c.ids[0], c.request); }},
            {"POST",
             {"_emulator", "users", "{}", "passkeys"},
             [](state& s, const call& c) { return s.seed_passkey(c.ids[0], c.request); }},
            {"POST",
             {"_emulator", "users", "{}", "social-connections"},
             [](state& s, const call& c) { return s.seed_social_connection(c.ids[0], c.request); }},
            {"POST",
             {"_emulator", "users", "{}", "organization-memberships"},
             [](state& s, const call& c) { return s.seed_organization_membership(c.ids[0], c.request); }},
            {"POST",
             {"_emulator", "users", "{}", "workspace-memberships"},
             [](state& s, const call& c) { return s.seed_workspace_membership(c.ids[0], c.request); }},
            {"POST",
             {"_emulator", "waitlist"},
             [](state& s, const call& c) { return s.seed_waitlist_user(c.request); }},
            {"POST", {"_emulator", "users"}, [](state& s, const call& c) { return s.seed_user(c.request); }},
            {"POST",
             {"_emulator", "seed"},
             [](state& s, const call& c) { return s.seed_fixture(c.request); }},
            {"POST",
             {"_emulator", "reset"},
             [](state& s, const call&) {
                 s.reset();
                 return empty_success();
             }},
            {"GET", {"_emulator", "faults"}, [](state& s, const call&) { return s.list_faults(); }},
            {"POST",
             {"_emulator", "faults"},
             [](state& s, const call& c) { return s.add_fault_spec(c.request); }},
            {"DELETE",
             {"_emulator", "faults"},
             [](state& s, const call&) {
                 std::lock_guard lock(s.mutex);
                 s.faults.clear();
                 return empty_success();
             }},
            {"GET", {"_emulator", "clock"}, [](state& s, const call&) { return s.clock_state(); }},
            {"POST",
             {"_emulator", "clock"},
             [](state& s, const call& c) { return s.advance_clock(c.request); }},
            // The Frontend API and webhooks (frontend.cpp).
            {"POST",
             {"_emulator", "session-tokens"},
             [](state& s, const call& c) { return s.mint_session_token(c.request); }},
            {"GET", {"_emulator", "keys"}, [](state& s, const call&) { return s.signing_keys_route(); }},
            {"POST",
             {"_emulator", "keys", "rotate"},
             [](state& s, const call& c) { return s.rotate_key_route(c.request); }},
            {"DELETE",
             {"_emulator", "keys", "retired"},
             [](state& s, const call&) {
                 s.frontend->keys.remove_retired();
                 return empty_success();
             }},
            {"GET", {"_emulator", "webhooks"}, [](state& s, const call&) { return s.webhooks_route(); }},
            {"POST",
             {"_emulator", "webhooks", "endpoint"},
             [](state& s, const call& c) { return s.webhook_endpoint_route(c.request); }},
            {"DELETE",
             {"_emulator", "webhooks", "endpoint"},
             [](state& s, const call&) {
                 s.frontend->outbox.configure(std::nullopt);
                 return empty_success();
             }},
            {"POST",
             {"_emulator", "webhooks", "rotate-secret"},
             [](state& s, const call&) { return s.rotate_webhook_secret_route(); }},
            {"POST",
             {"_emulator", "webhooks", "test"},
             [](state& s, const call& c) { return s.test_webhook_route(c.request); }},
            {"GET", {"_emulator", "requests"}, [](state& s, const call&) { return s.request_log(); }},
            {"DELETE",
             {"_emulator", "requests"},
             [](state& s, const call&) {
                 std::lock_guard lock(s.log_mutex);
                 s.log.clear();
                 return empty_success();
             }},
        };

        // Literal segments must match exactly; an id segment matches any non-empty segment (a literal
        // wins over an id, as in axum: /sessions/revoke-all is not /sessions/{id}).
        const auto matches = [&](const route& r, std::vector<std::string_view>* ids) {
            if (r.pattern.size() != segments->size())
                return false;
            for (std::size_t i = 0; i < r.pattern.size(); ++i) {
                const auto segment = (*segments)[i];
                if (r.pattern[i] == "{}") {
                    if (segment.empty())
                        return false;
                    if (ids)
                        ids->push_back(segment);
                } else if (r.pattern[i] != segment) {
                    return false;
                }
            }
            return true;
        };
        const auto more_literal = [](const route& a, const route& b) {
            return std::count(a.pattern.begin(), a.pattern.end(), "{}") <
                   std::count(b.pattern.begin(), b.pattern.end(), "{}");
        };
        const route* path_match = nullptr;
        const route* matched = nullptr;
        for (const auto& r : table) {
            if (!matches(r, nullptr))
                continue;
            if (!path_match || more_literal(r, *path_match))
                path_match = &r;
        }
        if (!path_match)
            return normalized_error(404);
        for (const auto& r : table)
            if (r.method == request.method && r.pattern == path_match->pattern)
                matched = &r;
        if (!matched)
            return normalized_error(405);

        // Path ids are i64; anything else is a 400 from the Path extractor.
        std::vector<std::string_view> raw_ids;
        matches(*matched, &raw_ids);
        std::vector<id_type> ids;
        for (const auto raw : raw_ids) {
            const auto text = decode_path_segment(raw);
            const auto v = text ? parse_signed(*text) : std::nullopt;
            if (!v)
                return normalized_error(400);
            ids.push_back(*v);
        }
        const auto query = parse_query(query_text);
        if (!query)
            return normalized_error(400);
        return matched->run(s, call{request, ids, *query});
    } catch (const std::exception& e) {
        // Handlers return every answer, errors included; an exception is unexpected (std::bad_alloc or a
        // bug in the emulator), not an emulated server error: say so where the test output shows it.
        std::cerr << "wacht-emulator: internal error on " << request.method << ' '
                  << std::string_view(request.target).substr(0, request.target.find('?')) << ": " << e.what()
                  << '\n';
        return normalized_error(500);
    }
}

} // namespace wacht::emulator
