// SPDX-License-Identifier: BSL-1.0
// client.invitations() and client.waitlist() (contract E29 to E33).
#pragma once

#include <wacht/export.hpp>
#include <wacht/models/invitation.hpp>
#include <wacht/pagination.hpp>
#include <wacht/request.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// POST /invitations. The server validates nothing (empty strings and odd emails are accepted).
struct invite_params
{
    /// The invitee's first name.
    std::string first_name;
    /// The invitee's last name.
    std::string last_name;
    /// Where the invitation is sent.
    std::string email_address;
    /// Days until the invitation expires (server default 7); 1 to 36500 here, since the server
    /// accepts any value and an extreme one crashes its date arithmetic.
    std::optional<std::int64_t> expiry_days;
};

/// client.invitations(). Thread-safe cheap value.
/// Every call only builds a request: it sends nothing and cannot fail; argument errors, like server
/// errors, come out of the builder's send(). String arguments are copied (percent-encoded where they
/// are path segments), so they need only live until the call returns.
class WACHT_API invitations_resource
{
public:
    /// Made by the client; not meant to be called directly.
    /// @param impl The client's shared state.
    explicit invitations_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// GET /invitations (expired ones included). Sort keys: created_at, email.
    list_invitations_request list() const;
    /// POST /invitations: creates the invitation and emails it. Not idempotent: never sent twice.
    fixed_request<invitation> invite(const invite_params& params) const;
    /// Deleted, as users_resource::create(create_user_params&&) is: pass a named invite_params.
    fixed_request<invitation> invite(invite_params&&) const = delete;
    /// 404 "Invitation not found".
    fixed_request<void> remove(std::string_view invitation_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

/// client.waitlist(). Thread-safe cheap value.
/// Every call only builds a request: it sends nothing and cannot fail; argument errors, like server
/// errors, come out of the builder's send(). String arguments are copied (percent-encoded where they
/// are path segments), so they need only live until the call returns.
class WACHT_API waitlist_resource
{
public:
    /// Made by the client; not meant to be called directly.
    /// @param impl The client's shared state.
    explicit waitlist_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// GET /waitlist. Sort keys: created_at, email.
    list_waitlist_request list() const;
    /// Turns the entry into an invitation (7-day expiry) and removes it from the waitlist.
    /// 404 "Waitlist user not found".
    fixed_request<invitation> approve(std::string_view waitlist_user_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

} // namespace wacht
