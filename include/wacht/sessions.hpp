// SPDX-License-Identifier: BSL-1.0
// A user's sign-in sessions, passkeys, TOTP authenticator and backup codes, and memberships
// (contract E16 to E26).
#pragma once

#include <wacht/export.hpp>
#include <wacht/models/membership.hpp>
#include <wacht/models/mfa.hpp>
#include <wacht/models/passkey.hpp>
#include <wacht/models/session.hpp>
#include <wacht/request.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// GET /users/{id}/sessions: un-revoked sign-ins, most recently active first.
class WACHT_API list_sessions_request : public request_base<list_sessions_request, sign_in_list>
{
public:
    /// Made by sessions_resource::list(); not meant to be called directly.
    /// @param impl The client's shared state. @param user_id Copied, percent-encoded; an empty id is
    /// an invalid argument.
    list_sessions_request(std::shared_ptr<detail::client_impl> impl, std::string_view user_id);

    /// Include sign-ins that have expired (default false).
    list_sessions_request& include_expired(bool value);

    /// The request send() makes, or the first argument error. Used by request_base.
    detail::request_spec spec() const;

private:
    std::string target_;
    std::string argument_error_;
    bool include_expired_ = false;
};

/// client.users().sessions(). Thread-safe cheap value.
/// Every call only builds a request: it sends nothing and cannot fail; argument errors, like server
/// errors, come out of the builder's send(). String arguments are copied (percent-encoded where they
/// are path segments), so they need only live until the call returns.
class WACHT_API sessions_resource
{
public:
    /// Made by the client and users_resource; not meant to be called directly.
    /// @param impl The client's shared state.
    explicit sessions_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// GET /users/{id}/sessions; see list_sessions_request.
    list_sessions_request list(std::string_view user_id) const;
    /// 404 "signin not found" when there is no un-revoked sign-in with that id (so revoking twice fails).
    fixed_request<void> revoke(std::string_view user_id, std::string_view sign_in_id) const;
    /// Revokes every un-revoked sign-in, expired ones included, and returns how many.
    fixed_request<revoke_all_result> revoke_all(std::string_view user_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

/// client.users().passkeys(). Thread-safe cheap value.
/// Every call only builds a request: it sends nothing and cannot fail; argument errors, like server
/// errors, come out of the builder's send(). String arguments are copied (percent-encoded where they
/// are path segments), so they need only live until the call returns.
class WACHT_API passkeys_resource
{
public:
    /// Made by the client and users_resource; not meant to be called directly.
    /// @param impl The client's shared state.
    explicit passkeys_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// Newest first; an unknown user gives an empty list.
    fixed_request<passkey_list> list(std::string_view user_id) const;
    /// The server trims the name; a blank name is an invalid argument. 404 "passkey not found".
    fixed_request<void> rename(std::string_view user_id, std::string_view passkey_id,
                               std::string_view name) const;
    /// 404 "passkey not found".
    fixed_request<void> remove(std::string_view user_id, std::string_view passkey_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

/// POST /users/{id}/authenticators: provisions TOTP from a base32 secret of at least 128 bits.
class WACHT_API create_authenticator_request
    : public request_base<create_authenticator_request, authenticator_created>
{
public:
    /// Made by mfa_resource::create_authenticator(); not meant to be called directly.
    /// `secret`: RFC 4648 base32 as the server reads it (case-insensitive; whitespace, Unicode
    /// whitespace included, and '-' ignored; no '=' padding; any length), at least 26 characters
    /// (128 bits). A shorter secret or another character is an invalid argument, reported before
    /// anything is sent. The secret is never logged.
    create_authenticator_request(std::shared_ptr<detail::client_impl> impl, std::string_view user_id,
                                 std::string_view secret);

    /// The account shown in authenticator apps (default: primary email, username, name or
    /// user-\<id\>). Must not contain ':'.
    create_authenticator_request& account_name(std::string_view name);

    /// The request send() makes, or the first argument error. Used by request_base.
    detail::request_spec spec() const;

private:
    std::string target_;
    std::string argument_error_;
    std::string secret_;
    std::string account_name_;
};

/// client.users().mfa(). Thread-safe cheap value.
/// Every call only builds a request: it sends nothing and cannot fail; argument errors, like server
/// errors, come out of the builder's send(). String arguments are copied (percent-encoded where they
/// are path segments), so they need only live until the call returns.
class WACHT_API mfa_resource
{
public:
    /// Made by the client and users_resource; not meant to be called directly.
    /// @param impl The client's shared state.
    explicit mfa_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// 409 (errc::conflict) "user already has an active authenticator"; 404 "user not found".
    create_authenticator_request create_authenticator(std::string_view user_id,
                                                      std::string_view secret) const;
    /// 404 "authenticator not found" when none is active.
    fixed_request<void> delete_authenticator(std::string_view user_id) const;
    /// Turns the user's TOTP authenticator off (clerk-rs disable_mfa): delete_authenticator(), with the
    /// server's 404 "authenticator not found" read as "nothing to disable". True when one was deleted,
    /// false when none was active (the server gives the same answer for an unknown user); every other
    /// failure is an error. Backup codes are left as they are.
    composed_request<bool> disable(std::string_view user_id) const;
    /// Replaces the user's backup codes with 12 new ones, returned once. 404 "user not found".
    fixed_request<backup_codes> regenerate_backup_codes(std::string_view user_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

/// client.users().memberships(). Thread-safe cheap value.
/// Every call only builds a request: it sends nothing and cannot fail; argument errors, like server
/// errors, come out of the builder's send(). String arguments are copied (percent-encoded where they
/// are path segments), so they need only live until the call returns.
class WACHT_API memberships_resource
{
public:
    /// Made by the client and users_resource; not meant to be called directly.
    /// @param impl The client's shared state.
    explicit memberships_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// Newest first, each with its roles (sorted by name); an unknown user gives an empty list.
    fixed_request<organization_membership_list> organizations(std::string_view user_id) const;
    /// The user's workspace memberships, newest first, each with its roles and workspace; an unknown
    /// user gives an empty list.
    fixed_request<workspace_membership_list> workspaces(std::string_view user_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

} // namespace wacht
