// client.users(): the users core endpoints (contract E1 to E7).
#pragma once

#include <wacht/models/user.hpp>
#include <wacht/request.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wacht {

enum class sort_order
{
    asc,
    desc
};
enum class user_sort_key
{
    created_at,
    username,
    email,
    phone_number
};
enum class second_factor_policy
{
    none,
    optional,
    enforced
};

/// An image to upload as the user's profile picture.
struct profile_image
{
    /// One of image/jpeg, image/jpg, image/png, image/gif, image/webp, image/x-icon,
    /// image/vnd.microsoft.icon. Anything not image/* is rejected before sending (the server would
    /// silently drop it).
    std::string content_type;
    /// The raw bytes; must not be empty. The server caps a whole request at 2 MiB.
    std::string data;
};

/// POST /users. first_name and last_name may be empty text; every optional left empty is not sent.
/// With the default deployment settings the server requires an email address and a strong password
/// (or skip_password_check).
struct create_user_params
{
    std::string first_name;
    std::string last_name;
    std::optional<std::string> email_address;
    std::optional<std::string> phone_number;
    std::optional<std::string> username;
    /// Must not start or end with whitespace: the server trims it, which would silently change it.
    std::optional<std::string> password;
    bool skip_password_check = false;
    std::optional<wacht::profile_image> profile_image;
};

/// PATCH /users/{id}. Only the fields that are set are sent.
struct update_user_params
{
    /// Must not be empty (the server ignores "", so a name cannot be cleared).
    std::optional<std::string> first_name;
    std::optional<std::string> last_name;
    std::optional<std::string> username;
    /// Replaces the stored value entirely (no merge). Any JSON value.
    std::optional<boost::json::value> public_metadata;
    std::optional<boost::json::value> private_metadata;
    /// Disabling a user also deletes all of its sign-ins.
    std::optional<bool> disabled;
    std::optional<wacht::second_factor_policy> second_factor_policy;
    /// Sets the profile picture URL to "". Cannot be combined with profile_image.
    bool remove_profile_image = false;
    std::optional<wacht::profile_image> profile_image;
};

/// GET /users: one page of active users. Every setter validates; the first invalid argument fails
/// send() with errc::invalid_argument before anything is sent.
class list_users_request : public request_base<list_users_request, user_page>
{
public:
    explicit list_users_request(std::shared_ptr<detail::client_impl> impl);

    /// Page size, 0 to 2147483646 (the server's default is 10).
    list_users_request& limit(std::int64_t n);
    /// Rows to skip, 0 to 2147483647.
    list_users_request& offset(std::int64_t n);
    /// Case-insensitive substring over names, username, emails and phone numbers. Trimmed; an empty
    /// term is not sent. The server's search index is updated asynchronously.
    list_users_request& search(std::string_view term);
    list_users_request& sort_key(user_sort_key key);
    /// "created_at", "username", "email" or "phone_number"; anything else is an invalid argument.
    list_users_request& sort_key(std::string_view key);
    list_users_request& sort_order(wacht::sort_order order);
    /// "asc" or "desc"; anything else is an invalid argument.
    list_users_request& sort_order(std::string_view order);

    detail::request_spec spec() const;

private:
    std::optional<std::int64_t> limit_;
    std::optional<std::int64_t> offset_;
    std::string search_;
    std::optional<user_sort_key> sort_key_;
    std::optional<wacht::sort_order> sort_order_;
    std::string argument_error_;
};

/// PATCH /users/{id}/password.
class update_password_request : public request_base<update_password_request, void>
{
public:
    update_password_request(std::shared_ptr<detail::client_impl> impl, std::string_view user_id,
                            std::string_view new_password);

    /// Skip the deployment's password rules (length, character classes).
    update_password_request& skip_password_check(bool skip);

    detail::request_spec spec() const;

private:
    std::string target_;
    std::string argument_error_;
    std::string new_password_;
    bool skip_password_check_ = false;
};

/// The users resource. A cheap value obtained from client::users(); safe to use from any thread.
///
/// Every id argument is a path segment: it is percent-encoded, and an empty id, "." or ".." is an
/// invalid argument, so no id can reach another route.
class users_resource
{
public:
    explicit users_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// GET /users.
    list_users_request list() const;
    /// GET /users/{id}/details. 404 (errc::not_found) if the user is not in the deployment.
    fixed_request<user_details> details(std::string_view user_id) const;
    /// POST /users, sent as multipart/form-data. Not idempotent: never sent twice.
    fixed_request<user> create(const create_user_params& params) const;
    /// PATCH /users/{id}, sent as multipart/form-data. Returns the updated details.
    fixed_request<user_details> update(std::string_view user_id, const update_user_params& params) const;
    /// DELETE /users/{id}: hard delete with cascade. 404 "User not found" when unknown.
    fixed_request<void> remove(std::string_view user_id) const;
    /// PATCH /users/{id}/password. The server does not check that the user exists.
    update_password_request update_password(std::string_view user_id, std::string_view new_password) const;
    /// DELETE /users/{id}/password. 404 "user not found" when unknown.
    fixed_request<void> remove_password(std::string_view user_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

} // namespace wacht
