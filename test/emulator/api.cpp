// The emulated API, route by route after the wire contract (users-contract.md). Response bodies are
// written with the SDK's own model encoders, which the fixture round-trip tests hold to the contract.
#include "api.hpp"

#include "multipart.hpp"
#include "text.hpp"

#include <wacht/models/user.hpp>
#include <wacht/timestamp.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <regex>
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

} // namespace

// ---------------------------------------------------------------------------------------------------

struct api::state
{
    api_options options;
    std::mutex mutex;
    std::atomic<std::uint64_t> requests{0};
    id_type next_id = 1394412856401047552;
    std::map<id_type, user_row> users;
    std::map<id_type, email_row> emails;
    std::map<id_type, phone_row> phones;
    std::map<id_type, signin_row> signins;
    std::shared_ptr<std::function<void(const http_request&)>> observer;

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

    wacht::user_details details(const user_row& u, timestamp now) const
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
        for (const auto& [id, e] : emails)
            if (e.user_id == u.id)
                d.email_addresses.push_back({id_text(e.id), e.created_at, e.updated_at,
                                             id_text(deployment_id), id_text(e.user_id), e.email,
                                             e.is_primary, e.verified, e.verified_at.value_or(now),
                                             e.verification_strategy});
        for (const auto& [id, p] : phones)
            if (p.user_id == u.id)
                d.phone_numbers.push_back({id_text(p.id), p.created_at, p.updated_at, id_text(p.user_id),
                                           p.phone_number, p.country_code, p.verified,
                                           p.verified_at.value_or(now)});
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
        for (const auto& [id, e] : emails)
            if (e.user_id == u.id)
                text += ' ' + e.email;
        for (const auto& [id, p] : phones)
            if (p.user_id == u.id)
                text += ' ' + p.country_code + p.phone_number + ' ' + p.phone_number;
        return to_lower(text);
    }

    void delete_user_cascade(id_type user_id)
    {
        users.erase(user_id);
        std::erase_if(emails, [&](const auto& e) { return e.second.user_id == user_id; });
        std::erase_if(phones, [&](const auto& p) { return p.second.user_id == user_id; });
        std::erase_if(signins, [&](const auto& s) { return s.second.user_id == user_id; });
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

    http_response list_users(const query_map& query)
    {
        const auto limit = query_usize(query, "limit").value_or(10);
        const auto offset = query_i64(query, "offset").value_or(0);
        const auto sort_key =
            query_enum(query, "sort_key", {"created_at", "username", "email", "phone_number"});
        const auto sort_order = query_enum(query, "sort_order", {"asc", "desc"});
        const auto search = std::string(trim(query_value(query, "search").value_or("")));
        // limit + 1 is computed in an i32 and a negative offset reaches Postgres: both are 500s.
        if (limit >= 2147483647u || offset < 0)
            fail(500, "Something went wrong");

        std::lock_guard lock(mutex);
        std::vector<const user_row*> rows;
        const auto pattern = "%" + to_lower(search) + "%";
        for (const auto& [id, u] : users)
            if (search.empty() || like_match(search_text(u), pattern))
                rows.push_back(&u);

        const bool descending = sort_order.value_or("desc") == "desc";
        const auto key_of = [&](const user_row& u) -> std::optional<std::string> {
            const auto key = sort_key.value_or("created_at");
            if (key == "username")
                return u.username;
            if (key == "email") {
                const auto* e = primary_email(u);
                return e ? std::optional(e->email) : std::nullopt;
            }
            if (key == "phone_number") {
                const auto* p = primary_phone(u);
                return p ? std::optional(p->phone_number) : std::nullopt;
            }
            return format_timestamp(u.created_at); // fixed width: sorts like the instant
        };
        // NULLs first in DESC order and last in ASC order, as Postgres does. The real server has no
        // tie-breaker; the emulator breaks ties by id so that paging is repeatable.
        std::stable_sort(rows.begin(), rows.end(), [&](const user_row* a, const user_row* b) {
            const auto ka = key_of(*a), kb = key_of(*b);
            if (ka != kb) {
                if (!ka || !kb)
                    return descending ? !ka : !kb;
                return descending ? *ka > *kb : *ka < *kb;
            }
            return descending ? a->id > b->id : a->id < b->id;
        });

        json::array data;
        const auto start = std::min<std::size_t>(static_cast<std::size_t>(offset), rows.size());
        const auto end = std::min<std::size_t>(start + limit, rows.size());
        for (auto i = start; i < end; ++i)
            data.push_back(json::value_from(list_item(*rows[i])));
        json::object body{{"data", std::move(data)},
                          {"has_more", rows.size() > start + limit},
                          {"limit", static_cast<std::int64_t>(limit)},
                          {"offset", offset}};
        return json_response(200, body);
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
            emails[e.id] = e;
        }
        if (phone) {
            // The create command sets no country code; the column's default is taken to be "".
            phone_row p{new_id(), stored_now, stored_now, u.id, *phone, "", true, stored_now};
            u.primary_phone_id = p.id;
            phones[p.id] = p;
        }
        if (form.profile_image)
            store_image(u, std::move(*form.profile_image));
        users[u.id] = u;

        // Built in memory from "now": nanosecond timestamps, URL always "".
        wacht::user out{id_text(u.id), now, now, first_name, last_name, username, "", email, phone};
        return json_response(200, json::value_from(out));
    }

    http_response user_details(id_type user_id)
    {
        std::lock_guard lock(mutex);
        auto it = users.find(user_id);
        if (it == users.end())
            fail(404, "Resource not found");
        return json_response(200, json::value_from(details(it->second, std::chrono::system_clock::now())));
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
        return json_response(200, json::value_from(details(u, now)));
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
            emails[e.id] = e;
            if (i % 2 == 0) {
                phone_row p{new_id(), u.created_at, u.created_at, u.id, std::to_string(4155550000 + i),
                            "+1",     true,         u.created_at};
                u.primary_phone_id = p.id;
                phones[p.id] = p;
            }
            users[u.id] = u;
        }
    }
};

namespace {

// The user-management routes of contract section 1.1 that the emulator serves, and their methods.
struct route
{
    std::vector<std::string_view> pattern; // ":" marks an id segment
    std::vector<std::string_view> methods;
};

const std::vector<route>& routes()
{
    static const std::vector<route> table = {
        {{"users"}, {"GET", "POST"}},
        {{"users", ":"}, {"PATCH", "DELETE"}},
        {{"users", ":", "details"}, {"GET"}},
        {{"users", ":", "password"}, {"PATCH", "DELETE"}},
        {{"_emulator", "users", ":", "profile-image"}, {"GET"}},
    };
    return table;
}

} // namespace

api::api(api_options options) : state_(std::make_unique<state>())
{
    state_->options = std::move(options);
    state_->seed(state_->options.seed_users);
}

api::~api() = default;

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
        const route* matched = nullptr;
        std::vector<std::string_view> ids;
        for (const auto& r : routes()) {
            if (r.pattern.size() != segments->size())
                continue;
            std::vector<std::string_view> found;
            bool ok = true;
            for (std::size_t i = 0; i < r.pattern.size() && ok; ++i) {
                if (r.pattern[i] == ":") {
                    ok = !(*segments)[i].empty(); // an id never matches ""
                    found.push_back((*segments)[i]);
                } else
                    ok = r.pattern[i] == (*segments)[i];
            }
            if (ok) {
                matched = &r;
                ids = std::move(found);
                break;
            }
        }
        if (!matched)
            return normalized_error(404);
        if (std::find(matched->methods.begin(), matched->methods.end(), request.method) ==
            matched->methods.end())
            return normalized_error(405);

        // Path ids are i64; anything else is a 400 from the Path extractor.
        std::vector<id_type> id_values;
        for (const auto raw : ids) {
            const auto text = decode_path_segment(raw);
            const auto v = text ? parse_signed(*text) : std::nullopt;
            if (!v)
                return normalized_error(400);
            id_values.push_back(*v);
        }
        const auto query = parse_query(query_text);
        if (!query)
            return normalized_error(400);

        const auto& p = matched->pattern;
        const auto& m = request.method;
        if (p.size() == 1)
            return m == "GET" ? s.list_users(*query) : s.create_user(request);
        if (p[0] == "_emulator")
            return s.profile_image(id_values[0]);
        if (p.size() == 2)
            return m == "PATCH" ? s.update_user(id_values[0], request) : s.delete_user(id_values[0]);
        if (p[2] == "details")
            return s.user_details(id_values[0]);
        if (p[2] == "password")
            return m == "PATCH" ? s.update_password(id_values[0], request) : s.remove_password(id_values[0]);
        return normalized_error(404);
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
