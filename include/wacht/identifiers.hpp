// SPDX-License-Identifier: BSL-1.0
// A user's email addresses, phone numbers and social connections (contract E8 to E15, E27, E28).
#pragma once

#include <wacht/export.hpp>
#include <wacht/models/user.hpp>
#include <wacht/request.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// POST /users/{id}/emails. The server does no format or duplicate check. (The docs'
/// verification_strategy parameter does not exist on the server; every added address gets "otp".)
class WACHT_API add_email_request : public request_base<add_email_request, user_email>
{
public:
    /// Made by emails_resource::add(); not meant to be called directly.
    /// @param impl The client's shared state. @param user_id Copied, percent-encoded.
    /// @param email Copied; the address to add.
    add_email_request(std::shared_ptr<detail::client_impl> impl, std::string_view user_id,
                      std::string_view email);

    /// Mark the address verified (default false). The server stamps verified_at either way.
    add_email_request& verified(bool value);
    /// Make it the user's primary address, clearing the flag on the others (default false).
    add_email_request& is_primary(bool value);

    /// The request send() makes, or the first argument error. Used by request_base.
    detail::request_spec spec() const;

private:
    std::string target_;
    std::string argument_error_;
    std::string email_;
    bool verified_ = false;
    bool is_primary_ = false;
};

/// PATCH /users/{id}/emails/{email_id}: only the fields that are set are sent.
struct update_email_params
{
    /// The new address.
    std::optional<std::string> email;
    /// true also stamps verified_at.
    std::optional<bool> verified;
    /// true points the user's primary email at this one but does not change any is_primary flag (the
    /// server's behaviour); make_primary() keeps the flags consistent.
    std::optional<bool> is_primary;
};

/// client.users().emails(). Thread-safe cheap value.
/// Every call only builds a request: it sends nothing and cannot fail; argument errors, like server
/// errors, come out of the builder's send(). String arguments are copied (percent-encoded where they
/// are path segments), so they need only live until the call returns.
class WACHT_API emails_resource
{
public:
    /// Made by users_resource; not meant to be called directly.
    /// @param impl The client's shared state.
    explicit emails_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// POST /users/{id}/emails; see add_email_request. Not idempotent: never sent twice.
    add_email_request add(std::string_view user_id, std::string_view email) const;
    /// 404 "Email not found" unless the address belongs to the user.
    fixed_request<user_email> update(std::string_view user_id, std::string_view email_id,
                                     const update_email_params& params) const;
    /// Deleted, as users_resource::create(create_user_params&&) is: pass a named update_email_params.
    fixed_request<user_email> update(std::string_view, std::string_view,
                                     update_email_params&&) const = delete;
    /// Always 200, also for unknown ids; also deletes social connections linked to the address.
    fixed_request<void> remove(std::string_view user_id, std::string_view email_id) const;
    /// Moves the primary flag here. 400 unless the address is verified; 404 "email not found".
    fixed_request<void> make_primary(std::string_view user_id, std::string_view email_id) const;
    /// The user's addresses (the server has no list route: read from the user's details).
    composed_request<std::vector<user_email>> list(std::string_view user_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

/// POST /users/{id}/phones. country_code is opaque text; the list prints it in front of the number
/// (so "+1" reads best).
class WACHT_API add_phone_request : public request_base<add_phone_request, user_phone>
{
public:
    /// Made by phones_resource::add(); not meant to be called directly.
    /// @param impl The client's shared state. @param user_id Copied, percent-encoded.
    /// @param phone_number Copied; the number without country code. @param country_code Copied.
    add_phone_request(std::shared_ptr<detail::client_impl> impl, std::string_view user_id,
                      std::string_view phone_number, std::string_view country_code);

    /// Mark the number verified (default false).
    add_phone_request& verified(bool value);
    /// Points the user's primary phone here (phones have no is_primary flag of their own).
    add_phone_request& is_primary(bool value);

    /// The request send() makes, or the first argument error. Used by request_base.
    detail::request_spec spec() const;

private:
    std::string target_;
    std::string argument_error_;
    std::string phone_number_;
    std::string country_code_;
    bool verified_ = false;
    bool is_primary_ = false;
};

/// PATCH /users/{id}/phones/{phone_id}: only the fields that are set are sent.
struct update_phone_params
{
    /// The new number, without country code.
    std::optional<std::string> phone_number;
    /// The new country code (opaque text, e.g. "+1").
    std::optional<std::string> country_code;
    /// Mark the number verified or unverified.
    std::optional<bool> verified;
    /// true points the user's primary phone at this one.
    std::optional<bool> is_primary;
};

/// client.users().phones(). Thread-safe cheap value.
/// Every call only builds a request: it sends nothing and cannot fail; argument errors, like server
/// errors, come out of the builder's send(). String arguments are copied (percent-encoded where they
/// are path segments), so they need only live until the call returns.
class WACHT_API phones_resource
{
public:
    /// Made by users_resource; not meant to be called directly.
    /// @param impl The client's shared state.
    explicit phones_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// POST /users/{id}/phones; see add_phone_request. Not idempotent: never sent twice.
    add_phone_request add(std::string_view user_id, std::string_view phone_number,
                          std::string_view country_code) const;
    /// 404 "Phone number not found" unless the phone belongs to the user.
    fixed_request<user_phone> update(std::string_view user_id, std::string_view phone_id,
                                     const update_phone_params& params) const;
    /// Deleted, as users_resource::create(create_user_params&&) is: pass a named update_phone_params.
    fixed_request<user_phone> update(std::string_view, std::string_view,
                                     update_phone_params&&) const = delete;
    /// Always 200, also for unknown ids.
    fixed_request<void> remove(std::string_view user_id, std::string_view phone_id) const;
    /// 400 unless the phone is verified; 404 "phone not found".
    fixed_request<void> make_primary(std::string_view user_id, std::string_view phone_id) const;
    /// The user's phones, read from the user's details.
    composed_request<std::vector<user_phone>> list(std::string_view user_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

/// client.users().social_connections(). The tokens in the results are secrets (redacted by operator<<).
/// Thread-safe cheap value.
/// Every call only builds a request: it sends nothing and cannot fail; argument errors, like server
/// errors, come out of the builder's send(). String arguments are copied (percent-encoded where they
/// are path segments), so they need only live until the call returns.
class WACHT_API social_connections_resource
{
public:
    /// Made by users_resource; not meant to be called directly.
    /// @param impl The client's shared state.
    explicit social_connections_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl))
    {}

    /// Newest first; an unknown user gives an empty list.
    fixed_request<social_connection_list> list(std::string_view user_id) const;
    /// Always 200, also for unknown ids.
    fixed_request<void> remove(std::string_view user_id, std::string_view connection_id) const;
    /// The user's connection for `provider` ("google_oauth", "github_oauth", ...; exact), with its
    /// access and refresh tokens (plaintext; "" when the provider gave none), or nullopt when the user
    /// has none (clerk-rs get_o_auth_access_token). One list() request. The tokens are secrets:
    /// operator<< redacts them.
    composed_request<std::optional<social_connection>> access_token(std::string_view user_id,
                                                                    std::string_view provider) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

} // namespace wacht
