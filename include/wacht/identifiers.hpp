// A user's email addresses, phone numbers and social connections (contract E8 to E15, E27, E28).
#pragma once

#include <wacht/models/user.hpp>
#include <wacht/request.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wacht {

/// POST /users/{id}/emails. The server does no format or duplicate check. (The docs'
/// verification_strategy parameter does not exist on the server; every added address gets "otp".)
class add_email_request : public request_base<add_email_request, user_email>
{
public:
    add_email_request(std::shared_ptr<detail::client_impl> impl, std::string_view user_id,
                      std::string_view email);

    /// Mark the address verified (default false). The server stamps verified_at either way.
    add_email_request& verified(bool value);
    /// Make it the user's primary address, clearing the flag on the others (default false).
    add_email_request& is_primary(bool value);

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
    std::optional<std::string> email;
    /// true also stamps verified_at.
    std::optional<bool> verified;
    /// true points the user's primary email at this one but does not change any is_primary flag (the
    /// server's behaviour); make_primary() keeps the flags consistent.
    std::optional<bool> is_primary;
};

/// client.users().emails(). Thread-safe cheap value.
class emails_resource
{
public:
    explicit emails_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    add_email_request add(std::string_view user_id, std::string_view email) const;
    /// 404 "Email not found" unless the address belongs to the user.
    fixed_request<user_email> update(std::string_view user_id, std::string_view email_id,
                                     const update_email_params& params) const;
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
class add_phone_request : public request_base<add_phone_request, user_phone>
{
public:
    add_phone_request(std::shared_ptr<detail::client_impl> impl, std::string_view user_id,
                      std::string_view phone_number, std::string_view country_code);

    add_phone_request& verified(bool value);
    /// Points the user's primary phone here (phones have no is_primary flag of their own).
    add_phone_request& is_primary(bool value);

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
    std::optional<std::string> phone_number;
    std::optional<std::string> country_code;
    std::optional<bool> verified;
    std::optional<bool> is_primary;
};

/// client.users().phones(). Thread-safe cheap value.
class phones_resource
{
public:
    explicit phones_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    add_phone_request add(std::string_view user_id, std::string_view phone_number,
                          std::string_view country_code) const;
    /// 404 "Phone number not found" unless the phone belongs to the user.
    fixed_request<user_phone> update(std::string_view user_id, std::string_view phone_id,
                                     const update_phone_params& params) const;
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
class social_connections_resource
{
public:
    explicit social_connections_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl))
    {}

    /// Newest first; an unknown user gives an empty list.
    fixed_request<social_connection_list> list(std::string_view user_id) const;
    /// Always 200, also for unknown ids.
    fixed_request<void> remove(std::string_view user_id, std::string_view connection_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

} // namespace wacht
