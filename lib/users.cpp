// The users facade: builders turn typed parameters into request specs. No I/O here.
#include "detail/encoding.hpp"

#include <wacht/users.hpp>

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <limits>

namespace wacht {
namespace {

using detail::http_method;
using detail::request_spec;

constexpr std::string_view user_sort_key_names[] = {"created_at", "username", "email", "phone_number"};
constexpr std::string_view sort_order_names[] = {"asc", "desc"};
constexpr std::string_view second_factor_policy_names[] = {"none", "optional", "enforced"};

// Keeps the first argument error of a builder.
void note_error(std::string& slot, std::string message)
{
    if (slot.empty())
        slot = std::move(message);
}

// "/users/{id}" plus literal pieces; records an argument error for an id that would change the route.
std::string user_target(std::string_view user_id, std::string& argument_error,
                        std::initializer_list<std::string_view> tail = {})
{
    note_error(argument_error, detail::check_path_id("user_id", user_id));
    detail::target_builder target;
    target.literal("users").segment(user_id);
    for (auto piece : tail)
        target.literal(piece);
    return std::move(target).str();
}

void check_text(std::string& error, std::string_view field, std::string_view value)
{
    if (!detail::is_valid_utf8(value))
        note_error(error, std::string(field) + " must be valid UTF-8");
}

void check_optional_text(std::string& error, std::string_view field, const std::optional<std::string>& value)
{
    if (!value)
        return;
    if (value->empty())
        note_error(error, std::string(field) + " must not be empty when set (leave it unset instead)");
    check_text(error, field, *value);
}

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

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

request_spec finish_multipart(http_method method, std::string target, detail::multipart_writer&& form,
                              std::string argument_error)
{
    auto body = std::move(form).finish();
    return request_spec{method,
                        std::move(target),
                        std::move(body.content_type),
                        std::move(body.body),
                        /*idempotent=*/false,
                        std::move(argument_error)};
}

template <std::size_t N>
std::optional<std::size_t> parse_name(std::string_view text, const std::string_view (&names)[N])
{
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == text)
            return i;
    return std::nullopt;
}

} // namespace

list_users_request::list_users_request(std::shared_ptr<detail::client_impl> impl)
    : request_base(std::move(impl))
{}

list_users_request& list_users_request::limit(std::int64_t n)
{
    // The server adds 1 to the limit in an i32: 2^31-1 and above overflow into a 500.
    if (n < 0 || n >= std::numeric_limits<std::int32_t>::max())
        note_error(argument_error_, "limit must be between 0 and 2147483646");
    limit_ = n;
    return *this;
}

list_users_request& list_users_request::offset(std::int64_t n)
{
    // A negative offset is a database error (500) on the server.
    if (n < 0 || n > std::numeric_limits<std::int32_t>::max())
        note_error(argument_error_, "offset must be between 0 and 2147483647");
    offset_ = n;
    return *this;
}

list_users_request& list_users_request::search(std::string_view term)
{
    check_text(argument_error_, "search", term);
    search_ = term;
    return *this;
}

list_users_request& list_users_request::sort_key(user_sort_key key)
{
    sort_key_ = key;
    return *this;
}

list_users_request& list_users_request::sort_key(std::string_view key)
{
    if (auto i = parse_name(key, user_sort_key_names))
        sort_key_ = static_cast<user_sort_key>(*i);
    else
        note_error(argument_error_, "sort_key must be one of created_at, username, email, phone_number");
    return *this;
}

list_users_request& list_users_request::sort_order(wacht::sort_order order)
{
    sort_order_ = order;
    return *this;
}

list_users_request& list_users_request::sort_order(std::string_view order)
{
    if (auto i = parse_name(order, sort_order_names))
        sort_order_ = static_cast<wacht::sort_order>(*i);
    else
        note_error(argument_error_, "sort_order must be asc or desc");
    return *this;
}

request_spec list_users_request::spec() const
{
    detail::target_builder target;
    target.literal("users");
    if (limit_)
        target.query("limit", std::to_string(*limit_));
    if (offset_)
        target.query("offset", std::to_string(*offset_));
    // The server trims the term and ignores an empty one; trimming here keeps the target honest.
    std::string_view term = search_;
    while (!term.empty() && is_space(term.front()))
        term.remove_prefix(1);
    while (!term.empty() && is_space(term.back()))
        term.remove_suffix(1);
    if (!term.empty())
        target.query("search", term);
    if (sort_key_)
        target.query("sort_key", user_sort_key_names[static_cast<std::size_t>(*sort_key_)]);
    if (sort_order_)
        target.query("sort_order", sort_order_names[static_cast<std::size_t>(*sort_order_)]);
    return request_spec{http_method::get, std::move(target).str(), {}, {}, true, argument_error_};
}

update_password_request::update_password_request(std::shared_ptr<detail::client_impl> impl,
                                                 std::string_view user_id, std::string_view new_password)
    : request_base(std::move(impl)), new_password_(new_password)
{
    target_ = user_target(user_id, argument_error_, {"password"});
    check_text(argument_error_, "new_password", new_password_);
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
    return request_spec{http_method::patch,           target_, "application/json",
                        boost::json::serialize(body), false,   argument_error_};
}

list_users_request users_resource::list() const
{
    return list_users_request(impl_);
}

fixed_request<user_details> users_resource::details(std::string_view user_id) const
{
    std::string error;
    auto target = user_target(user_id, error, {"details"});
    return {impl_, request_spec{http_method::get, std::move(target), {}, {}, true, std::move(error)}};
}

fixed_request<user> users_resource::create(const create_user_params& params) const
{
    std::string error;
    detail::multipart_writer form;
    check_text(error, "first_name", params.first_name);
    check_text(error, "last_name", params.last_name);
    form.text("first_name", params.first_name);
    form.text("last_name", params.last_name);
    const std::pair<std::string_view, const std::optional<std::string>*> optional_fields[] = {
        {"email_address", &params.email_address},
        {"phone_number", &params.phone_number},
        {"username", &params.username},
        {"password", &params.password}};
    for (const auto& [name, value] : optional_fields) {
        check_optional_text(error, name, *value);
        if (*value)
            form.text(name, **value);
    }
    if (params.password && !params.password->empty() &&
        (is_space(params.password->front()) || is_space(params.password->back())))
        note_error(error, "password must not start or end with whitespace (the server would trim it)");
    form.text("skip_password_check", params.skip_password_check ? "true" : "false");
    if (params.profile_image)
        add_profile_image(form, error, *params.profile_image);
    return {impl_, finish_multipart(http_method::post, "/users", std::move(form), std::move(error))};
}

fixed_request<user_details> users_resource::update(std::string_view user_id,
                                                   const update_user_params& params) const
{
    std::string error;
    auto target = user_target(user_id, error);
    detail::multipart_writer form;
    // The server ignores "" for these, so an empty value would be silently lost.
    const std::pair<std::string_view, const std::optional<std::string>*> text_fields[] = {
        {"first_name", &params.first_name}, {"last_name", &params.last_name}, {"username", &params.username}};
    for (const auto& [name, value] : text_fields) {
        check_optional_text(error, name, *value);
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

fixed_request<void> users_resource::remove(std::string_view user_id) const
{
    std::string error;
    auto target = user_target(user_id, error);
    return {impl_, request_spec{http_method::delete_, std::move(target), {}, {}, true, std::move(error)}};
}

update_password_request users_resource::update_password(std::string_view user_id,
                                                        std::string_view new_password) const
{
    return update_password_request(impl_, user_id, new_password);
}

fixed_request<void> users_resource::remove_password(std::string_view user_id) const
{
    std::string error;
    auto target = user_target(user_id, error, {"password"});
    return {impl_, request_spec{http_method::delete_, std::move(target), {}, {}, true, std::move(error)}};
}

} // namespace wacht
