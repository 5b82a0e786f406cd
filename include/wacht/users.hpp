// SPDX-License-Identifier: BSL-1.0
// client.users(): the users endpoints (contract E1 to E7) and the per-user sub-resources.
#pragma once

#include <wacht/export.hpp>
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

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// Whether a user must, may or may not use a second factor.
enum class second_factor_policy
{
    none,     ///< No second factor.
    optional, ///< The user may set one up.
    enforced  ///< A second factor is required.
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
    /// The user's first name.
    std::string first_name;
    /// The user's last name.
    std::string last_name;
    /// The primary email address.
    std::optional<std::string> email_address;
    /// The primary phone number.
    std::optional<std::string> phone_number;
    /// A unique username.
    std::optional<std::string> username;
    /// Must not start or end with whitespace: the server trims it, which would silently change it.
    std::optional<std::string> password;
    /// Skip the deployment's password rules (length, character classes).
    bool skip_password_check = false;
    /// An image to upload as the profile picture.
    std::optional<wacht::profile_image> profile_image;
};

/// PATCH /users/{id}. Only the fields that are set are sent.
struct update_user_params
{
    /// Must not be empty (the server ignores "", so a name cannot be cleared).
    std::optional<std::string> first_name;
    /// The new last name.
    std::optional<std::string> last_name;
    /// The new username.
    std::optional<std::string> username;
    /// Replaces the stored value entirely (no merge). Any JSON value.
    std::optional<boost::json::value> public_metadata;
    /// Replaces the stored value entirely (no merge). Any JSON value.
    std::optional<boost::json::value> private_metadata;
    /// Disabling a user also deletes all of its sign-ins.
    std::optional<bool> disabled;
    /// Whether the user must, may or may not use a second factor.
    std::optional<wacht::second_factor_policy> second_factor_policy;
    /// Sets the profile picture URL to "". Cannot be combined with profile_image.
    bool remove_profile_image = false;
    /// An image to upload as the new profile picture.
    std::optional<wacht::profile_image> profile_image;
};

/// `target` with the JSON Merge Patch `patch` applied (RFC 7386): an object patch merges key by key,
/// recursively, and a null member removes the key; any other patch (an array, a scalar, null)
/// replaces the target. Pure; never throws but for allocation.
boost::json::value json_merge_patch(boost::json::value target, const boost::json::value& patch);

/// PATCH /users/{id}/password.
class WACHT_API update_password_request : public request_base<update_password_request, void>
{
public:
    /// Made by users_resource::update_password(); not meant to be called directly.
    /// @param impl The client's shared state. @param user_id Copied, percent-encoded.
    /// @param new_password Copied; never logged.
    update_password_request(std::shared_ptr<detail::client_impl> impl, std::string_view user_id,
                            std::string_view new_password);

    /// Skip the deployment's password rules (length, character classes).
    update_password_request& skip_password_check(bool skip);

    /// The request send() makes, or the first argument error. Used by request_base.
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
///
/// Every call only builds a request: it sends nothing and cannot fail; argument errors, like server
/// errors, come out of the builder's send(). String arguments are copied (percent-encoded where they
/// are path segments), so they need only live until the call returns.
class WACHT_API users_resource
{
public:
    /// Made by client::users(); not meant to be called directly.
    /// @param impl The client's shared state.
    explicit users_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// GET /users: one page of active users (see list_request; pages() and items() walk them all).
    list_users_request list() const;
    /// The user with this email address (exact, case-insensitive match on any of the user's
    /// addresses), or nullopt: a search, then details for candidates whose primary address differs.
    composed_request<std::optional<user>> find_by_email(std::string_view email) const;
    /// The user whose username is exactly `username` (case-sensitive), or nullopt: a search, then an
    /// exact match on the list items (no further request).
    composed_request<std::optional<user>> find_by_username(std::string_view username) const;
    /// The user with this phone number, or nullopt: a search, then an exact match of `phone` against
    /// country code and number joined ("+14155550123") or the bare number ("4155550123") of any of the
    /// user's numbers (details are read for candidates whose primary number differs). A bare number
    /// may belong to users in several countries: the oldest match is returned.
    composed_request<std::optional<user>> find_by_phone(std::string_view phone) const;
    /// GET /users/{id}/details. 404 (errc::not_found) if the user is not in the deployment.
    fixed_request<user_details> details(std::string_view user_id) const;
    /// POST /users, sent as multipart/form-data. Not idempotent: never sent twice.
    fixed_request<user> create(const create_user_params& params) const;
    /// Deleted: a parameter struct made in the call (`create({.first_name = "Jane"})`) is an aggregate
    /// temporary, and GCC 12 destroys the members of such a temporary twice when the call is inside a
    /// co_await expression (a double free), whether the parameter is a reference or a value. Name the
    /// parameters (`const create_user_params jane{...};`) and pass the variable.
    fixed_request<user> create(create_user_params&&) const = delete;
    /// PATCH /users/{id}, sent as multipart/form-data. Returns the updated details.
    fixed_request<user_details> update(std::string_view user_id, const update_user_params& params) const;
    /// Deleted, as create(create_user_params&&) is: pass a named update_user_params.
    fixed_request<user_details> update(std::string_view, update_user_params&&) const = delete;
    /// PATCH /users/{id} with disabled=true only (clerk-rs ban_user). Disabling also deletes all of the
    /// user's sign-ins (the contract), so every session ends. Returns the updated details.
    fixed_request<user_details> ban(std::string_view user_id) const;
    /// PATCH /users/{id} with disabled=false only (clerk-rs unban_user). Sign-ins deleted by ban()
    /// stay deleted. Returns the updated details.
    fixed_request<user_details> unban(std::string_view user_id) const;
    /// JSON Merge Patch (RFC 7386, see json_merge_patch) of the user's metadata (clerk-rs
    /// update_user_metadata): reads the details, merges each patch that is set into the stored value,
    /// and updates only the metadata that was patched; returns the updated details. Wacht has no
    /// server-side merge, so this is not atomic: a write by someone else between the read and the
    /// update is overwritten. Nothing is sent when the read fails. Neither patch set: only the read.
    composed_request<user_details> merge_metadata(std::string_view user_id,
                                                  std::optional<boost::json::value> public_patch,
                                                  std::optional<boost::json::value> private_patch = {}) const;
    /// DELETE /users/{id}: hard delete with cascade. 404 "User not found" when unknown.
    fixed_request<void> remove(std::string_view user_id) const;
    /// PATCH /users/{id}/password. The server does not check that the user exists.
    update_password_request update_password(std::string_view user_id, std::string_view new_password) const;
    /// DELETE /users/{id}/password. 404 "user not found" when unknown.
    fixed_request<void> remove_password(std::string_view user_id) const;

    /// A user's email addresses. Shares this client's state; never fails.
    emails_resource emails() const { return emails_resource(impl_); }
    /// A user's phone numbers. Shares this client's state; never fails.
    phones_resource phones() const { return phones_resource(impl_); }
    /// A user's linked OAuth accounts. Shares this client's state; never fails.
    social_connections_resource social_connections() const { return social_connections_resource(impl_); }
    /// A user's sign-in sessions. Shares this client's state; never fails.
    sessions_resource sessions() const { return sessions_resource(impl_); }
    /// A user's passkeys. Shares this client's state; never fails.
    passkeys_resource passkeys() const { return passkeys_resource(impl_); }
    /// A user's TOTP authenticator and backup codes. Shares this client's state; never fails.
    mfa_resource mfa() const { return mfa_resource(impl_); }
    /// A user's organization and workspace memberships. Shares this client's state; never fails.
    memberships_resource memberships() const { return memberships_resource(impl_); }

private:
    std::shared_ptr<detail::client_impl> impl_;
};

} // namespace wacht
