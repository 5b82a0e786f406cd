// SPDX-License-Identifier: BSL-1.0
// Users (E1 to E7): list, create, details, update, delete, password, profile image; the validators.
#include "store.hpp"

namespace wacht::emulator {

// Stage B's password rules; appends "password: ..." entries.
void api::state::password_rules(std::string_view password, std::vector<std::string>& failures) const
{
    const auto& s = options.auth;
    if (trim(password).empty()) {
        failures.emplace_back("password: Password is required");
        return;
    }
    if (password.size() < s.password_min_length)
        failures.push_back("password: Password must be at least " + std::to_string(s.password_min_length) +
                           " characters");
    // The classes are Unicode's, as Rust's char::is_lowercase, is_uppercase and is_numeric see them.
    const auto has = [&](auto predicate) {
        for (std::size_t i = 0; i < password.size();)
            if (predicate(next_code_point(password, i)))
                return true;
        return false;
    };
    if (s.password_requires_lowercase && !has(is_lowercase))
        failures.emplace_back("password: Password must contain at least one lowercase letter");
    if (s.password_requires_uppercase && !has(is_uppercase))
        failures.emplace_back("password: Password must contain at least one uppercase letter");
    if (s.password_requires_number && !has(is_numeric))
        failures.emplace_back("password: Password must contain at least one number");
    static constexpr std::u32string_view special = U"!@#$%^&*()_+-=[]{}|;:,.<>?";
    if (s.password_requires_special &&
        !has([](char32_t c) { return special.find(c) != std::u32string_view::npos; }))
        failures.emplace_back("password: Password must contain at least one special character");
}

// Stage B's answer: every failure in one 400.
http_response api::state::validation_failed(const std::vector<std::string>& failures)
{
    std::string message = "Validation failed: ";
    for (std::size_t i = 0; i < failures.size(); ++i)
        message += (i ? ", " : "") + failures[i];
    return error_response(400, message);
}

http_response api::state::list_users(const query_map& query)
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
        [&](const user_row& u, const std::string& pattern) { return like_match(search_text(u), pattern); },
        [&](const user_row& u) { return list_item(u); }, &users_by_created);
}

std::optional<http_response> api::state::read_form(const http_request& request,
                                                   std::initializer_list<std::string_view> text_fields,
                                                   form_fields& fields)
{
    if (request.body_too_large)
        return error_response(400, "Error parsing `multipart/form-data` request");
    auto boundary = multipart_boundary(request.content_type);
    if (!boundary)
        return normalized_error(400);
    auto parts = parse_multipart(request.body, *boundary);
    if (!parts)
        return error_response(400, "Error parsing `multipart/form-data` request");
    for (auto& part : *parts) {
        if (part.name.empty())
            return error_response(400, "Multipart field name is missing");
        if (part.name == "profile_image") {
            if (!part.content_type.starts_with("image/") || part.data.empty())
                continue; // silently ignored, as the server does
            const auto extension = image_extension(part.content_type);
            if (!extension)
                return error_response(
                    400, "Unsupported image format. Supported formats: JPEG, PNG, GIF, WEBP, ICO");
            fields.profile_image = {std::string(*extension), std::move(part.content_type),
                                    std::move(part.data)};
            continue;
        }
        if (std::find(text_fields.begin(), text_fields.end(), part.name) == text_fields.end())
            continue; // unknown parts are ignored
        if (!is_utf8(part.data))
            return error_response(400, "Multipart field '" + part.name + "' must be valid UTF-8 text");
        fields.text[part.name] = std::move(part.data); // the last repeat wins
    }
    return std::nullopt;
}

std::optional<std::string> api::state::text_field(const form_fields& f, const std::string& name)
{
    auto it = f.text.find(name);
    return it == f.text.end() ? std::nullopt : std::optional(it->second);
}

// Trimmed; an empty value counts as absent.
std::optional<std::string> api::state::trimmed_field(const form_fields& f, const std::string& name)
{
    auto value = text_field(f, name);
    if (!value)
        return std::nullopt;
    auto t = std::string(trim(*value));
    return t.empty() ? std::nullopt : std::optional(t);
}

void api::state::store_image(user_row& u, form_fields::image image)
{
    u.profile_picture_url = "https://cdn.wacht.dev/deployments/" + id_text(deployment_id) + "/users/" +
                            id_text(u.id) + "/profile." + image.extension;
    u.profile_image_type = std::move(image.content_type);
    u.profile_image = std::move(image.bytes);
}

http_response api::state::create_user(const http_request& request)
{
    form_fields form;
    if (auto refused = read_form(request,
                                 {"first_name", "last_name", "email_address", "phone_number", "username",
                                  "password", "skip_password_check"},
                                 form))
        return *refused;
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
        return error_response(400, "First name is required");
    if (required_a(s.last_name) && trim(last_name).empty())
        return error_response(400, "Last name is required");
    if (required_a(s.email_address) && !email)
        return error_response(400, "Email address is required");
    if (required_a(s.phone_number) && !phone)
        return error_response(400, "Phone number is required");
    if (required_a(s.username) && !username)
        return error_response(400, "Username is required");
    if (s.password_enabled && !skip_password_check) {
        if (password && password->size() < s.password_min_length)
            return error_response(400, "Password must be at least " + std::to_string(s.password_min_length) +
                                           " characters");
        if (!password && s.password_min_length > 0)
            return error_response(400, "Password is required");
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
    if (!phone) {
        if (required_b(s.phone_number))
            failures.emplace_back("phone_number: Phone number is required");
    } else if (!is_phone_number_text(*phone)) {
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
            failures.push_back("username: Username must be at most " + std::to_string(s.username_max_length) +
                               " characters");
        if (!is_username_text(*username))
            failures.emplace_back(
                "username: Username can only contain letters, numbers, underscores, and hyphens");
    }
    if (s.password_enabled && !skip_password_check)
        password_rules(password.value_or(""), failures);
    if (!failures.empty())
        return validation_failed(failures);

    std::lock_guard lock(mutex);
    if (s.unique_identifiers && ((email && email_taken(*email)) || (username && username_taken(*username))))
        return error_response(409, "Resource already exists");
    const auto now = clock_now();
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
    publish_user_event("user.created", u, now);

    // Built in memory from "now": nanosecond timestamps, URL always "".
    wacht::user out{id_text(u.id), now, now, first_name, last_name, username, "", email, phone};
    return model_response(out);
}

http_response api::state::user_details(id_type user_id)
{
    std::lock_guard lock(mutex);
    auto it = users.find(user_id);
    if (it == users.end())
        return error_response(404, "Resource not found");
    return model_response(details(it->second, clock_now()));
}

http_response api::state::update_user(id_type user_id, const http_request& request)
{
    form_fields form;
    if (auto refused =
            read_form(request,
                      {"first_name", "last_name", "username", "public_metadata", "private_metadata",
                       "disabled", "second_factor_policy", "remove_profile_image"},
                      form))
        return *refused;
    const auto non_empty = [&](const std::string& name) {
        auto v = text_field(form, name);
        return (v && !v->empty()) ? v : std::nullopt; // "" is ignored
    };
    const auto first_name = non_empty("first_name");
    const auto last_name = non_empty("last_name");
    const auto username = non_empty("username");
    std::optional<std::string> policy = non_empty("second_factor_policy");
    if (policy && *policy != "none" && *policy != "optional" && *policy != "enforced")
        return error_response(400, "second_factor_policy must be one of: none, optional, enforced");
    std::optional<bool> disabled;
    if (auto v = text_field(form, "disabled"); v == "true" || v == "false")
        disabled = *v == "true";
    const auto metadata = [&](const std::string& name) -> std::optional<json::value> {
        auto v = text_field(form, name);
        if (!v || trim(*v).empty())
            return std::nullopt;
        boost::system::error_code ec;
        auto parsed = parse_json(*v, ec);
        return ec ? std::nullopt : std::optional(std::move(parsed)); // unparsable: silently ignored
    };
    const auto public_metadata = metadata("public_metadata");
    const auto private_metadata = metadata("private_metadata");
    const bool remove_image = text_field(form, "remove_profile_image") == "true";

    const auto& s = options.auth;
    const auto required_a = [](const field_setting& f) { return f.enabled && f.required.value_or(true); };
    if (first_name && trim(*first_name).empty() && required_a(s.first_name))
        return error_response(400, "First name cannot be empty");
    if (last_name && trim(*last_name).empty() && required_a(s.last_name))
        return error_response(400, "Last name cannot be empty");
    if (username && s.username.enabled) {
        const auto t = trim(*username);
        if (s.username.required.value_or(false) && t.empty())
            return error_response(400, "Username cannot be empty");
        if (t.size() < s.username_min_length)
            return error_response(400, "Username must be at least " + std::to_string(s.username_min_length) +
                                           " characters");
        if (t.size() > s.username_max_length)
            return error_response(400, "Username must be at most " + std::to_string(s.username_max_length) +
                                           " characters");
    }

    std::lock_guard lock(mutex);
    auto it = users.find(user_id);
    if (it == users.end())
        return error_response(404, "Resource not found");
    auto& u = it->second;
    const auto now = clock_now();
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
    publish_user_event("user.updated", u, now);
    return model_response(details(u, now, tokens::ciphertext));
}

http_response api::state::delete_user(id_type user_id)
{
    std::lock_guard lock(mutex);
    if (!users.contains(user_id))
        return error_response(404, "User not found");
    delete_user_cascade(user_id);
    return empty_success();
}

http_response api::state::update_password(id_type user_id, const http_request& request)
{
    body_fields body(request);
    const auto new_password = body.required_string("new_password");
    // Present means a boolean: null is a 422 here, unlike body_fields' optional fields.
    bool skip = false;
    if (const auto* v = body.object().if_contains("skip_password_check")) {
        if (!v->is_bool())
            body.reject_shape();
        else
            skip = v->get_bool();
    }
    if (auto rejected = body.rejected())
        return *rejected;
    if (!skip && options.auth.password_enabled) {
        std::vector<std::string> failures;
        password_rules(new_password, failures);
        if (!failures.empty())
            return validation_failed(failures);
    }
    std::lock_guard lock(mutex);
    // No existence check: an unknown user gets 200 and nothing changes.
    if (auto it = users.find(user_id); it != users.end())
        it->second.password = new_password;
    return empty_success();
}

http_response api::state::remove_password(id_type user_id)
{
    std::lock_guard lock(mutex);
    auto it = users.find(user_id);
    if (it == users.end())
        return error_response(404, "user not found");
    it->second.password.reset();
    return empty_success();
}

// GET /_emulator/users/{id}/profile-image: the stored bytes (an emulator-only route for tests).
http_response api::state::profile_image(id_type user_id)
{
    std::lock_guard lock(mutex);
    auto it = users.find(user_id);
    if (it == users.end() || it->second.profile_image.empty())
        return error_response(404, "Resource not found");
    return {200, it->second.profile_image_type, it->second.profile_image};
}

} // namespace wacht::emulator
