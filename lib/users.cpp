// SPDX-License-Identifier: BSL-1.0
// The users facade: builders turn typed parameters into request specs. No I/O here.
#include "detail/builders.hpp"

#include <wacht/users.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <functional>

#include <cstdint>
#include <limits>

namespace wacht {
namespace {

using detail::http_method;
using detail::note_error;
using detail::request_spec;

constexpr std::string_view password_route = "/users/{user_id}/password";

constexpr std::string_view second_factor_policy_names[] = {"none", "optional", "enforced"};

// The image part must reach the server as an image, or the server silently drops it.
void add_profile_image(detail::multipart_writer& form, std::string& error, const profile_image& image)
{
    if (image.data.empty())
        note_error(error, "profile_image.data must not be empty");
    if (!image.content_type.starts_with("image/") || image.content_type.size() == 6 ||
        detail::has_control_char(image.content_type) || image.content_type.find('"') != std::string::npos)
        note_error(error, "profile_image.content_type must be an image/* media type");
    form.file("profile_image", "profile_image", image.content_type, image.data);
}

request_spec finish_multipart(http_method method, detail::routed_target target,
                              detail::multipart_writer&& form, std::string argument_error)
{
    auto body = std::move(form).finish();
    return request_spec{method,
                        std::move(target.target),
                        std::move(body.content_type),
                        std::move(body.body),
                        /*idempotent=*/false,
                        std::move(argument_error),
                        target.route};
}

bool equals_ignoring_case(std::string_view a, std::string_view b)
{
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

// find_by_*(): walk the search results; a match on the list item needs no further request, and the
// other results are checked on their details (when `on_details` is given).
boost::asio::awaitable<result<std::optional<user>>>
find_user_op(std::shared_ptr<detail::client_impl> impl, detail::call_settings settings, std::string term,
             std::string error, std::function<bool(const user&)> on_item,
             std::function<bool(const user_details&)> on_details)
{
    if (!error.empty())
        co_return wacht::error{errc::invalid_argument, {.detail = std::move(error)}};
    const detail::composed_steps step(*impl, std::move(settings));
    users_resource users(impl);
    auto walk = step(users.list())
                    .search(term)
                    .sort_key(user_sort_key::created_at)
                    .sort_order(sort_order::asc)
                    .items(100);
    std::vector<user> others; // matched the search, but not on the list item
    for (;;) {
        auto next = co_await walk.try_next();
        if (!next)
            co_return next.error();
        if (!*next)
            break;
        auto& candidate = **next;
        if (on_item(candidate))
            co_return std::optional<user>(std::move(candidate));
        if (on_details)
            others.push_back(std::move(candidate));
    }
    for (auto& candidate : others) {
        auto details = co_await step(users.details(candidate.id)).try_send();
        if (!details) {
            if (details.error().code == errc::not_found)
                continue; // deleted meanwhile
            co_return details.error();
        }
        if (on_details(*details))
            co_return std::optional<user>(std::move(candidate));
    }
    co_return std::optional<user>();
}

// The checks every find_by_* term goes through; the term is trimmed.
std::string find_term(std::string& error, std::string_view name, std::string_view term)
{
    detail::check_text(error, name, term);
    if (detail::trim(term).empty())
        note_error(error, std::string(name) + " must not be empty");
    return std::string(detail::trim(term));
}

// merge_metadata(): read, merge, update; the update is never sent when the read failed.
boost::asio::awaitable<result<user_details>>
merge_metadata_op(std::shared_ptr<detail::client_impl> impl, detail::call_settings settings,
                  std::string user_id, std::string error, std::optional<boost::json::value> public_patch,
                  std::optional<boost::json::value> private_patch)
{
    if (!error.empty())
        co_return wacht::error{errc::invalid_argument, {.detail = std::move(error)}};
    const detail::composed_steps step(*impl, std::move(settings));
    users_resource users(impl);
    auto current = co_await step(users.details(user_id)).try_send();
    if (!current || (!public_patch && !private_patch))
        co_return current;
    update_user_params changes;
    if (public_patch)
        changes.public_metadata = json_merge_patch(std::move(current->public_metadata), *public_patch);
    if (private_patch)
        changes.private_metadata = json_merge_patch(std::move(current->private_metadata), *private_patch);
    co_return co_await step(users.update(user_id, changes)).try_send();
}

fixed_request<user_details> set_disabled(const users_resource& users, std::string_view user_id, bool disabled)
{
    update_user_params changes;
    changes.disabled = disabled;
    return users.update(user_id, changes);
}

} // namespace

boost::json::value json_merge_patch(boost::json::value target, const boost::json::value& patch)
{
    if (!patch.is_object())
        return patch;
    if (!target.is_object())
        target = boost::json::object();
    auto& object = target.get_object();
    for (const auto& [key, value] : patch.get_object()) {
        if (value.is_null()) {
            object.erase(key);
        } else if (auto* existing = object.if_contains(key)) {
            *existing = json_merge_patch(std::move(*existing), value);
        } else {
            object[key] = json_merge_patch(nullptr, value);
        }
    }
    return target;
}

update_password_request::update_password_request(std::shared_ptr<detail::client_impl> impl,
                                                 std::string_view user_id, std::string_view new_password)
    : request_base(std::move(impl)), new_password_(new_password)
{
    target_ = detail::route_target(argument_error_, password_route, {user_id}).target;
    detail::check_text(argument_error_, "new_password", new_password_);
}

update_password_request& update_password_request::skip_password_check(bool skip)
{
    skip_password_check_ = skip;
    return *this;
}

request_spec update_password_request::spec() const
{
    boost::json::object body;
    body["new_password"] = new_password_;
    body["skip_password_check"] = skip_password_check_;
    return request_spec{
        http_method::patch, target_,       "application/json", boost::json::serialize(body), false,
        argument_error_,    password_route};
}

list_users_request users_resource::list() const
{
    return list_users_request(impl_, "/users");
}

composed_request<std::optional<user>> users_resource::find_by_email(std::string_view email) const
{
    std::string error;
    auto term = find_term(error, "email", email);
    auto on_item = [term](const user& u) {
        return u.primary_email_address && equals_ignoring_case(*u.primary_email_address, term);
    };
    auto on_details = [term](const user_details& d) {
        return std::any_of(d.email_addresses.begin(), d.email_addresses.end(),
                           [&](const user_email& e) { return equals_ignoring_case(e.email, term); });
    };
    // The factory hands copies to a coroutine function, so the awaitable owns everything it uses.
    return composed_request<std::optional<user>>(
        impl_, [impl = impl_, term, error, on_item, on_details](const detail::call_settings& settings) {
            return find_user_op(impl, settings, term, error, on_item, on_details);
        });
}

composed_request<std::optional<user>> users_resource::find_by_username(std::string_view username) const
{
    std::string error;
    auto term = find_term(error, "username", username);
    auto on_item = [term](const user& u) { return u.username == term; };
    return composed_request<std::optional<user>>(
        impl_, [impl = impl_, term, error, on_item](const detail::call_settings& settings) {
            return find_user_op(impl, settings, term, error, on_item, {});
        });
}

composed_request<std::optional<user>> users_resource::find_by_phone(std::string_view phone) const
{
    std::string error;
    auto term = find_term(error, "phone", phone);
    auto on_item = [term](const user& u) { return u.primary_phone_number == term; };
    auto on_details = [term](const user_details& d) {
        return std::any_of(d.phone_numbers.begin(), d.phone_numbers.end(), [&](const user_phone& p) {
            return p.phone_number == term || p.country_code + p.phone_number == term;
        });
    };
    return composed_request<std::optional<user>>(
        impl_, [impl = impl_, term, error, on_item, on_details](const detail::call_settings& settings) {
            return find_user_op(impl, settings, term, error, on_item, on_details);
        });
}

fixed_request<user_details> users_resource::details(std::string_view user_id) const
{
    std::string error;
    auto target = detail::route_target(error, "/users/{user_id}/details", {user_id});
    return {impl_, detail::bodiless(http_method::get, std::move(target), std::move(error))};
}

fixed_request<user> users_resource::create(const create_user_params& params) const
{
    std::string error;
    detail::multipart_writer form;
    detail::check_text(error, "first_name", params.first_name);
    detail::check_text(error, "last_name", params.last_name);
    form.text("first_name", params.first_name);
    form.text("last_name", params.last_name);
    const std::pair<std::string_view, const std::optional<std::string>*> optional_fields[] = {
        {"email_address", &params.email_address},
        {"phone_number", &params.phone_number},
        {"username", &params.username},
        {"password", &params.password}};
    for (const auto& [name, value] : optional_fields) {
        detail::check_optional_text(error, name, *value);
        if (*value)
            form.text(name, **value);
    }
    if (params.password && !params.password->empty() &&
        (detail::is_space(params.password->front()) || detail::is_space(params.password->back())))
        note_error(error, "password must not start or end with whitespace (the server would trim it)");
    form.text("skip_password_check", params.skip_password_check ? "true" : "false");
    if (params.profile_image)
        add_profile_image(form, error, *params.profile_image);
    return {impl_,
            finish_multipart(http_method::post, {"/users", "/users"}, std::move(form), std::move(error))};
}

fixed_request<user_details> users_resource::update(std::string_view user_id,
                                                   const update_user_params& params) const
{
    std::string error;
    auto target = detail::route_target(error, "/users/{user_id}", {user_id});
    detail::multipart_writer form;
    // The server ignores "" for these, so an empty value would be silently lost.
    const std::pair<std::string_view, const std::optional<std::string>*> text_fields[] = {
        {"first_name", &params.first_name}, {"last_name", &params.last_name}, {"username", &params.username}};
    for (const auto& [name, value] : text_fields) {
        detail::check_optional_text(error, name, *value);
        if (*value)
            form.text(name, **value);
    }
    if (params.public_metadata)
        form.text("public_metadata", boost::json::serialize(*params.public_metadata));
    if (params.private_metadata)
        form.text("private_metadata", boost::json::serialize(*params.private_metadata));
    if (params.disabled)
        form.text("disabled", *params.disabled ? "true" : "false");
    if (params.second_factor_policy)
        form.text("second_factor_policy",
                  second_factor_policy_names[static_cast<std::size_t>(*params.second_factor_policy)]);
    if (params.remove_profile_image) {
        // The server would ignore an image sent with the removal.
        if (params.profile_image)
            note_error(error, "remove_profile_image and profile_image cannot be combined");
        form.text("remove_profile_image", "true");
    }
    if (params.profile_image)
        add_profile_image(form, error, *params.profile_image);
    return {impl_,
            finish_multipart(http_method::patch, std::move(target), std::move(form), std::move(error))};
}

fixed_request<user_details> users_resource::ban(std::string_view user_id) const
{
    return set_disabled(*this, user_id, true);
}

fixed_request<user_details> users_resource::unban(std::string_view user_id) const
{
    return set_disabled(*this, user_id, false);
}

composed_request<user_details>
users_resource::merge_metadata(std::string_view user_id, std::optional<boost::json::value> public_patch,
                               std::optional<boost::json::value> private_patch) const
{
    // An id that would change the route fails here, before the read.
    std::string error;
    detail::route_target(error, "/users/{user_id}", {user_id});
    return composed_request<user_details>(
        impl_, [impl = impl_, id = std::string(user_id), error, public_patch = std::move(public_patch),
                private_patch = std::move(private_patch)](const detail::call_settings& settings) {
            return merge_metadata_op(impl, settings, id, error, public_patch, private_patch);
        });
}

fixed_request<void> users_resource::remove(std::string_view user_id) const
{
    std::string error;
    auto target = detail::route_target(error, "/users/{user_id}", {user_id});
    return {impl_, detail::bodiless(http_method::delete_, std::move(target), std::move(error))};
}

update_password_request users_resource::update_password(std::string_view user_id,
                                                        std::string_view new_password) const
{
    return update_password_request(impl_, user_id, new_password);
}

fixed_request<void> users_resource::remove_password(std::string_view user_id) const
{
    std::string error;
    auto target = detail::route_target(error, password_route, {user_id});
    return {impl_, detail::bodiless(http_method::delete_, std::move(target), std::move(error))};
}

} // namespace wacht
