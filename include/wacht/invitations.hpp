// client.invitations() and client.waitlist() (contract E29 to E33).
#pragma once

#include <wacht/models/invitation.hpp>
#include <wacht/pagination.hpp>
#include <wacht/request.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wacht {

/// POST /invitations. The server validates nothing (empty strings and odd emails are accepted).
struct invite_params
{
    std::string first_name;
    std::string last_name;
    std::string email_address;
    /// Days until the invitation expires (server default 7); 1 to 36500 here, since the server
    /// accepts any value and an extreme one crashes its date arithmetic.
    std::optional<std::int64_t> expiry_days;
};

/// client.invitations(). Thread-safe cheap value.
class invitations_resource
{
public:
    explicit invitations_resource(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// GET /invitations (expired ones included). Sort keys: created_at, email.
    list_invitations_request list() const;
    /// POST /invitations: creates the invitation and emails it. Not idempotent: never sent twice.
    fixed_request<invitation> invite(const invite_params& params) const;
    /// 404 "Invitation not found".
    fixed_request<void> remove(std::string_view invitation_id) const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

/// client.waitlist(). Thread-safe cheap value.
class waitlist_resource
{
public:
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
