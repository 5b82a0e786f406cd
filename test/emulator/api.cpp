// The emulated API, route by route after the wire contract (users-contract.md). Response bodies are
// written with the SDK's own model encoders, which the fixture round-trip tests hold to the contract.
#include "api.hpp"

#include "multipart.hpp"
#include "text.hpp"

#include "detail/encoding.hpp" // the SDK's base32 and percent-encoding rules are the server's
#include "detail/json_text.hpp"

#include <wacht/models/invitation.hpp>
#include <wacht/models/membership.hpp>
#include <wacht/models/mfa.hpp>
#include <wacht/models/passkey.hpp>
#include <wacht/models/session.hpp>
#include <wacht/models/user.hpp>
#include <wacht/timestamp.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <limits>
#include <random>
#include <regex>
#include <set>
#include <stdexcept>
#include <vector>

namespace wacht::emulator {
namespace {

namespace json = boost::json;
using id_type = std::int64_t;

constexpr id_type deployment_id = 1182736450912384000;

// ---------------------------------------------------------------------------------------------------
// Responses

http_response json_response(int status, const json::value& body)
{
    return {status, "application/json", json::serialize(body)};
}

// A 200 with a model, written as text without building a DOM (the same bytes as serialize(value_from)).
template <class Model>
http_response model_response(const Model& model)
{
    http_response response{200, "application/json", {}};
    response.body.reserve(2048); // a user's details in one allocation
    wacht::detail::append_json(response.body, model);
    return response;
}

http_response error_response(int status, std::string_view message)
{
    json::object error{{"message", message}, {"code", status}};
    return json_response(status, json::object{{"errors", json::array{error}}});
}

// The framework's own rejections, rewritten by the server's normalize_error_responses middleware.
http_response normalized_error(int status)
{
    switch (status) {
    case 400:
        return error_response(status, "Bad request");
    case 401:
        return error_response(status, "Unauthorized");
    case 403:
        return error_response(status, "Forbidden");
    case 404:
        return error_response(status, "Not found");
    case 405:
        return error_response(status, "Method not allowed");
    case 422:
        return error_response(status, "Invalid request payload");
    case 429:
        return error_response(status, "Rate limit exceeded");
    default:
        return error_response(status, status >= 500 ? "Something went wrong" : "Request failed");
    }
}

http_response empty_success()
{
    return json_response(200, json::object{});
}

// Thrown by handlers for an early exit with a response.
struct reply
{
    http_response response;
};

[[noreturn]] void fail(int status, std::string_view message)
{
    throw reply{error_response(status, message)};
}

[[noreturn]] void fail_normalized(int status)
{
    throw reply{normalized_error(status)};
}

// ---------------------------------------------------------------------------------------------------
// Store

struct email_row
{
    id_type id = 0;
    timestamp created_at{}, updated_at{};
    id_type user_id = 0;
    std::string email;
    bool is_primary = false;
    bool verified = false;
    std::optional<timestamp> verified_at;
    std::string verification_strategy = "otp";
};

struct phone_row
{
    id_type id = 0;
    timestamp created_at{}, updated_at{};
    id_type user_id = 0;
    std::string phone_number;
    std::string country_code;
    bool verified = false;
    std::optional<timestamp> verified_at;
};

struct signin_row
{
    id_type id = 0;
    id_type user_id = 0;
    timestamp created_at{}, updated_at{};
    std::optional<id_type> session_id;
    std::optional<id_type> active_organization_membership_id;
    std::optional<id_type> active_workspace_membership_id;
    timestamp expires_at{}, last_active_at{};
    std::string ip_address, browser, device, city, region, region_code, country, country_code;
    std::optional<timestamp> deleted_at; // revoked
};

struct passkey_row
{
    id_type id = 0;
    id_type user_id = 0;
    timestamp created_at{}, updated_at{};
    std::string name;
    std::int32_t sign_count = 0;
    std::optional<std::vector<std::string>> transports;
    std::optional<timestamp> last_used_at;
    std::optional<bool> backed_up;
    std::optional<std::string> device_type;
    bool deleted = false;
};

struct authenticator_row
{
    id_type id = 0;
    id_type user_id = 0;
    std::string secret;
    bool deleted = false;
};

struct social_row
{
    id_type id = 0;
    timestamp created_at{}, updated_at{};
    id_type user_id = 0;
    id_type email_id = 0;
    std::string provider, email_address, access_token, refresh_token;
};

struct role_row
{
    id_type id = 0;
    timestamp created_at{}, updated_at{};
    std::string name;
    std::vector<std::string> permissions;
    bool deployment_level = false;
};

struct org_row
{
    id_type id = 0;
    timestamp created_at{}, updated_at{};
    std::string name, image_url, description;
    std::int64_t member_count = 1;
    json::value public_metadata = json::object{};
    json::value private_metadata = json::object{};
};

struct org_membership_row
{
    id_type id = 0;
    timestamp created_at{}, updated_at{};
    id_type organization_id = 0;
    id_type user_id = 0;
    json::value public_metadata = json::object{};
    std::vector<role_row> roles;
};

struct workspace_membership_row
{
    id_type id = 0;
    timestamp created_at{}, updated_at{};
    id_type workspace_id = 0;
    id_type organization_id = 0;
    id_type organization_membership_id = 0;
    id_type user_id = 0;
    json::value public_metadata = json::object{};
    std::vector<role_row> roles;
};

struct invitation_row
{
    id_type id = 0;
    timestamp created_at{}, updated_at{};
    std::string first_name, last_name, email_address, token;
    timestamp expiry{};
};

struct waitlist_row
{
    id_type id = 0;
    timestamp created_at{}, updated_at{};
    std::string email_address;
    std::optional<std::string> first_name, last_name;
};

struct user_row
{
    id_type id = 0;
    timestamp created_at{}, updated_at{};
    std::string first_name, last_name;
    std::string username; // "" when none (NOT NULL column)
    std::string profile_picture_url;
    std::string profile_image_type;
    std::string profile_image;
    std::string schema_version = "v1";
    bool disabled = false;
    std::string second_factor_policy = "optional";
    std::string availability = "available";
    std::optional<timestamp> last_password_reset_at;
    json::value public_metadata = json::object{};
    json::value private_metadata = json::object{};
    std::optional<id_type> primary_email_id;
    std::optional<id_type> primary_phone_id;
    std::optional<std::string> password;
    bool has_backup_codes = false;
};

// Values read back from the database have microsecond precision.
timestamp db_time(timestamp t)
{
    return std::chrono::floor<std::chrono::microseconds>(t);
}

std::string id_text(id_type id)
{
    return std::to_string(id);
}

// Rows by id that also know each user's rows, so that reading one user's emails, phones or connections
// does not scan the whole table. Rows are added with put() and removed with erase()/erase_if(); a row's
// user_id does not change once it is in.
template <class Row>
class user_rows
{
public:
    using rows_type = std::map<id_type, Row>;
    using iterator = typename rows_type::iterator;
    using const_iterator = typename rows_type::const_iterator;

    iterator begin() { return rows_.begin(); }
    iterator end() { return rows_.end(); }
    const_iterator begin() const { return rows_.begin(); }
    const_iterator end() const { return rows_.end(); }
    iterator find(id_type id) { return rows_.find(id); }
    const_iterator find(id_type id) const { return rows_.find(id); }

    /// Inserts `row`, or replaces the row with its id; returns the stored row.
    Row& put(const Row& row)
    {
        if (auto it = rows_.find(row.id); it != rows_.end())
            by_user_.erase({it->second.user_id, row.id});
        by_user_.emplace(row.user_id, row.id);
        return rows_.insert_or_assign(row.id, row).first->second;
    }

    void erase(iterator it)
    {
        by_user_.erase({it->second.user_id, it->first});
        rows_.erase(it);
    }

    template <class Predicate>
    void erase_if(Predicate matches)
    {
        for (auto it = rows_.begin(); it != rows_.end();) {
            auto next = std::next(it);
            if (matches(it->second))
                erase(it);
            it = next;
        }
    }

    void erase_user(id_type user_id)
    {
        for (auto it = by_user_.lower_bound({user_id, first_id});
             it != by_user_.end() && it->first == user_id;) {
            rows_.erase(it->second);
            it = by_user_.erase(it);
        }
    }

    /// Calls `f(row)` for each of the user's rows, oldest (smallest id) first, or newest first.
    template <class F>
    void for_user(id_type user_id, F f)
    {
        visit_user(*this, user_id, f);
    }
    template <class F>
    void for_user(id_type user_id, F f) const
    {
        visit_user(*this, user_id, f);
    }
    template <class F>
    void for_user_newest_first(id_type user_id, F f) const
    {
        auto it = by_user_.lower_bound({user_id + 1, first_id});
        while (it != by_user_.begin() && std::prev(it)->first == user_id)
            f(rows_.find((--it)->second)->second);
    }

private:
    static constexpr id_type first_id = std::numeric_limits<id_type>::min();

    // for_user of a const or a mutable table.
    template <class Self, class F>
    static void visit_user(Self& self, id_type user_id, F& f)
    {
        for (auto it = self.by_user_.lower_bound({user_id, first_id});
             it != self.by_user_.end() && it->first == user_id; ++it)
            f(self.rows_.find(it->second)->second);
    }

    rows_type rows_;
    std::set<std::pair<id_type, id_type>> by_user_;
};

// What a list is ordered by: a time (as a count, cheap to compare) or a text.
struct sort_value
{
    std::int64_t time = 0;
    std::string text;
    sort_value(std::int64_t t) : time(t) {}
    sort_value(std::string t) : text(std::move(t)) {}
    auto operator<=>(const sort_value&) const = default;
};

sort_value sort_time(timestamp t)
{
    return static_cast<std::int64_t>(t.time_since_epoch().count());
}

// A JSON request body's fields, read the way serde does: a missing required field or a value of the
// wrong type is a 422; null counts as absent for optional fields.
class body_fields
{
public:
    explicit body_fields(json::object o) : object_(std::move(o)) {}

    std::string required_string(std::string_view key) const
    {
        const auto* v = object_.if_contains(key);
        if (!v || !v->is_string())
            fail_normalized(422);
        return std::string(v->get_string());
    }
    std::optional<std::string> optional_string(std::string_view key) const
    {
        const auto* v = present(key);
        if (v && !v->is_string())
            fail_normalized(422);
        return v ? std::optional(std::string(v->get_string())) : std::nullopt;
    }
    std::optional<bool> optional_bool(std::string_view key) const
    {
        const auto* v = present(key);
        if (v && !v->is_bool())
            fail_normalized(422);
        return v ? std::optional(v->get_bool()) : std::nullopt;
    }
    std::optional<std::int64_t> optional_int(std::string_view key) const
    {
        const auto* v = present(key);
        if (!v)
            return std::nullopt;
        if (v->is_int64())
            return v->get_int64();
        if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
            return static_cast<std::int64_t>(v->get_uint64());
        fail_normalized(422);
    }
    const json::value* value(std::string_view key) const { return present(key); }

private:
    const json::value* present(std::string_view key) const
    {
        const auto* v = object_.if_contains(key);
        return (v && !v->is_null()) ? v : nullptr;
    }
    json::object object_;
};

// Random text from an alphabet, for backup codes and invitation tokens.
std::string random_text(std::string_view alphabet, std::size_t length)
{
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::string out;
    for (std::size_t i = 0; i < length; ++i)
        out += alphabet[pick(generator)];
    return out;
}

} // namespace

// ---------------------------------------------------------------------------------------------------

struct api::state
{
    api_options options;
    std::mutex mutex;
    std::atomic<std::uint64_t> requests{0};
    id_type next_id = 1394412856401047552;
    std::map<id_type, user_row> users;
    // Users by (created_at, id): the default list order without scanning and sorting every user.
    std::set<std::pair<std::int64_t, id_type>> users_by_created;
    user_rows<email_row> emails;
    user_rows<phone_row> phones;
    std::map<id_type, signin_row> signins;
    std::map<id_type, passkey_row> passkeys;
    std::map<id_type, authenticator_row> authenticators;
    user_rows<social_row> social_connections;
    std::map<id_type, org_row> organizations;
    std::map<id_type, org_row> workspaces;
    std::map<id_type, org_membership_row> organization_memberships;
    std::map<id_type, workspace_membership_row> workspace_memberships;
    std::map<id_type, invitation_row> invitations;
    std::map<id_type, waitlist_row> waitlist;
    std::shared_ptr<std::function<void(const http_request&)>> observer;
    std::vector<fault> faults;

    // The first fault that fires for this request, if any (takes the lock).
    std::optional<fault> pick_fault(const http_request& request)
    {
        thread_local std::mt19937_64 generator{std::random_device{}()};
        std::lock_guard lock(mutex);
        for (auto& f : faults) {
            if (f.times == 0 || (!f.method.empty() && f.method != request.method) ||
                !request.target.starts_with(f.path_prefix))
                continue;
            if (f.probability < 1.0 &&
                std::uniform_real_distribution<double>(0, 1)(generator) >= f.probability)
                continue;
            --f.times;
            return f;
        }
        return std::nullopt;
    }

    // What a fired fault answers; the handler does not run.
    static http_response fault_response(const fault& f)
    {
        using kind = fault::kind;
        switch (f.type) {
        case kind::status:
            return normalized_error(f.status);
        case kind::rate_limit:
            return error_response(429, "Rate limit exceeded. Retry after " +
                                           std::to_string(f.retry_after_seconds) + " seconds");
        case kind::close_before_answer:
            return {500, "application/json", "", true};
        case kind::malformed_json:
            return {200, "application/json", "{\"data\": [", false};
        case kind::oversized_body: {
            std::string body = "{\"data\":[],\"pad\":\"";
            body.append(f.body_size, 'x');
            return {200, "application/json", body + "\"}", false};
        }
        default: {
            http_response r = normalized_error(500); // stand-in body for the transport faults
            r.transport_fault = f.type;
            r.delay = f.delay;
            return r;
        }
        }
    }

    id_type new_id() { return next_id += 4096 + 7; }

    // ---- shared reads -----------------------------------------------------------------------------

    const email_row* primary_email(const user_row& u) const
    {
        if (!u.primary_email_id)
            return nullptr;
        auto it = emails.find(*u.primary_email_id);
        return it == emails.end() ? nullptr : &it->second;
    }
    const phone_row* primary_phone(const user_row& u) const
    {
        if (!u.primary_phone_id)
            return nullptr;
        auto it = phones.find(*u.primary_phone_id);
        return it == phones.end() ? nullptr : &it->second;
    }

    // The list item: username as stored (""), phone with its country code in front.
    wacht::user list_item(const user_row& u) const
    {
        wacht::user out{id_text(u.id), u.created_at,          u.updated_at, u.first_name, u.last_name,
                        u.username,    u.profile_picture_url, std::nullopt, std::nullopt};
        if (const auto* e = primary_email(u))
            out.primary_email_address = e->email;
        if (const auto* p = primary_phone(u))
            out.primary_phone_number = p->country_code + p->phone_number;
        return out;
    }

    // E3 decrypts the OAuth tokens; E4 returns the stored ciphertext (here: "enc:" + hex).
    enum class tokens
    {
        plaintext,
        ciphertext
    };

    static std::string encrypted(std::string_view token)
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

    wacht::social_connection social_model(const social_row& c, tokens form) const
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

    wacht::user_details details(const user_row& u, timestamp now, tokens form = tokens::plaintext) const
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
                                       p.phone_number, p.country_code, p.verified,
                                       p.verified_at.value_or(now)});
        });
        social_connections.for_user_newest_first(
            u.id, [&](const social_row& c) { d.social_connections.push_back(social_model(c, form)); });
        d.has_password = u.password.has_value();
        d.has_backup_codes = u.has_backup_codes;
        return d;
    }

    bool email_taken(std::string_view email) const
    {
        return std::any_of(emails.begin(), emails.end(),
                           [&](const auto& e) { return e.second.email == email; });
    }
    bool username_taken(std::string_view username) const
    {
        return std::any_of(users.begin(), users.end(),
                           [&](const auto& u) { return u.second.username == username; });
    }

    // The lower-cased text the search index holds for a user.
    std::string search_text(const user_row& u) const
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

    void insert_user(const user_row& u)
    {
        users[u.id] = u;
        users_by_created.emplace(u.created_at.time_since_epoch().count(), u.id);
    }

    void delete_user_cascade(id_type user_id)
    {
        if (auto it = users.find(user_id); it != users.end()) {
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

    // ---- validation (contract E2 stage A and B, E4, E6) ------------------------------------------

    // Stage B's password rules; appends "password: ..." entries.
    void password_rules(std::string_view password, std::vector<std::string>& failures) const
    {
        const auto& s = options.auth;
        if (trim(password).empty()) {
            failures.emplace_back("password: Password is required");
            return;
        }
        if (password.size() < s.password_min_length)
            failures.push_back("password: Password must be at least " +
                               std::to_string(s.password_min_length) + " characters");
        const auto has = [&](auto predicate) {
            return std::any_of(password.begin(), password.end(), predicate);
        };
        if (s.password_requires_lowercase && !has([](char c) { return c >= 'a' && c <= 'z'; }))
            failures.emplace_back("password: Password must contain at least one lowercase letter");
        if (s.password_requires_uppercase && !has([](char c) { return c >= 'A' && c <= 'Z'; }))
            failures.emplace_back("password: Password must contain at least one uppercase letter");
        if (s.password_requires_number && !has([](char c) { return c >= '0' && c <= '9'; }))
            failures.emplace_back("password: Password must contain at least one number");
        static constexpr std::string_view special = "!@#$%^&*()_+-=[]{}|;:,.<>?";
        if (s.password_requires_special &&
            !has([](char c) { return special.find(c) != std::string_view::npos; }))
            failures.emplace_back("password: Password must contain at least one special character");
    }

    static void fail_validation(const std::vector<std::string>& failures)
    {
        std::string message = "Validation failed: ";
        for (std::size_t i = 0; i < failures.size(); ++i)
            message += (i ? ", " : "") + failures[i];
        fail(400, message);
    }

    // ---- handlers -----------------------------------------------------------------------------------

    // Every row that matches the search, the first `wanted` of them in list order. Each row's key is
    // computed once, and only the rows up to the end of the page are ordered.
    template <class Row, class KeyOf, class Matches>
    std::vector<const Row*> ordered_rows(const std::map<id_type, Row>& table, std::string_view sort_key,
                                         bool descending, const std::string& search, std::size_t wanted,
                                         KeyOf& key_of, Matches& matches)
    {
        struct keyed_row
        {
            std::optional<sort_value> key;
            const Row* row;
        };
        std::vector<keyed_row> keyed;
        keyed.reserve(table.size());
        const auto pattern = "%" + to_lower(search) + "%";
        for (const auto& [id, row] : table)
            if (search.empty() || matches(row, pattern))
                keyed.push_back({key_of(row, sort_key), &row});
        // NULLs first in DESC order and last in ASC order, as Postgres does. The real server has no
        // tie-breaker; the emulator breaks ties by id so that paging is repeatable.
        const auto before = [&](const keyed_row* a, const keyed_row* b) {
            if (a->key.has_value() != b->key.has_value())
                return descending ? !a->key : !b->key;
            if (a->key)
                if (const auto order = *a->key <=> *b->key; order != 0)
                    return descending ? order > 0 : order < 0;
            return descending ? a->row->id > b->row->id : a->row->id < b->row->id;
        };
        std::vector<const keyed_row*> order;
        order.reserve(keyed.size());
        for (const auto& k : keyed)
            order.push_back(&k);
        const auto page_end = std::min<std::size_t>(wanted, order.size());
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(page_end), order.end(),
                          before);
        std::vector<const Row*> rows;
        rows.reserve(order.size());
        for (const auto* k : order)
            rows.push_back(k->row);
        return rows;
    }

    // The paged lists (users, invitations, waitlist): the query, the search, the sort and the page.
    // `key_of(row, sort_key)` gives a row's sort value (nullopt for NULL); `matches(row, pattern)` runs
    // the LIKE search; `to_model(row)` gives an item's model. Takes the lock itself.
    // `by_created`, when given, holds the rows' (created_at, id) in order: the default order without a
    // search then walks it instead of sorting the table.
    template <class Row, class KeyOf, class Matches, class ToModel>
    http_response paged_list(const query_map& query, std::initializer_list<std::string_view> sort_keys,
                             const std::map<id_type, Row>& table, KeyOf key_of, Matches matches,
                             ToModel to_model,
                             const std::set<std::pair<std::int64_t, id_type>>* by_created = nullptr)
    {
        const auto limit = query_usize(query, "limit").value_or(10);
        const auto offset = query_i64(query, "offset").value_or(0);
        const auto sort_key = query_enum(query, "sort_key", sort_keys).value_or("created_at");
        const auto sort_order = query_enum(query, "sort_order", {"asc", "desc"});
        const auto search = std::string(trim(query_value(query, "search").value_or("")));
        // limit + 1 is computed in an i32 and a negative offset reaches Postgres: both are 500s.
        if (limit >= 2147483647u || offset < 0)
            fail(500, "Something went wrong");

        std::lock_guard lock(mutex);
        const bool descending = sort_order.value_or("desc") == "desc";
        std::vector<const Row*> rows;
        std::size_t matched = 0;
        if (by_created && sort_key == "created_at" && search.empty()) {
            // Ties in created_at are broken by id, in the same direction, as the general path does.
            const auto page_end =
                std::min<std::size_t>(static_cast<std::size_t>(offset) + limit, table.size());
            const auto take = [&](auto first, auto last) {
                for (std::size_t i = 0; first != last && i < page_end; ++first, ++i)
                    rows.push_back(&table.at(first->second));
            };
            if (descending)
                take(by_created->rbegin(), by_created->rend());
            else
                take(by_created->begin(), by_created->end());
            matched = table.size();
        } else {
            rows = ordered_rows(table, sort_key, descending, search, static_cast<std::size_t>(offset) + limit,
                                key_of, matches);
            matched = rows.size();
        }
        const auto start = std::min<std::size_t>(static_cast<std::size_t>(offset), rows.size());
        const auto end = std::min<std::size_t>(start + limit, rows.size());
        http_response response{200, "application/json", {}};
        auto& body = response.body;
        body.reserve(64 + (end - start) * 512);
        body += "{\"data\":[";
        for (auto i = start; i < end; ++i) {
            if (i != start)
                body += ',';
            wacht::detail::append_json(body, to_model(*rows[i]));
        }
        body += "],\"has_more\":";
        body += matched > start + limit ? "true" : "false";
        body += ",\"limit\":" + std::to_string(limit) + ",\"offset\":" + std::to_string(offset) + "}";
        return response;
    }

    http_response list_users(const query_map& query)
    {
        return paged_list(
            query, {"created_at", "username", "email", "phone_number"}, users,
            [&](const user_row& u, std::string_view key) -> std::optional<sort_value> {
                if (key == "username")
                    return sort_value(u.username);
                if (key == "email") {
                    const auto* e = primary_email(u);
                    return e ? std::optional<sort_value>(e->email) : std::nullopt;
                }
                if (key == "phone_number") {
                    const auto* p = primary_phone(u);
                    return p ? std::optional<sort_value>(p->phone_number) : std::nullopt;
                }
                return sort_time(u.created_at);
            },
            [&](const user_row& u, const std::string& pattern) {
                return like_match(search_text(u), pattern);
            },
            [&](const user_row& u) { return list_item(u); }, &users_by_created);
    }

    // The fields of a multipart request, checked the way the server's multipart helper does.
    struct form_fields
    {
        std::map<std::string, std::string> text;
        struct image
        {
            std::string extension, content_type, bytes;
        };
        std::optional<image> profile_image;
    };

    static form_fields read_form(const http_request& request,
                                 std::initializer_list<std::string_view> text_fields)
    {
        if (request.body_too_large)
            fail(400, "Error parsing `multipart/form-data` request");
        auto boundary = multipart_boundary(request.content_type);
        if (!boundary)
            fail_normalized(400);
        auto parts = parse_multipart(request.body, *boundary);
        if (!parts)
            fail(400, "Error parsing `multipart/form-data` request");
        form_fields fields;
        for (auto& part : *parts) {
            if (part.name.empty())
                fail(400, "Multipart field name is missing");
            if (part.name == "profile_image") {
                if (!part.content_type.starts_with("image/") || part.data.empty())
                    continue; // silently ignored, as the server does
                const auto extension = image_extension(part.content_type);
                if (!extension)
                    fail(400, "Unsupported image format. Supported formats: JPEG, PNG, GIF, WEBP, ICO");
                fields.profile_image = {std::string(*extension), std::move(part.content_type),
                                        std::move(part.data)};
                continue;
            }
            if (std::find(text_fields.begin(), text_fields.end(), part.name) == text_fields.end())
                continue; // unknown parts are ignored
            if (!is_utf8(part.data))
                fail(400, "Multipart field '" + part.name + "' must be valid UTF-8 text");
            fields.text[part.name] = std::move(part.data); // the last repeat wins
        }
        return fields;
    }

    static std::optional<std::string> text_field(const form_fields& f, const std::string& name)
    {
        auto it = f.text.find(name);
        return it == f.text.end() ? std::nullopt : std::optional(it->second);
    }

    // Trimmed; an empty value counts as absent.
    static std::optional<std::string> trimmed_field(const form_fields& f, const std::string& name)
    {
        auto value = text_field(f, name);
        if (!value)
            return std::nullopt;
        auto t = std::string(trim(*value));
        return t.empty() ? std::nullopt : std::optional(t);
    }

    static void store_image(user_row& u, form_fields::image image)
    {
        u.profile_picture_url = "https://cdn.wacht.dev/deployments/" + id_text(deployment_id) + "/users/" +
                                id_text(u.id) + "/profile." + image.extension;
        u.profile_image_type = std::move(image.content_type);
        u.profile_image = std::move(image.bytes);
    }

    http_response create_user(const http_request& request)
    {
        auto form = read_form(request, {"first_name", "last_name", "email_address", "phone_number",
                                        "username", "password", "skip_password_check"});
        const auto first_name = text_field(form, "first_name").value_or("");
        const auto last_name = text_field(form, "last_name").value_or("");
        const auto email = trimmed_field(form, "email_address");
        const auto phone = trimmed_field(form, "phone_number");
        const auto username = trimmed_field(form, "username");
        const auto password = trimmed_field(form, "password");
        const bool skip_password_check = text_field(form, "skip_password_check") == "true";
        const auto& s = options.auth;

        // Stage A: the handler's checks, first failure only; a null `required` counts as true.
        const auto required_a = [](const field_setting& f) { return f.enabled && f.required.value_or(true); };
        if (required_a(s.first_name) && trim(first_name).empty())
            fail(400, "First name is required");
        if (required_a(s.last_name) && trim(last_name).empty())
            fail(400, "Last name is required");
        if (required_a(s.email_address) && !email)
            fail(400, "Email address is required");
        if (required_a(s.phone_number) && !phone)
            fail(400, "Phone number is required");
        if (required_a(s.username) && !username)
            fail(400, "Username is required");
        if (s.password_enabled && !skip_password_check) {
            if (password && password->size() < s.password_min_length)
                fail(400,
                     "Password must be at least " + std::to_string(s.password_min_length) + " characters");
            if (!password && s.password_min_length > 0)
                fail(400, "Password is required");
        }

        // Stage B: the command's validator, every failure; a null `required` counts as false.
        std::vector<std::string> failures;
        const auto required_b = [](const field_setting& f) { return f.required.value_or(false); };
        if (required_b(s.first_name) && trim(first_name).empty())
            failures.emplace_back("first_name: First name is required");
        if (required_b(s.last_name) && trim(last_name).empty())
            failures.emplace_back("last_name: Last name is required");
        static const std::regex email_pattern(R"(^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$)");
        if (!email) {
            if (required_b(s.email_address))
                failures.emplace_back("email_address: Email address is required");
        } else if (!std::regex_match(*email, email_pattern)) {
            failures.emplace_back("email_address: Invalid email format");
        }
        static const std::regex phone_short(R"(^\+?[1-9]\d{1,14}$)");
        static const std::regex phone_long(R"(^\+?[1-9][\d\s\-\(\)]{7,20}$)");
        if (!phone) {
            if (required_b(s.phone_number))
                failures.emplace_back("phone_number: Phone number is required");
        } else {
            std::string digits;
            for (char c : *phone)
                if (c != ' ' && c != '-' && c != '(' && c != ')')
                    digits += c;
            if (!std::regex_match(digits, phone_short) && !std::regex_match(digits, phone_long))
                failures.emplace_back("phone_number: Invalid phone number format");
        }
        if (!username) {
            if (required_b(s.username))
                failures.emplace_back("username: Username is required");
        } else {
            if (username->size() < s.username_min_length)
                failures.push_back("username: Username must be at least " +
                                   std::to_string(s.username_min_length) + " characters");
            if (username->size() > s.username_max_length)
                failures.push_back("username: Username must be at most " +
                                   std::to_string(s.username_max_length) + " characters");
            if (!is_username_text(*username))
                failures.emplace_back(
                    "username: Username can only contain letters, numbers, underscores, and hyphens");
        }
        if (s.password_enabled && !skip_password_check)
            password_rules(password.value_or(""), failures);
        if (!failures.empty())
            fail_validation(failures);

        std::lock_guard lock(mutex);
        if (s.unique_identifiers &&
            ((email && email_taken(*email)) || (username && username_taken(*username))))
            fail(409, "Resource already exists");
        const auto now = std::chrono::system_clock::now();
        const auto stored_now = db_time(now);
        user_row u;
        u.id = new_id();
        u.created_at = u.updated_at = stored_now;
        u.first_name = first_name;
        u.last_name = last_name;
        u.username = username.value_or("");
        u.password = password;
        if (email) {
            email_row e{new_id(), stored_now, stored_now, u.id, *email, true, true, stored_now, "otp"};
            u.primary_email_id = e.id;
            emails.put(e);
        }
        if (phone) {
            // The create command sets no country code; the column's default is taken to be "".
            phone_row p{new_id(), stored_now, stored_now, u.id, *phone, "", true, stored_now};
            u.primary_phone_id = p.id;
            phones.put(p);
        }
        if (form.profile_image)
            store_image(u, std::move(*form.profile_image));
        insert_user(u);

        // Built in memory from "now": nanosecond timestamps, URL always "".
        wacht::user out{id_text(u.id), now, now, first_name, last_name, username, "", email, phone};
        return model_response(out);
    }

    http_response user_details(id_type user_id)
    {
        std::lock_guard lock(mutex);
        auto it = users.find(user_id);
        if (it == users.end())
            fail(404, "Resource not found");
        return model_response(details(it->second, std::chrono::system_clock::now()));
    }

    http_response update_user(id_type user_id, const http_request& request)
    {
        auto form =
            read_form(request, {"first_name", "last_name", "username", "public_metadata", "private_metadata",
                                "disabled", "second_factor_policy", "remove_profile_image"});
        const auto non_empty = [&](const std::string& name) {
            auto v = text_field(form, name);
            return (v && !v->empty()) ? v : std::nullopt; // "" is ignored
        };
        const auto first_name = non_empty("first_name");
        const auto last_name = non_empty("last_name");
        const auto username = non_empty("username");
        std::optional<std::string> policy = non_empty("second_factor_policy");
        if (policy && *policy != "none" && *policy != "optional" && *policy != "enforced")
            fail(400, "second_factor_policy must be one of: none, optional, enforced");
        std::optional<bool> disabled;
        if (auto v = text_field(form, "disabled"); v == "true" || v == "false")
            disabled = *v == "true";
        const auto metadata = [&](const std::string& name) -> std::optional<json::value> {
            auto v = text_field(form, name);
            if (!v || trim(*v).empty())
                return std::nullopt;
            boost::system::error_code ec;
            auto parsed = json::parse(*v, ec);
            return ec ? std::nullopt : std::optional(std::move(parsed)); // unparsable: silently ignored
        };
        const auto public_metadata = metadata("public_metadata");
        const auto private_metadata = metadata("private_metadata");
        const bool remove_image = text_field(form, "remove_profile_image") == "true";

        const auto& s = options.auth;
        const auto required_a = [](const field_setting& f) { return f.enabled && f.required.value_or(true); };
        if (first_name && trim(*first_name).empty() && required_a(s.first_name))
            fail(400, "First name cannot be empty");
        if (last_name && trim(*last_name).empty() && required_a(s.last_name))
            fail(400, "Last name cannot be empty");
        if (username && s.username.enabled) {
            const auto t = trim(*username);
            if (s.username.required.value_or(false) && t.empty())
                fail(400, "Username cannot be empty");
            if (t.size() < s.username_min_length)
                fail(400,
                     "Username must be at least " + std::to_string(s.username_min_length) + " characters");
            if (t.size() > s.username_max_length)
                fail(400,
                     "Username must be at most " + std::to_string(s.username_max_length) + " characters");
        }

        std::lock_guard lock(mutex);
        auto it = users.find(user_id);
        if (it == users.end())
            fail(404, "Resource not found");
        auto& u = it->second;
        const auto now = std::chrono::system_clock::now();
        if (first_name)
            u.first_name = *first_name;
        if (last_name)
            u.last_name = *last_name;
        if (username)
            u.username = *username; // stored untrimmed
        if (public_metadata)
            u.public_metadata = *public_metadata;
        if (private_metadata)
            u.private_metadata = *private_metadata;
        if (policy)
            u.second_factor_policy = *policy;
        if (disabled) {
            u.disabled = *disabled;
            if (*disabled) // disabling hard-deletes the user's sign-ins
                std::erase_if(signins, [&](const auto& row) { return row.second.user_id == user_id; });
        }
        if (remove_image) {
            u.profile_picture_url.clear();
            u.profile_image.clear();
            u.profile_image_type.clear();
        } else if (form.profile_image) {
            store_image(u, std::move(*form.profile_image));
        }
        u.updated_at = db_time(now);
        return model_response(details(u, now, tokens::ciphertext));
    }

    http_response delete_user(id_type user_id)
    {
        std::lock_guard lock(mutex);
        if (!users.contains(user_id))
            fail(404, "User not found");
        delete_user_cascade(user_id);
        return empty_success();
    }

    http_response update_password(id_type user_id, const http_request& request)
    {
        const auto body = json_body(request);
        const auto* password = body.if_contains("new_password");
        if (!password || !password->is_string())
            fail_normalized(422);
        bool skip = false;
        if (const auto* v = body.if_contains("skip_password_check")) {
            if (!v->is_bool())
                fail_normalized(422);
            skip = v->get_bool();
        }
        const std::string new_password(password->get_string());
        if (!skip && options.auth.password_enabled) {
            std::vector<std::string> failures;
            password_rules(new_password, failures);
            if (!failures.empty())
                fail_validation(failures);
        }
        std::lock_guard lock(mutex);
        // No existence check: an unknown user gets 200 and nothing changes.
        if (auto it = users.find(user_id); it != users.end())
            it->second.password = new_password;
        return empty_success();
    }

    http_response remove_password(id_type user_id)
    {
        std::lock_guard lock(mutex);
        auto it = users.find(user_id);
        if (it == users.end())
            fail(404, "user not found");
        it->second.password.reset();
        return empty_success();
    }

    // GET /_emulator/users/{id}/profile-image: the stored bytes (an emulator-only route for tests).
    http_response profile_image(id_type user_id)
    {
        std::lock_guard lock(mutex);
        auto it = users.find(user_id);
        if (it == users.end() || it->second.profile_image.empty())
            fail(404, "Resource not found");
        return {200, it->second.profile_image_type, it->second.profile_image};
    }

    // ---- identifiers (E8 to E15, E27, E28) ----------------------------------------------------------

    wacht::user_email email_model(const email_row& e, timestamp now) const
    {
        return {
            id_text(e.id), e.created_at, e.updated_at, id_text(deployment_id),      id_text(e.user_id),
            e.email,       e.is_primary, e.verified,   e.verified_at.value_or(now), e.verification_strategy};
    }

    wacht::user_phone phone_model(const phone_row& p, timestamp now) const
    {
        return {id_text(p.id),  p.created_at,   p.updated_at, id_text(p.user_id),
                p.phone_number, p.country_code, p.verified,   p.verified_at.value_or(now)};
    }

    // The user's emails lose the primary flag; `primary` gets it.
    void set_primary_email(user_row& u, email_row& primary)
    {
        emails.for_user(u.id, [](email_row& e) { e.is_primary = false; });
        primary.is_primary = true;
        u.primary_email_id = primary.id;
    }

    http_response add_email(id_type user_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        const auto email = body.required_string("email");
        const bool verified = body.optional_bool("verified").value_or(false);
        const bool is_primary = body.optional_bool("is_primary").value_or(false);
        std::lock_guard lock(mutex);
        auto user = users.find(user_id);
        if (user == users.end()) // the foreign key (contract section 5)
            fail(404, "Related resource not found");
        if (options.auth.unique_identifiers && email_taken(email))
            fail(409, "Resource already exists");
        const auto now = std::chrono::system_clock::now();
        const auto stored = db_time(now);
        // verified_at is stamped even for an unverified address, as the server does.
        const auto id = new_id();
        auto& e = emails.put({id, stored, stored, user_id, email, false, verified, stored, "otp"});
        if (is_primary)
            set_primary_email(user->second, e);
        return model_response(email_model(e, now));
    }

    http_response update_email(id_type user_id, id_type email_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        const auto email = body.optional_string("email");
        const auto verified = body.optional_bool("verified");
        const auto is_primary = body.optional_bool("is_primary");
        std::lock_guard lock(mutex);
        auto it = emails.find(email_id);
        if (it == emails.end() || it->second.user_id != user_id)
            fail(404, "Email not found");
        auto& e = it->second;
        const auto now = std::chrono::system_clock::now();
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

    http_response delete_email(id_type user_id, id_type email_id)
    {
        std::lock_guard lock(mutex);
        // Always 200; the user's primary_email_address_id is left as it was.
        if (auto it = emails.find(email_id); it != emails.end() && it->second.user_id == user_id) {
            emails.erase(it);
            social_connections.erase_if([&](const social_row& c) { return c.email_id == email_id; });
        }
        return empty_success();
    }

    http_response make_email_primary(id_type user_id, id_type email_id)
    {
        std::lock_guard lock(mutex);
        auto user = users.find(user_id);
        auto it = emails.find(email_id);
        if (user == users.end() || it == emails.end() || it->second.user_id != user_id)
            fail(404, "email not found");
        if (!it->second.verified)
            fail(400, "email must be verified before it can be marked primary");
        set_primary_email(user->second, it->second);
        return empty_success();
    }

    http_response add_phone(id_type user_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        const auto number = body.required_string("phone_number");
        const auto country_code = body.required_string("country_code");
        const bool verified = body.optional_bool("verified").value_or(false);
        const bool is_primary = body.optional_bool("is_primary").value_or(false);
        std::lock_guard lock(mutex);
        auto user = users.find(user_id);
        if (user == users.end())
            fail(404, "Related resource not found");
        const auto now = std::chrono::system_clock::now();
        const auto stored = db_time(now);
        const auto id = new_id();
        const auto& p = phones.put({id, stored, stored, user_id, number, country_code, verified,
                                    verified ? std::optional(stored) : std::nullopt});
        if (is_primary) // phones have no flag of their own
            user->second.primary_phone_id = id;
        return model_response(phone_model(p, now));
    }

    http_response update_phone(id_type user_id, id_type phone_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        const auto number = body.optional_string("phone_number");
        const auto country_code = body.optional_string("country_code");
        const auto verified = body.optional_bool("verified");
        const auto is_primary = body.optional_bool("is_primary");
        std::lock_guard lock(mutex);
        auto it = phones.find(phone_id);
        if (it == phones.end() || it->second.user_id != user_id)
            fail(404, "Phone number not found");
        auto& p = it->second;
        const auto now = std::chrono::system_clock::now();
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

    http_response delete_phone(id_type user_id, id_type phone_id)
    {
        std::lock_guard lock(mutex);
        if (auto it = phones.find(phone_id); it != phones.end() && it->second.user_id == user_id)
            phones.erase(it);
        return empty_success();
    }

    http_response make_phone_primary(id_type user_id, id_type phone_id)
    {
        std::lock_guard lock(mutex);
        auto user = users.find(user_id);
        auto it = phones.find(phone_id);
        if (user == users.end() || it == phones.end() || it->second.user_id != user_id)
            fail(404, "phone not found");
        if (!it->second.verified)
            fail(400, "phone must be verified before it can be marked primary");
        user->second.primary_phone_id = phone_id;
        return empty_success();
    }

    // The unpaged lists: everything, has_more false, no limit or offset.
    static http_response whole_list(json::array data)
    {
        return json_response(200, json::object{{"data", std::move(data)}, {"has_more", false}});
    }

    http_response list_social_connections(id_type user_id)
    {
        std::lock_guard lock(mutex);
        json::array data;
        social_connections.for_user_newest_first(user_id, [&](const social_row& c) {
            data.push_back(json::value_from(social_model(c, tokens::plaintext)));
        });
        return whole_list(std::move(data));
    }

    http_response delete_social_connection(id_type user_id, id_type connection_id)
    {
        std::lock_guard lock(mutex);
        if (auto it = social_connections.find(connection_id);
            it != social_connections.end() && it->second.user_id == user_id)
            social_connections.erase(it);
        return empty_success();
    }

    // ---- memberships (E16, E17) -----------------------------------------------------------------------

    static wacht::role role_model(const role_row& r)
    {
        return {id_text(r.id), r.created_at, r.updated_at, r.name, r.permissions, r.deployment_level};
    }

    static wacht::organization org_model(const org_row& o)
    {
        return {id_text(o.id),  o.created_at,      o.updated_at,      o.name, o.image_url, o.description,
                o.member_count, o.public_metadata, o.private_metadata};
    }

    template <class Membership>
    static std::vector<wacht::role> sorted_roles(const Membership& m)
    {
        std::vector<wacht::role> roles;
        for (const auto& r : m.roles)
            roles.push_back(role_model(r));
        std::sort(roles.begin(), roles.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        return roles;
    }

    http_response list_organization_memberships(id_type user_id)
    {
        std::lock_guard lock(mutex);
        json::array data;
        for (auto it = organization_memberships.rbegin(); it != organization_memberships.rend(); ++it) {
            const auto& m = it->second;
            if (m.user_id != user_id)
                continue;
            data.push_back(json::value_from(wacht::organization_membership{
                id_text(m.id), m.created_at, m.updated_at, id_text(m.organization_id), id_text(m.user_id),
                m.public_metadata, sorted_roles(m), org_model(organizations.at(m.organization_id))}));
        }
        return whole_list(std::move(data));
    }

    http_response list_workspace_memberships(id_type user_id)
    {
        std::lock_guard lock(mutex);
        json::array data;
        for (auto it = workspace_memberships.rbegin(); it != workspace_memberships.rend(); ++it) {
            const auto& m = it->second;
            if (m.user_id != user_id)
                continue;
            data.push_back(json::value_from(wacht::workspace_membership{
                id_text(m.id), m.created_at, m.updated_at, id_text(m.workspace_id),
                id_text(m.organization_id), id_text(m.organization_membership_id), id_text(m.user_id),
                m.public_metadata, sorted_roles(m), org_model(workspaces.at(m.workspace_id))}));
        }
        return whole_list(std::move(data));
    }

    // ---- sessions (E18 to E20) --------------------------------------------------------------------------

    static wacht::sign_in sign_in_model(const signin_row& s)
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

    http_response list_sessions(id_type user_id, const query_map& query)
    {
        bool include_expired = false;
        if (auto v = query_value(query, "include_expired")) {
            if (*v != "true" && *v != "false")
                fail_normalized(400);
            include_expired = *v == "true";
        }
        std::lock_guard lock(mutex);
        const auto now = std::chrono::system_clock::now();
        std::vector<const signin_row*> rows;
        for (const auto& [id, s] : signins)
            if (s.user_id == user_id && !s.deleted_at && (include_expired || s.expires_at > now))
                rows.push_back(&s);
        std::stable_sort(rows.begin(), rows.end(),
                         [](const auto* a, const auto* b) { return a->last_active_at > b->last_active_at; });
        json::array data;
        for (const auto* s : rows)
            data.push_back(json::value_from(sign_in_model(*s)));
        return whole_list(std::move(data));
    }

    http_response revoke_session(id_type user_id, id_type signin_id)
    {
        std::lock_guard lock(mutex);
        auto it = signins.find(signin_id);
        if (it == signins.end() || it->second.user_id != user_id || it->second.deleted_at)
            fail(404, "signin not found");
        it->second.deleted_at = db_time(std::chrono::system_clock::now()); // expired ones too
        return empty_success();
    }

    http_response revoke_all_sessions(id_type user_id)
    {
        std::lock_guard lock(mutex);
        std::uint64_t revoked = 0;
        const auto now = db_time(std::chrono::system_clock::now());
        for (auto& [id, s] : signins) // no expiry filter: expired, un-revoked rows count too
            if (s.user_id == user_id && !s.deleted_at) {
                s.deleted_at = now;
                ++revoked;
            }
        return model_response(wacht::revoke_all_result{revoked});
    }

    // ---- passkeys (E21 to E23) --------------------------------------------------------------------------

    static wacht::passkey passkey_model(const passkey_row& p)
    {
        return {id_text(p.id), p.created_at, p.updated_at,   id_text(p.user_id), p.name,
                p.sign_count,  p.transports, p.last_used_at, p.backed_up,        p.device_type};
    }

    http_response list_passkeys(id_type user_id)
    {
        std::lock_guard lock(mutex);
        json::array data;
        for (auto it = passkeys.rbegin(); it != passkeys.rend(); ++it)
            if (it->second.user_id == user_id && !it->second.deleted)
                data.push_back(json::value_from(passkey_model(it->second)));
        return whole_list(std::move(data));
    }

    passkey_row* find_passkey(id_type user_id, id_type passkey_id)
    {
        auto it = passkeys.find(passkey_id);
        if (it == passkeys.end() || it->second.user_id != user_id || it->second.deleted)
            fail(404, "passkey not found");
        return &it->second;
    }

    http_response rename_passkey(id_type user_id, id_type passkey_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        const auto name = std::string(trim(body.required_string("name")));
        if (name.empty())
            fail(400, "name cannot be empty");
        std::lock_guard lock(mutex);
        auto* p = find_passkey(user_id, passkey_id);
        p->name = name;
        p->updated_at = db_time(std::chrono::system_clock::now());
        return empty_success();
    }

    http_response delete_passkey(id_type user_id, id_type passkey_id)
    {
        std::lock_guard lock(mutex);
        find_passkey(user_id, passkey_id)->deleted = true;
        return empty_success();
    }

    // ---- MFA (E24 to E26) -------------------------------------------------------------------------------

    http_response create_authenticator(id_type user_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        const auto secret = detail::normalize_base32(body.required_string("secret"));
        auto account_name = body.optional_string("account_name");
        if (account_name && trim(*account_name).empty())
            account_name.reset();
        else if (account_name)
            account_name = std::string(trim(*account_name));
        const auto size = detail::base32_decoded_size(secret);
        if (!size)
            fail(400, "invalid base32 secret");
        if (*size < 16)
            fail(400, "secret too short \u2014 TOTP secrets must be at least 128 bits (16 bytes)");
        std::lock_guard lock(mutex);
        auto user = users.find(user_id);
        if (user == users.end())
            fail(404, "user not found");
        for (const auto& [id, t] : authenticators)
            if (t.user_id == user_id && !t.deleted)
                fail(409, "user already has an active authenticator");
        if (account_name && account_name->find(':') != std::string::npos)
            fail(400, "account_name cannot contain ':'");
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
        const auto url = "otpauth://totp/" + detail::percent_encode(issuer) + ":" +
                         detail::percent_encode(account) + "?secret=" + secret +
                         "&issuer=" + detail::percent_encode(issuer) + "&algorithm=SHA1&digits=6&period=30";
        return model_response(wacht::authenticator_created{id_text(id), url});
    }

    http_response delete_authenticator(id_type user_id)
    {
        std::lock_guard lock(mutex);
        bool any = false;
        for (auto& [id, t] : authenticators)
            if (t.user_id == user_id && !t.deleted)
                t.deleted = any = true;
        if (!any)
            fail(404, "authenticator not found");
        return empty_success();
    }

    http_response regenerate_backup_codes(id_type user_id)
    {
        std::lock_guard lock(mutex);
        auto user = users.find(user_id);
        if (user == users.end())
            fail(404, "user not found");
        static constexpr std::string_view alphabet =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        wacht::backup_codes codes;
        for (int i = 0; i < 12; ++i)
            codes.codes.push_back(random_text(alphabet, 4) + "-" + random_text(alphabet, 4));
        user->second.has_backup_codes = true;
        return model_response(codes);
    }

    // ---- invitations and waitlist (E29 to E33) ----------------------------------------------------------

    static wacht::invitation invitation_model(const invitation_row& i)
    {
        return {id_text(i.id),          i.created_at, i.updated_at,
                id_text(deployment_id), i.first_name, i.last_name,
                i.email_address,        i.token,      i.expiry};
    }

    static wacht::waitlist_user waitlist_model(const waitlist_row& w)
    {
        return {id_text(w.id),   w.created_at, w.updated_at, id_text(deployment_id),
                w.email_address, w.first_name, w.last_name};
    }

    http_response list_invitations(const query_map& query)
    {
        return paged_list(
            query, {"created_at", "email"}, invitations,
            [](const invitation_row& i, std::string_view key) -> std::optional<sort_value> {
                return key == "email" ? sort_value(i.email_address) : sort_time(i.created_at);
            },
            [](const invitation_row& i, const std::string& pattern) {
                return like_match(to_lower(i.first_name), pattern) ||
                       like_match(to_lower(i.last_name), pattern) ||
                       like_match(to_lower(i.email_address), pattern);
            },
            [](const invitation_row& i) { return invitation_model(i); });
    }

    // Inserts an invitation; the response's timestamps are "now" with nanoseconds.
    http_response create_invitation(std::string first_name, std::string last_name, std::string email,
                                    std::int64_t expiry_days)
    {
        const auto now = std::chrono::system_clock::now();
        // chrono panics (and the connection drops) past its range of about +-262,000 years.
        if (expiry_days > 95'000'000 || expiry_days < -95'000'000)
            return {500, "application/json", "", true};
        const auto expiry = now + std::chrono::days(expiry_days);
        const auto id = new_id();
        invitation_row row{id,
                           db_time(now),
                           db_time(now),
                           std::move(first_name),
                           std::move(last_name),
                           std::move(email),
                           "dep." + random_text("0123456789abcdef", 64),
                           db_time(expiry)};
        invitations[id] = row;
        row.created_at = row.updated_at = now;
        row.expiry = expiry;
        return model_response(invitation_model(row));
    }

    http_response invite(const http_request& request)
    {
        const body_fields body(json_body(request));
        auto first_name = body.required_string("first_name");
        auto last_name = body.required_string("last_name");
        auto email = body.required_string("email_address");
        const auto days = body.optional_int("expiry_days").value_or(7);
        std::lock_guard lock(mutex); // no validation of any kind, duplicates included
        return create_invitation(std::move(first_name), std::move(last_name), std::move(email), days);
    }

    http_response delete_invitation(id_type invitation_id)
    {
        std::lock_guard lock(mutex);
        if (invitations.erase(invitation_id) == 0)
            fail(404, "Invitation not found");
        return empty_success();
    }

    http_response list_waitlist(const query_map& query)
    {
        return paged_list(
            query, {"created_at", "email"}, waitlist,
            [](const waitlist_row& w, std::string_view key) -> std::optional<sort_value> {
                return key == "email" ? sort_value(w.email_address) : sort_time(w.created_at);
            },
            [](const waitlist_row& w, const std::string& pattern) {
                return like_match(to_lower(w.first_name.value_or("")), pattern) ||
                       like_match(to_lower(w.last_name.value_or("")), pattern) ||
                       like_match(to_lower(w.email_address), pattern);
            },
            [](const waitlist_row& w) { return waitlist_model(w); });
    }

    http_response approve_waitlist_user(id_type waitlist_id)
    {
        std::lock_guard lock(mutex);
        auto it = waitlist.find(waitlist_id);
        if (it == waitlist.end())
            fail(404, "Waitlist user not found");
        auto entry = std::move(it->second);
        waitlist.erase(it); // in the same transaction as the invitation
        return create_invitation(entry.first_name.value_or(""), entry.last_name.value_or(""),
                                 std::move(entry.email_address), 7);
    }

    // ---- seeding routes under /_emulator (not part of the real API) -------------------------------------

    user_row& existing_user(id_type user_id)
    {
        auto it = users.find(user_id);
        if (it == users.end())
            fail(404, "Resource not found");
        return it->second;
    }

    static std::optional<timestamp> optional_time(const body_fields& body, std::string_view key)
    {
        auto text = body.optional_string(key);
        if (!text)
            return std::nullopt;
        auto t = parse_timestamp(*text);
        if (!t)
            fail_normalized(422);
        return db_time(*t);
    }

    // POST /_emulator/users/{id}/sessions {expires_at?, last_active_at?, ip_address?, browser?, device?,
    // city?, region?, region_code?, country?, country_code?}: a sign-in (default: expires in a day).
    http_response seed_session(id_type user_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        std::lock_guard lock(mutex);
        existing_user(user_id);
        const auto now = db_time(std::chrono::system_clock::now());
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
        signins[s.id] = s;
        return model_response(sign_in_model(s));
    }

    // POST /_emulator/users/{id}/passkeys {name, sign_count?, transports?, backed_up?, device_type?,
    // last_used_at?}.
    http_response seed_passkey(id_type user_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        std::lock_guard lock(mutex);
        existing_user(user_id);
        const auto now = db_time(std::chrono::system_clock::now());
        passkey_row p;
        p.id = new_id();
        p.user_id = user_id;
        p.created_at = p.updated_at = now;
        p.name = body.required_string("name");
        p.sign_count = static_cast<std::int32_t>(body.optional_int("sign_count").value_or(0));
        if (const auto* t = body.value("transports")) {
            if (!t->is_array())
                fail_normalized(422);
            p.transports.emplace();
            for (const auto& item : t->get_array()) {
                if (!item.is_string())
                    fail_normalized(422);
                p.transports->emplace_back(item.get_string());
            }
        }
        p.backed_up = body.optional_bool("backed_up");
        p.device_type = body.optional_string("device_type");
        p.last_used_at = optional_time(body, "last_used_at");
        passkeys[p.id] = p;
        return model_response(passkey_model(p));
    }

    // POST /_emulator/users/{id}/social-connections {provider, email_address?, access_token?,
    // refresh_token?}: linked to the user's address with that email (default: the primary one).
    http_response seed_social_connection(id_type user_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        std::lock_guard lock(mutex);
        auto& u = existing_user(user_id);
        const auto wanted = body.optional_string("email_address");
        const email_row* email = wanted ? nullptr : primary_email(u);
        if (wanted)
            emails.for_user(user_id, [&](const email_row& e) {
                if (e.email == *wanted)
                    email = &e;
            });
        if (!email)
            fail(404, "Related resource not found");
        const auto now = db_time(std::chrono::system_clock::now());
        social_row c{new_id(),
                     now,
                     now,
                     user_id,
                     email->id,
                     body.required_string("provider"),
                     email->email,
                     body.optional_string("access_token").value_or(""),
                     body.optional_string("refresh_token").value_or("")};
        social_connections.put(c);
        return model_response(social_model(c, tokens::plaintext));
    }

    std::vector<role_row> seed_roles(const body_fields& body, timestamp now)
    {
        std::vector<role_row> roles;
        if (const auto* list = body.value("roles")) {
            if (!list->is_array())
                fail_normalized(422);
            for (const auto& item : list->get_array()) {
                if (!item.is_object())
                    fail_normalized(422);
                const body_fields role(item.get_object());
                role_row r{new_id(), now,
                           now,      role.required_string("name"),
                           {},       role.optional_bool("is_deployment_level").value_or(false)};
                if (const auto* permissions = role.value("permissions");
                    permissions && permissions->is_array())
                    for (const auto& p : permissions->get_array())
                        if (p.is_string())
                            r.permissions.emplace_back(p.get_string());
                roles.push_back(std::move(r));
            }
        }
        return roles;
    }

    org_row seed_org(const body_fields& body, std::string_view key, timestamp now)
    {
        const auto* value = body.value(key);
        if (!value || !value->is_object())
            fail_normalized(422);
        const body_fields o(value->get_object());
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
        return row;
    }

    // POST /_emulator/users/{id}/organization-memberships {organization: {name, description?, image_url?,
    // member_count?, public_metadata?, private_metadata?}, roles?: [{name, permissions?,
    // is_deployment_level?}], public_metadata?}.
    http_response seed_organization_membership(id_type user_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        std::lock_guard lock(mutex);
        existing_user(user_id);
        const auto now = db_time(std::chrono::system_clock::now());
        const auto org = seed_org(body, "organization", now);
        organizations[org.id] = org;
        org_membership_row m{new_id(), now, now, org.id, user_id, json::object{}, seed_roles(body, now)};
        if (const auto* md = body.value("public_metadata"))
            m.public_metadata = *md;
        organization_memberships[m.id] = m;
        return model_response(wacht::organization_membership{
            id_text(m.id), m.created_at, m.updated_at, id_text(org.id), id_text(user_id), m.public_metadata,
            sorted_roles(m), org_model(org)});
    }

    // POST /_emulator/users/{id}/workspace-memberships {organization_membership_id, workspace: {...as
    // organization}, roles?, public_metadata?}.
    http_response seed_workspace_membership(id_type user_id, const http_request& request)
    {
        const body_fields body(json_body(request));
        const auto parent_text = body.required_string("organization_membership_id");
        const auto parent_id = parse_signed(parent_text);
        std::lock_guard lock(mutex);
        existing_user(user_id);
        auto parent = parent_id ? organization_memberships.find(*parent_id) : organization_memberships.end();
        if (parent == organization_memberships.end() || parent->second.user_id != user_id)
            fail(404, "Related resource not found");
        const auto now = db_time(std::chrono::system_clock::now());
        const auto ws = seed_org(body, "workspace", now);
        workspaces[ws.id] = ws;
        workspace_membership_row m{new_id(),
                                   now,
                                   now,
                                   ws.id,
                                   parent->second.organization_id,
                                   parent->first,
                                   user_id,
                                   json::object{},
                                   seed_roles(body, now)};
        if (const auto* md = body.value("public_metadata"))
            m.public_metadata = *md;
        workspace_memberships[m.id] = m;
        return model_response(
            wacht::workspace_membership{id_text(m.id), m.created_at, m.updated_at, id_text(ws.id),
                                        id_text(m.organization_id), id_text(m.organization_membership_id),
                                        id_text(user_id), m.public_metadata, sorted_roles(m), org_model(ws)});
    }

    // POST /_emulator/waitlist {email_address, first_name?, last_name?}.
    http_response seed_waitlist_user(const http_request& request)
    {
        const body_fields body(json_body(request));
        std::lock_guard lock(mutex);
        const auto now = db_time(std::chrono::system_clock::now());
        waitlist_row w{new_id(),
                       now,
                       now,
                       body.required_string("email_address"),
                       body.optional_string("first_name"),
                       body.optional_string("last_name")};
        waitlist[w.id] = w;
        return model_response(waitlist_model(w));
    }

    // ---- request plumbing ---------------------------------------------------------------------------

    // The axum Json extractor: content type, then syntax (400), then shape (422).
    static json::object json_body(const http_request& request)
    {
        if (!is_json_content_type(request.content_type))
            fail_normalized(415);
        if (request.body_too_large)
            fail_normalized(413);
        boost::system::error_code ec;
        auto value = json::parse(request.body, ec);
        if (ec)
            fail_normalized(400);
        if (!value.is_object())
            fail_normalized(422);
        return std::move(value.get_object());
    }

    // One query value; a repeated known field is a deserialization error (400).
    static std::optional<std::string> query_value(const query_map& q, const std::string& key)
    {
        auto it = q.find(key);
        if (it == q.end())
            return std::nullopt;
        if (it->second.size() != 1)
            fail_normalized(400);
        return it->second.front();
    }
    static std::optional<std::uint64_t> query_usize(const query_map& q, const std::string& key)
    {
        auto text = query_value(q, key);
        if (!text)
            return std::nullopt;
        auto v = parse_unsigned(*text);
        if (!v)
            fail_normalized(400);
        return v;
    }
    static std::optional<std::int64_t> query_i64(const query_map& q, const std::string& key)
    {
        auto text = query_value(q, key);
        if (!text)
            return std::nullopt;
        auto v = parse_signed(*text);
        if (!v)
            fail_normalized(400);
        return v;
    }
    static std::optional<std::string> query_enum(const query_map& q, const std::string& key,
                                                 std::initializer_list<std::string_view> allowed)
    {
        auto text = query_value(q, key);
        if (text && std::find(allowed.begin(), allowed.end(), *text) == allowed.end())
            fail_normalized(400);
        return text;
    }

    void seed(std::size_t count)
    {
        static constexpr std::string_view first_names[] = {"Ada",   "Grace",    "Alan",   "Barbara", "Edsger",
                                                           "Linus", "Margaret", "Dennis", "Frances", "Ken"};
        static constexpr std::string_view last_names[] = {"Lovelace", "Hopper",   "Turing",   "Liskov",
                                                          "Dijkstra", "Torvalds", "Hamilton", "Ritchie",
                                                          "Allen",    "Thompson"};
        const auto base = db_time(std::chrono::system_clock::now()) - std::chrono::seconds(count + 1);
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
                        to_lower(u.first_name) + "." + to_lower(u.last_name) + std::to_string(i) +
                            "@example.com",
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
};

api::api(api_options options) : state_(std::make_unique<state>())
{
    state_->options = std::move(options);
    state_->faults = state_->options.faults;
    state_->seed(state_->options.seed_users);
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

fault fault::parse(std::string_view text)
{
    static const std::pair<std::string_view, kind> kinds[] = {
        {"latency", kind::latency},
        {"status", kind::status},
        {"rate_limit", kind::rate_limit},
        {"close_before_answer", kind::close_before_answer},
        {"close_after_headers", kind::close_after_headers},
        {"close_mid_body", kind::close_mid_body},
        {"malformed_json", kind::malformed_json},
        {"oversized_body", kind::oversized_body},
        {"stall_headers", kind::stall_headers},
    };
    const auto colon = text.find(':');
    const auto name = text.substr(0, colon);
    fault f;
    const auto* found =
        std::find_if(std::begin(kinds), std::end(kinds), [&](const auto& k) { return k.first == name; });
    if (found == std::end(kinds))
        throw std::runtime_error("unknown fault kind " + std::string(name));
    f.type = found->second;
    auto rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos)
            throw std::runtime_error("fault option without a value: " + std::string(item));
        const auto key = item.substr(0, eq);
        const std::string value(item.substr(eq + 1));
        const auto number = [&] {
            auto v = parse_unsigned(value);
            if (!v)
                throw std::runtime_error("fault option " + std::string(key) + " needs a number");
            return *v;
        };
        if (key == "method")
            f.method = value;
        else if (key == "path")
            f.path_prefix = value;
        else if (key == "probability")
            f.probability = std::stod(value);
        else if (key == "times")
            f.times = number();
        else if (key == "status")
            f.status = static_cast<int>(number());
        else if (key == "delay_ms")
            f.delay = std::chrono::milliseconds(number());
        else if (key == "retry_after")
            f.retry_after_seconds = static_cast<std::uint32_t>(number());
        else if (key == "body_size")
            f.body_size = number();
        else
            throw std::runtime_error("unknown fault option " + std::string(key));
    }
    return f;
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
    if (auto f = s.pick_fault(request)) {
        if (f->type != fault::kind::latency)
            return state::fault_response(*f);
        auto r = handle_route(request);
        r.delay = f->delay;
        return r;
    }
    return handle_route(request);
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
                200, json::object{{"status", "healthy"},
                                  {"timestamp", format_timestamp(std::chrono::system_clock::now())}});
        }

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
    } catch (reply& r) {
        return std::move(r.response);
    } catch (const std::exception&) {
        return normalized_error(500);
    }
}

auth_settings auth_settings::from_json(std::string_view text)
{
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object())
        throw std::runtime_error("auth settings must be a JSON object");
    auth_settings s;
    const auto& o = value.get_object();
    const auto field = [&](const char* name, field_setting& out) {
        if (const auto* f = o.if_contains(name); f && f->is_object()) {
            if (const auto* e = f->get_object().if_contains("enabled"); e && e->is_bool())
                out.enabled = e->get_bool();
            if (const auto* r = f->get_object().if_contains("required")) {
                if (r->is_null())
                    out.required.reset();
                else if (r->is_bool())
                    out.required = r->get_bool();
            }
        }
    };
    const auto flag = [&](const char* name, bool& out) {
        if (const auto* v = o.if_contains(name); v && v->is_bool())
            out = v->get_bool();
    };
    const auto size = [&](const char* name, std::size_t& out) {
        if (const auto* v = o.if_contains(name); v && v->is_int64() && v->get_int64() >= 0)
            out = static_cast<std::size_t>(v->get_int64());
    };
    field("first_name", s.first_name);
    field("last_name", s.last_name);
    field("email_address", s.email_address);
    field("phone_number", s.phone_number);
    field("username", s.username);
    size("username_min_length", s.username_min_length);
    size("username_max_length", s.username_max_length);
    flag("password_enabled", s.password_enabled);
    size("password_min_length", s.password_min_length);
    flag("password_requires_lowercase", s.password_requires_lowercase);
    flag("password_requires_uppercase", s.password_requires_uppercase);
    flag("password_requires_number", s.password_requires_number);
    flag("password_requires_special", s.password_requires_special);
    flag("unique_identifiers", s.unique_identifiers);
    return s;
}

} // namespace wacht::emulator
