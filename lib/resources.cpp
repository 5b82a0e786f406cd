// SPDX-License-Identifier: BSL-1.0
// The per-user sub-resources (identifiers, sessions, passkeys, MFA, memberships), invitations and the
// waitlist: builders that turn typed parameters into request specs. No I/O here.
#include "detail/builders.hpp"

#include <wacht/client.hpp>

namespace wacht {
namespace {

constexpr std::string_view add_email_route = "/users/{user_id}/emails";
constexpr std::string_view add_phone_route = "/users/{user_id}/phones";
constexpr std::string_view list_sessions_route = "/users/{user_id}/sessions";
constexpr std::string_view create_authenticator_route = "/users/{user_id}/authenticators";

using detail::http_method;
using detail::note_error;
using detail::request_spec;
using detail::route_target;

// details(user_id), projected onto one of its lists.
template <class T>
boost::asio::awaitable<result<std::vector<T>>>
project_details(std::shared_ptr<detail::client_impl> impl, detail::call_settings settings,
                std::string user_id, std::vector<T> user_details::*member)
{
    const detail::composed_steps step(*impl, std::move(settings));
    auto details = co_await step(users_resource(impl).details(user_id)).try_send();
    if (!details)
        co_return details.error();
    co_return std::move(*details).*member;
}

// social_connections().access_token(): the list, searched for the provider.
boost::asio::awaitable<result<std::optional<social_connection>>>
connection_for(std::shared_ptr<detail::client_impl> impl, detail::call_settings settings,
               fixed_request<social_connection_list> list, std::string provider, std::string error)
{
    if (!error.empty())
        co_return wacht::error{errc::invalid_argument, {.detail = std::move(error)}};
    const detail::composed_steps step(*impl, std::move(settings));
    auto connections = co_await step(std::move(list)).try_send();
    if (!connections)
        co_return connections.error();
    for (auto& connection : connections->data)
        if (connection.provider == provider)
            co_return std::optional<social_connection>(std::move(connection));
    co_return std::optional<social_connection>();
}

// mfa().disable(): a 404 "authenticator not found" means there was nothing to disable.
boost::asio::awaitable<result<bool>> disable_mfa_op(std::shared_ptr<detail::client_impl> impl,
                                                    detail::call_settings settings,
                                                    fixed_request<void> remove)
{
    const detail::composed_steps step(*impl, std::move(settings));
    auto removed = co_await step(std::move(remove)).try_send();
    if (removed)
        co_return true;
    const auto& e = removed.error();
    if (e.code == errc::not_found && e.diagnostics.server_messages.size() == 1 &&
        e.diagnostics.server_messages[0].message == "authenticator not found")
        co_return false;
    co_return e;
}

} // namespace

// ---- emails ---------------------------------------------------------------------------------------

add_email_request::add_email_request(std::shared_ptr<detail::client_impl> impl, std::string_view user_id,
                                     std::string_view email)
    : request_base(std::move(impl)), email_(email)
{
    target_ = route_target(argument_error_, add_email_route, {user_id}).target;
    detail::check_text(argument_error_, "email", email);
    if (detail::trim(email).empty())
        note_error(argument_error_, "email must not be empty");
}

add_email_request& add_email_request::verified(bool value)
{
    verified_ = value;
    return *this;
}

add_email_request& add_email_request::is_primary(bool value)
{
    is_primary_ = value;
    return *this;
}

request_spec add_email_request::spec() const
{
    return detail::json_request(http_method::post, {add_email_route, target_},
                                {{"email", email_}, {"verified", verified_}, {"is_primary", is_primary_}},
                                argument_error_);
}

add_email_request emails_resource::add(std::string_view user_id, std::string_view email) const
{
    return add_email_request(impl_, user_id, email);
}

fixed_request<user_email> emails_resource::update(std::string_view user_id, std::string_view email_id,
                                                  const update_email_params& params) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/emails/{email_id}", {user_id, email_id});
    detail::check_optional_text(error, "email", params.email);
    boost::json::object body;
    if (params.email)
        body["email"] = *params.email;
    if (params.verified)
        body["verified"] = *params.verified;
    if (params.is_primary)
        body["is_primary"] = *params.is_primary;
    return {impl_, detail::json_request(http_method::patch, std::move(target), body, std::move(error))};
}

fixed_request<void> emails_resource::remove(std::string_view user_id, std::string_view email_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/emails/{email_id}", {user_id, email_id});
    return {impl_, detail::bodiless(http_method::delete_, std::move(target), std::move(error))};
}

fixed_request<void> emails_resource::make_primary(std::string_view user_id, std::string_view email_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/emails/{email_id}/make-primary", {user_id, email_id});
    return {impl_, detail::bodiless(http_method::post, std::move(target), std::move(error))};
}

composed_request<std::vector<user_email>> emails_resource::list(std::string_view user_id) const
{
    return composed_request<std::vector<user_email>>(
        impl_, [impl = impl_, id = std::string(user_id)](const detail::call_settings& settings) {
            return project_details(impl, settings, id, &user_details::email_addresses);
        });
}

// ---- phones ---------------------------------------------------------------------------------------

add_phone_request::add_phone_request(std::shared_ptr<detail::client_impl> impl, std::string_view user_id,
                                     std::string_view phone_number, std::string_view country_code)
    : request_base(std::move(impl)), phone_number_(phone_number), country_code_(country_code)
{
    target_ = route_target(argument_error_, add_phone_route, {user_id}).target;
    detail::check_text(argument_error_, "phone_number", phone_number);
    detail::check_text(argument_error_, "country_code", country_code);
    if (detail::trim(phone_number).empty())
        note_error(argument_error_, "phone_number must not be empty");
}

add_phone_request& add_phone_request::verified(bool value)
{
    verified_ = value;
    return *this;
}

add_phone_request& add_phone_request::is_primary(bool value)
{
    is_primary_ = value;
    return *this;
}

request_spec add_phone_request::spec() const
{
    return detail::json_request(http_method::post, {add_phone_route, target_},
                                {{"phone_number", phone_number_},
                                 {"country_code", country_code_},
                                 {"verified", verified_},
                                 {"is_primary", is_primary_}},
                                argument_error_);
}

add_phone_request phones_resource::add(std::string_view user_id, std::string_view phone_number,
                                       std::string_view country_code) const
{
    return add_phone_request(impl_, user_id, phone_number, country_code);
}

fixed_request<user_phone> phones_resource::update(std::string_view user_id, std::string_view phone_id,
                                                  const update_phone_params& params) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/phones/{phone_id}", {user_id, phone_id});
    detail::check_optional_text(error, "phone_number", params.phone_number);
    if (params.country_code)
        detail::check_text(error, "country_code", *params.country_code);
    boost::json::object body;
    if (params.phone_number)
        body["phone_number"] = *params.phone_number;
    if (params.country_code)
        body["country_code"] = *params.country_code;
    if (params.verified)
        body["verified"] = *params.verified;
    if (params.is_primary)
        body["is_primary"] = *params.is_primary;
    return {impl_, detail::json_request(http_method::patch, std::move(target), body, std::move(error))};
}

fixed_request<void> phones_resource::remove(std::string_view user_id, std::string_view phone_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/phones/{phone_id}", {user_id, phone_id});
    return {impl_, detail::bodiless(http_method::delete_, std::move(target), std::move(error))};
}

fixed_request<void> phones_resource::make_primary(std::string_view user_id, std::string_view phone_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/phones/{phone_id}/make-primary", {user_id, phone_id});
    return {impl_, detail::bodiless(http_method::post, std::move(target), std::move(error))};
}

composed_request<std::vector<user_phone>> phones_resource::list(std::string_view user_id) const
{
    return composed_request<std::vector<user_phone>>(
        impl_, [impl = impl_, id = std::string(user_id)](const detail::call_settings& settings) {
            return project_details(impl, settings, id, &user_details::phone_numbers);
        });
}

// ---- social connections ------------------------------------------------------------------------------

fixed_request<social_connection_list> social_connections_resource::list(std::string_view user_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/social-connections", {user_id});
    return {impl_, detail::bodiless(http_method::get, std::move(target), std::move(error))};
}

fixed_request<void> social_connections_resource::remove(std::string_view user_id,
                                                        std::string_view connection_id) const
{
    std::string error;
    auto target =
        route_target(error, "/users/{user_id}/social-connections/{connection_id}", {user_id, connection_id});
    return {impl_, detail::bodiless(http_method::delete_, std::move(target), std::move(error))};
}

composed_request<std::optional<social_connection>>
social_connections_resource::access_token(std::string_view user_id, std::string_view provider) const
{
    std::string error;
    detail::check_text(error, "provider", provider);
    if (provider.empty())
        note_error(error, "provider must not be empty");
    return composed_request<std::optional<social_connection>>(
        impl_, [impl = impl_, list = list(user_id), provider = std::string(provider),
                error](const detail::call_settings& settings) {
            return connection_for(impl, settings, list, provider, error);
        });
}

// ---- sessions -------------------------------------------------------------------------------------

list_sessions_request::list_sessions_request(std::shared_ptr<detail::client_impl> impl,
                                             std::string_view user_id)
    : request_base(std::move(impl))
{
    target_ = route_target(argument_error_, list_sessions_route, {user_id}).target;
}

list_sessions_request& list_sessions_request::include_expired(bool value)
{
    include_expired_ = value;
    return *this;
}

request_spec list_sessions_request::spec() const
{
    return detail::bodiless(
        http_method::get, {list_sessions_route, target_ + (include_expired_ ? "?include_expired=true" : "")},
        argument_error_);
}

list_sessions_request sessions_resource::list(std::string_view user_id) const
{
    return list_sessions_request(impl_, user_id);
}

fixed_request<void> sessions_resource::revoke(std::string_view user_id, std::string_view sign_in_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/sessions/{sign_in_id}/revoke", {user_id, sign_in_id});
    return {impl_, detail::bodiless(http_method::post, std::move(target), std::move(error))};
}

fixed_request<revoke_all_result> sessions_resource::revoke_all(std::string_view user_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/sessions/revoke-all", {user_id});
    return {impl_, detail::bodiless(http_method::post, std::move(target), std::move(error))};
}

// ---- passkeys -------------------------------------------------------------------------------------

fixed_request<passkey_list> passkeys_resource::list(std::string_view user_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/passkeys", {user_id});
    return {impl_, detail::bodiless(http_method::get, std::move(target), std::move(error))};
}

fixed_request<void> passkeys_resource::rename(std::string_view user_id, std::string_view passkey_id,
                                              std::string_view name) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/passkeys/{passkey_id}", {user_id, passkey_id});
    detail::check_text(error, "name", name);
    if (detail::trim(name).empty())
        note_error(error, "name must not be blank");
    return {impl_,
            detail::json_request(http_method::patch, std::move(target), {{"name", name}}, std::move(error))};
}

fixed_request<void> passkeys_resource::remove(std::string_view user_id, std::string_view passkey_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/passkeys/{passkey_id}", {user_id, passkey_id});
    return {impl_, detail::bodiless(http_method::delete_, std::move(target), std::move(error))};
}

// ---- MFA ------------------------------------------------------------------------------------------

create_authenticator_request::create_authenticator_request(std::shared_ptr<detail::client_impl> impl,
                                                           std::string_view user_id, std::string_view secret)
    : request_base(std::move(impl)), secret_(secret)
{
    target_ = route_target(argument_error_, create_authenticator_route, {user_id}).target;
    // The same checks as the server, so that a bad secret fails before it travels anywhere.
    const auto size = detail::totp_secret_size(secret);
    if (!size)
        note_error(argument_error_, "secret must be RFC 4648 base32 without '=' padding");
    else if (*size < 16)
        note_error(argument_error_, "secret must be at least 128 bits (26 base32 characters)");
}

create_authenticator_request& create_authenticator_request::account_name(std::string_view name)
{
    detail::check_text(argument_error_, "account_name", name);
    if (name.find(':') != std::string_view::npos)
        note_error(argument_error_, "account_name must not contain ':'");
    account_name_ = name;
    return *this;
}

request_spec create_authenticator_request::spec() const
{
    boost::json::object body{{"secret", secret_}};
    if (!detail::trim(account_name_).empty())
        body["account_name"] = account_name_;
    return detail::json_request(http_method::post, {create_authenticator_route, target_}, body,
                                argument_error_);
}

create_authenticator_request mfa_resource::create_authenticator(std::string_view user_id,
                                                                std::string_view secret) const
{
    return create_authenticator_request(impl_, user_id, secret);
}

fixed_request<void> mfa_resource::delete_authenticator(std::string_view user_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/authenticators", {user_id});
    return {impl_, detail::bodiless(http_method::delete_, std::move(target), std::move(error))};
}

composed_request<bool> mfa_resource::disable(std::string_view user_id) const
{
    return composed_request<bool>(
        impl_, [impl = impl_, remove = delete_authenticator(user_id)](const detail::call_settings& settings) {
            return disable_mfa_op(impl, settings, remove);
        });
}

fixed_request<backup_codes> mfa_resource::regenerate_backup_codes(std::string_view user_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/backup-codes/regenerate", {user_id});
    return {impl_, detail::bodiless(http_method::post, std::move(target), std::move(error))};
}

// ---- memberships ----------------------------------------------------------------------------------

fixed_request<organization_membership_list>
memberships_resource::organizations(std::string_view user_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/organization-memberships", {user_id});
    return {impl_, detail::bodiless(http_method::get, std::move(target), std::move(error))};
}

fixed_request<workspace_membership_list> memberships_resource::workspaces(std::string_view user_id) const
{
    std::string error;
    auto target = route_target(error, "/users/{user_id}/workspace-memberships", {user_id});
    return {impl_, detail::bodiless(http_method::get, std::move(target), std::move(error))};
}

// ---- invitations and waitlist -----------------------------------------------------------------------

list_invitations_request invitations_resource::list() const
{
    return list_invitations_request(impl_, "/invitations");
}

fixed_request<invitation> invitations_resource::invite(const invite_params& params) const
{
    std::string error;
    detail::check_text(error, "first_name", params.first_name);
    detail::check_text(error, "last_name", params.last_name);
    detail::check_text(error, "email_address", params.email_address);
    boost::json::object body{{"first_name", params.first_name},
                             {"last_name", params.last_name},
                             {"email_address", params.email_address}};
    if (params.expiry_days) {
        if (*params.expiry_days < 1 || *params.expiry_days > 36500)
            note_error(error, "expiry_days must be between 1 and 36500");
        body["expiry_days"] = *params.expiry_days;
    }
    return {impl_, detail::json_request(http_method::post, {"/invitations", "/invitations"}, body,
                                        std::move(error))};
}

fixed_request<void> invitations_resource::remove(std::string_view invitation_id) const
{
    std::string error;
    auto target = route_target(error, "/invitations/{invitation_id}", {invitation_id});
    return {impl_, detail::bodiless(http_method::delete_, std::move(target), std::move(error))};
}

list_waitlist_request waitlist_resource::list() const
{
    return list_waitlist_request(impl_, "/waitlist");
}

fixed_request<invitation> waitlist_resource::approve(std::string_view waitlist_user_id) const
{
    std::string error;
    auto target = route_target(error, "/waitlist/{waitlist_user_id}/approve", {waitlist_user_id});
    return {impl_, detail::bodiless(http_method::post, std::move(target), std::move(error))};
}

} // namespace wacht
