// SPDX-License-Identifier: BSL-1.0
// async_send() and async_next() for any completion token: the work is spawned here, once per result
// type, behind a type-erased handler, so the token's templates stay in the caller's async_initiate.
#include "detail/client_impl.hpp"

#include <wacht/models/invitation.hpp>
#include <wacht/models/membership.hpp>
#include <wacht/models/mfa.hpp>
#include <wacht/models/passkey.hpp>
#include <wacht/models/session.hpp>
#include <wacht/models/user.hpp>

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/co_spawn.hpp>

#include <exception>
#include <optional>
#include <vector>

namespace wacht::detail {
namespace {

// co_spawn's completion: forwards the outcome to the user's handler. Its associated executor is the
// handler's (co_spawn keeps it busy and dispatches there) and its cancellation slot the handler's
// (co_spawn connects it to the coroutine's cancellation state).
template <class T>
class spawned_completion
{
public:
    using executor_type = boost::asio::any_completion_executor;
    using cancellation_slot_type = boost::asio::cancellation_slot;

    spawned_completion(completion_handler<T> handler, const boost::asio::any_io_executor& fallback)
        : executor_(boost::asio::get_associated_executor(handler, fallback)),
          slot_(boost::asio::get_associated_cancellation_slot(handler)),
          handler_(std::move(handler))
    {}

    executor_type get_executor() const noexcept { return executor_; }
    cancellation_slot_type get_cancellation_slot() const noexcept { return slot_; }

    void operator()(std::exception_ptr failure, result<T> outcome)
    {
        // The work reports every failure in its result; what escapes it (std::bad_alloc) is not a
        // call's outcome, and is rethrown to the run() of the executor, as co_spawn would.
        if (failure)
            std::rethrow_exception(failure);
        std::move(handler_)(std::move(outcome));
    }

private:
    executor_type executor_;
    cancellation_slot_type slot_;
    completion_handler<T> handler_;
};

} // namespace

template <class T>
void launch(const std::shared_ptr<client_impl>& impl, boost::asio::awaitable<result<T>> work,
            completion_handler<T> handler)
{
    boost::asio::co_spawn(impl->executor, std::move(work),
                          spawned_completion<T>(std::move(handler), impl->executor));
}

#define WACHT_INSTANTIATE_LAUNCH(...)                                                                        \
    template void launch<__VA_ARGS__>(const std::shared_ptr<client_impl>&,                                   \
                                      boost::asio::awaitable<result<__VA_ARGS__>>,                           \
                                      completion_handler<__VA_ARGS__>);

// Every model a fixed_request or a list_request returns (the execute<T> of lib/pipeline.cpp).
WACHT_INSTANTIATE_LAUNCH(void)
WACHT_INSTANTIATE_LAUNCH(user)
WACHT_INSTANTIATE_LAUNCH(user_details)
WACHT_INSTANTIATE_LAUNCH(user_page)
WACHT_INSTANTIATE_LAUNCH(user_email)
WACHT_INSTANTIATE_LAUNCH(user_phone)
WACHT_INSTANTIATE_LAUNCH(social_connection_list)
WACHT_INSTANTIATE_LAUNCH(sign_in_list)
WACHT_INSTANTIATE_LAUNCH(revoke_all_result)
WACHT_INSTANTIATE_LAUNCH(passkey_list)
WACHT_INSTANTIATE_LAUNCH(authenticator_created)
WACHT_INSTANTIATE_LAUNCH(backup_codes)
WACHT_INSTANTIATE_LAUNCH(organization_membership_list)
WACHT_INSTANTIATE_LAUNCH(workspace_membership_list)
WACHT_INSTANTIATE_LAUNCH(invitation)
WACHT_INSTANTIATE_LAUNCH(invitation_page)
WACHT_INSTANTIATE_LAUNCH(waitlist_page)
// What the composed_requests return.
WACHT_INSTANTIATE_LAUNCH(std::vector<user_email>)
WACHT_INSTANTIATE_LAUNCH(std::vector<user_phone>)
WACHT_INSTANTIATE_LAUNCH(std::optional<social_connection>)
WACHT_INSTANTIATE_LAUNCH(std::optional<user>)
WACHT_INSTANTIATE_LAUNCH(bool)
// What the pagers and item pagers return.
WACHT_INSTANTIATE_LAUNCH(std::optional<user_page>)
WACHT_INSTANTIATE_LAUNCH(std::optional<invitation_page>)
WACHT_INSTANTIATE_LAUNCH(std::optional<waitlist_page>)
WACHT_INSTANTIATE_LAUNCH(std::optional<invitation>)
WACHT_INSTANTIATE_LAUNCH(std::optional<waitlist_user>)

} // namespace wacht::detail
