// SPDX-License-Identifier: BSL-1.0
// The emulator's store: its rows and the api::state that holds them and whose member functions, the
// route handlers, are defined per resource (users.cpp, identifiers.cpp, sessions.cpp, memberships.cpp,
// invitations.cpp; seeding and reset in store.cpp; routing in routing.cpp). Private to the emulator.
#pragma once

#include "wacht/emulator/api.hpp"

#include "frontend_state.hpp"
#include "multipart.hpp"
#include "text.hpp"
#include "totp.hpp"

#include "json_text.hpp"

#include <wacht/models/invitation.hpp>
#include <wacht/models/membership.hpp>
#include <wacht/models/mfa.hpp>
#include <wacht/models/passkey.hpp>
#include <wacht/models/session.hpp>
#include <wacht/models/user.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <iostream>
#include <limits>
#include <random>
#include <regex>
#include <set>
#include <stdexcept>
#include <vector>

namespace wacht::emulator {

namespace json = boost::json;
using id_type = std::int64_t;

inline constexpr id_type deployment_id = 1182736450912384000;

// JSON text read as serde_json reads it: Boost.JSON's syntax rules match; its default nesting limit (32)
// does not, so it is raised to serde_json's recursion limit: 127 nested arrays and objects parse, 128
// are an error.
inline json::value parse_json(std::string_view text, boost::system::error_code& ec)
{
    json::parse_options options;
    options.max_depth = 127;
    return json::parse(text, ec, {}, options);
}

// ---------------------------------------------------------------------------------------------------
// Responses

inline http_response json_response(int status, const json::value& body)
{
    return {status, "application/json", json::serialize(body)};
}

// A 200 with a model, written as text without building a DOM (the same bytes as serialize(value_from)).
template <class Model>
inline http_response model_response(const Model& model)
{
    http_response response{200, "application/json", {}};
    response.body.reserve(2048); // a user's details in one allocation
    append_json(response.body, model);
    return response;
}

inline http_response error_response(int status, std::string_view message)
{
    json::object error{{"message", message}, {"code", status}};
    return json_response(status, json::object{{"errors", json::array{error}}});
}

// The framework's own rejections, rewritten by the server's normalize_error_responses middleware.
inline http_response normalized_error(int status)
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

// The unpaged lists: everything, has_more false, no limit or offset; written as text.
class whole_list
{
public:
    template <class Model>
    void add(const Model& model)
    {
        if (body_.size() != prefix.size())
            body_ += ',';
        append_json(body_, model);
    }
    http_response finish() &&
    {
        body_ += "],\"has_more\":false}";
        return {200, "application/json", std::move(body_)};
    }

private:
    static constexpr std::string_view prefix = "{\"data\":[";
    std::string body_{prefix};
};

inline http_response empty_success()
{
    return json_response(200, json::object{});
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
inline timestamp db_time(timestamp t)
{
    return std::chrono::floor<std::chrono::microseconds>(t);
}

inline std::string id_text(id_type id)
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

    void clear()
    {
        rows_.clear();
        by_user_.clear();
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

inline sort_value sort_time(timestamp t)
{
    return static_cast<std::int64_t>(t.time_since_epoch().count());
}

// A JSON request body read the way axum's Json extractor and serde do: the content type (415), the
// size (413), the syntax (400), an object (422), then each field: a missing required field or a value
// of the wrong type is a 422; null counts as absent for optional fields. A read that fails gives an
// empty value and rejects the whole body, as serde fails the whole extractor: handlers read their
// fields, then return rejected() if it is set, before they change anything.
class body_fields
{
public:
    explicit body_fields(const http_request& request);
    explicit body_fields(json::object o) : object_(std::move(o)) {}

    /// The response that refuses the body, from its first failed read; nullopt while every read fits.
    std::optional<http_response> rejected() const
    {
        return rejection_ ? std::optional(normalized_error(*rejection_)) : std::nullopt;
    }
    /// A value of the wrong shape found by the caller (a nested object's reader): 422.
    void reject_shape() { reject(422); }

    std::string required_string(std::string_view key)
    {
        const auto* v = object_.if_contains(key);
        if (!v || !v->is_string()) {
            reject(422);
            return {};
        }
        return std::string(v->get_string());
    }
    std::optional<std::string> optional_string(std::string_view key)
    {
        const auto* v = present(key);
        if (v && !v->is_string()) {
            reject(422);
            return {};
        }
        return v ? std::optional(std::string(v->get_string())) : std::nullopt;
    }
    std::optional<bool> optional_bool(std::string_view key)
    {
        const auto* v = present(key);
        if (v && !v->is_bool()) {
            reject(422);
            return {};
        }
        return v ? std::optional(v->get_bool()) : std::nullopt;
    }
    std::optional<std::int64_t> optional_int(std::string_view key)
    {
        const auto* v = present(key);
        if (!v)
            return std::nullopt;
        if (v->is_int64())
            return v->get_int64();
        if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
            return static_cast<std::int64_t>(v->get_uint64());
        reject(422);
        return std::nullopt;
    }
    const json::value* value(std::string_view key) const { return present(key); }
    /// The whole object, for readers with rules of their own.
    const json::object& object() const { return object_; }

private:
    const json::value* present(std::string_view key) const
    {
        const auto* v = object_.if_contains(key);
        return (v && !v->is_null()) ? v : nullptr;
    }
    void reject(int status)
    {
        if (!rejection_) // the first failure is the one the extractor reports
            rejection_ = status;
    }
    json::object object_;
    std::optional<int> rejection_;
};

// A query string read the way axum's Query extractor and serde do: a repeated known field, a number
// that does not parse or a value outside an enum is a 400. Like body_fields, a failed read gives
// nullopt and rejects the whole query; handlers return rejected() if it is set.
class query_fields
{
public:
    explicit query_fields(const query_map& query) : query_(query) {}

    std::optional<http_response> rejected() const
    {
        return rejected_ ? std::optional(normalized_error(400)) : std::nullopt;
    }

    std::optional<std::string> text(const std::string& key);
    std::optional<std::uint64_t> usize(const std::string& key);
    std::optional<std::int64_t> i64(const std::string& key);
    std::optional<std::string> one_of(const std::string& key,
                                      std::initializer_list<std::string_view> allowed);

private:
    const query_map& query_;
    bool rejected_ = false;
};

// Random text from an alphabet, for backup codes and invitation tokens.
inline std::string random_text(std::string_view alphabet, std::size_t length)
{
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::string out;
    for (std::size_t i = 0; i < length; ++i)
        out += alphabet[pick(generator)];
    return out;
}

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
    // How far the emulated clock runs ahead of the system clock (advance()).
    std::atomic<std::int64_t> clock_offset_ns{0};
    // The last log_capacity requests to the backend routes, oldest first (its own lock: written by
    // every request).
    static constexpr std::size_t log_capacity = 10'000;
    mutable std::mutex log_mutex;
    std::deque<logged_request> log;

    timestamp clock_now() const;

    std::optional<fault> pick_fault(const http_request& request);

    static http_response fault_response(const fault& f);

    id_type new_id() { return next_id += 4096 + 7; }

    // ---- shared reads -----------------------------------------------------------------------------

    const email_row* primary_email(const user_row& u) const;
    const phone_row* primary_phone(const user_row& u) const;

    wacht::user list_item(const user_row& u) const;

    // E3 decrypts the OAuth tokens; E4 returns the stored ciphertext (here: "enc:" + hex).
    enum class tokens
    {
        plaintext,
        ciphertext
    };

    static std::string encrypted(std::string_view token);

    wacht::social_connection social_model(const social_row& c, tokens form) const;

    wacht::user_details details(const user_row& u, timestamp now, tokens form = tokens::plaintext) const;

    bool email_taken(std::string_view email) const;
    bool username_taken(std::string_view username) const;

    std::string search_text(const user_row& u) const;

    void insert_user(const user_row& u);

    void delete_user_cascade(id_type user_id);

    // ---- validation (contract E2 stage A and B, E4, E6) ------------------------------------------

    void password_rules(std::string_view password, std::vector<std::string>& failures) const;

    static http_response validation_failed(const std::vector<std::string>& failures);

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
        query_fields q(query);
        const auto limit = q.usize("limit").value_or(10);
        const auto offset = q.i64("offset").value_or(0);
        const auto sort_key = q.one_of("sort_key", sort_keys).value_or("created_at");
        const auto sort_order = q.one_of("sort_order", {"asc", "desc"});
        const auto search = std::string(trim(q.text("search").value_or("")));
        if (auto rejected = q.rejected())
            return *rejected;
        // limit + 1 is computed in an i32 and a negative offset reaches Postgres: both are 500s.
        if (limit >= 2147483647u || offset < 0)
            return error_response(500, "Something went wrong");

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
            append_json(body, to_model(*rows[i]));
        }
        body += "],\"has_more\":";
        body += matched > start + limit ? "true" : "false";
        body += ",\"limit\":" + std::to_string(limit) + ",\"offset\":" + std::to_string(offset) + "}";
        return response;
    }

    http_response list_users(const query_map& query);

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

    // The multipart extractor and the server's multipart helper: fills `fields`, or gives the response
    // that refuses the request.
    static std::optional<http_response> read_form(const http_request& request,
                                                  std::initializer_list<std::string_view> text_fields,
                                                  form_fields& fields);

    static std::optional<std::string> text_field(const form_fields& f, const std::string& name);

    static std::optional<std::string> trimmed_field(const form_fields& f, const std::string& name);

    static void store_image(user_row& u, form_fields::image image);

    http_response create_user(const http_request& request);

    http_response user_details(id_type user_id);

    http_response update_user(id_type user_id, const http_request& request);

    http_response delete_user(id_type user_id);

    http_response update_password(id_type user_id, const http_request& request);

    http_response remove_password(id_type user_id);

    http_response profile_image(id_type user_id);

    // ---- identifiers (E8 to E15, E27, E28) ----------------------------------------------------------

    wacht::user_email email_model(const email_row& e, timestamp now) const;

    wacht::user_phone phone_model(const phone_row& p, timestamp now) const;

    void set_primary_email(user_row& u, email_row& primary);

    http_response add_email(id_type user_id, const http_request& request);

    http_response update_email(id_type user_id, id_type email_id, const http_request& request);

    http_response delete_email(id_type user_id, id_type email_id);

    http_response make_email_primary(id_type user_id, id_type email_id);

    http_response add_phone(id_type user_id, const http_request& request);

    http_response update_phone(id_type user_id, id_type phone_id, const http_request& request);

    http_response delete_phone(id_type user_id, id_type phone_id);

    http_response make_phone_primary(id_type user_id, id_type phone_id);

    http_response list_social_connections(id_type user_id);

    http_response delete_social_connection(id_type user_id, id_type connection_id);

    // ---- memberships (E16, E17) -----------------------------------------------------------------------

    static wacht::role role_model(const role_row& r);

    static wacht::organization org_model(const org_row& o);

    template <class Membership>
    static std::vector<wacht::role> sorted_roles(const Membership& m)
    {
        std::vector<wacht::role> roles;
        for (const auto& r : m.roles)
            roles.push_back(role_model(r));
        std::sort(roles.begin(), roles.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        return roles;
    }

    http_response list_organization_memberships(id_type user_id);

    http_response list_workspace_memberships(id_type user_id);

    // ---- sessions (E18 to E20) --------------------------------------------------------------------------

    static wacht::sign_in sign_in_model(const signin_row& s);

    http_response list_sessions(id_type user_id, const query_map& query);

    http_response revoke_session(id_type user_id, id_type signin_id);

    http_response revoke_all_sessions(id_type user_id);

    // ---- passkeys (E21 to E23) --------------------------------------------------------------------------

    static wacht::passkey passkey_model(const passkey_row& p);

    http_response list_passkeys(id_type user_id);

    // The user's passkey that is not deleted, or nullptr.
    passkey_row* find_passkey(id_type user_id, id_type passkey_id);

    http_response rename_passkey(id_type user_id, id_type passkey_id, const http_request& request);

    http_response delete_passkey(id_type user_id, id_type passkey_id);

    // ---- MFA (E24 to E26) -------------------------------------------------------------------------------

    http_response create_authenticator(id_type user_id, const http_request& request);

    http_response delete_authenticator(id_type user_id);

    http_response regenerate_backup_codes(id_type user_id);

    // ---- invitations and waitlist (E29 to E33) ----------------------------------------------------------

    static wacht::invitation invitation_model(const invitation_row& i);

    static wacht::waitlist_user waitlist_model(const waitlist_row& w);

    http_response list_invitations(const query_map& query);

    http_response create_invitation(std::string first_name, std::string last_name, std::string email,
                                    std::int64_t expiry_days);

    http_response invite(const http_request& request);

    http_response delete_invitation(id_type invitation_id);

    http_response list_waitlist(const query_map& query);

    http_response approve_waitlist_user(id_type waitlist_id);

    // ---- seeding routes under /_emulator (not part of the real API) -------------------------------------

    user_row* find_user(id_type user_id);

    static std::optional<timestamp> optional_time(body_fields& body, std::string_view key);

    http_response seed_session(id_type user_id, const http_request& request);

    http_response seed_passkey(id_type user_id, const http_request& request);

    http_response seed_social_connection(id_type user_id, const http_request& request);

    std::vector<role_row> seed_roles(body_fields& body, timestamp now);

    org_row seed_org(body_fields& body, std::string_view key, timestamp now);

    http_response seed_organization_membership(id_type user_id, const http_request& request);

    http_response seed_workspace_membership(id_type user_id, const http_request& request);

    http_response seed_user(const http_request& request);

    void reset();

    http_response seed_fixture(const http_request& request);

    static void error_context(http_response& r, std::string_view where);

    http_response list_faults();

    http_response add_fault_spec(const http_request& request);

    http_response clock_state();
    http_response advance_clock(const http_request& request);

    http_response request_log();

    http_response seed_waitlist_user(const http_request& request);

    void seed(std::size_t count);

    // ---- the Frontend API and webhooks (frontend.cpp); early exits are returned, never thrown -------

    std::shared_ptr<frontend_state> frontend = std::make_shared<frontend_state>();
    std::string frontend_origin_text() const;
    http_response jwks_document(const http_request& request);
    http_response mint(const session_token_request& request, minted_session_token& out);
    http_response mint_session_token(const http_request& request);
    http_response signing_keys_route();
    http_response rotate_key_route(const http_request& request);
    http_response webhooks_route();
    http_response configure_webhooks(webhook_endpoint_options endpoint, std::string& secret);
    http_response webhook_endpoint_route(const http_request& request);
    http_response rotate_webhook_secret_route();
    http_response test_webhook_route(const http_request& request);
    // Queues a user event for the webhook endpoint, if it wants it; the caller holds the lock.
    void publish_user_event(std::string_view type, const user_row& u, timestamp now);
};

} // namespace wacht::emulator
