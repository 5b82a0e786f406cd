// client.users(): the users endpoints (contract E1 to E7) and the per-user sub-resources.
#pragma once

#include <wacht/identifiers.hpp>
#include <wacht/models/user.hpp>
#include <wacht/pagination.hpp>
#include <wacht/request.hpp>
#include <wacht/sessions.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wacht {

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

    /// GET /users: one page of active users (see list_request; pages() and items() walk them all).
    list_users_request list() const;
    /// The user with this email address (exact, case-insensitive match on any of the user's
    /// addresses), or nullopt: a search, then details for candidates whose primary address differs.
    composed_request<std::optional<user>> find_by_email(std::string_view email) const;
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

    emails_resource emails() const { return emails_resource(impl_); }
    phones_resource phones() const { return phones_resource(impl_); }
    social_connections_resource social_connections() const { return social_connections_resource(impl_); }
    sessions_resource sessions() const { return sessions_resource(impl_); }
    passkeys_resource passkeys() const { return passkeys_resource(impl_); }
    mfa_resource mfa() const { return mfa_resource(impl_); }
    memberships_resource memberships() const { return memberships_resource(impl_); }

private:
    std::shared_ptr<detail::client_impl> impl_;
};

} // namespace wacht
