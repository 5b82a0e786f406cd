// SPDX-License-Identifier: BSL-1.0
// Paged lists (GET /users, /invitations, /waitlist): one builder for all three, and auto-pagination.
#pragma once

#include <wacht/models/invitation.hpp>
#include <wacht/models/user.hpp>
#include <wacht/request.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// The order of a paged list.
enum class sort_order
{
    asc, ///< Ascending.
    desc ///< Descending.
};
/// GET /users sort keys. `email` sorts by the primary email, `phone_number` by the primary phone.
enum class user_sort_key
{
    created_at,
    username,
    email,
    phone_number
};
/// GET /invitations and GET /waitlist sort keys.
enum class invitation_sort_key
{
    created_at,
    email
};

template <class Request>
class pager;
template <class Request>
class item_pager;

/// One page of a paged list. Every setter validates; the first invalid argument fails send() with
/// errc::invalid_argument before anything is sent (the setters themselves never throw). Setters
/// return *this for chaining; string arguments are copied. Not thread-safe to mutate; send(),
/// pages() and items() copy the builder.
template <class Page, class SortKey>
class WACHT_API list_request : public request_base<list_request<Page, SortKey>, Page>
{
public:
    /// The type of one item of a page.
    using item_type = typename decltype(Page::data)::value_type;

    /// Made by the resources' list() calls; not meant to be called directly.
    /// @param impl The client's shared state. @param path The list's path, e.g. "/users".
    list_request(std::shared_ptr<detail::client_impl> impl, std::string path);

    /// Page size, 0 to 2147483646 (the server's default is 10).
    list_request& limit(std::int64_t n);
    /// Rows to skip, 0 to 2147483647.
    list_request& offset(std::int64_t n);
    /// Case-insensitive substring match (users: names, username, emails, phones; invitations and
    /// waitlist: names and email). Trimmed; an empty term is not sent. '%' and '_' act as wildcards on
    /// the server. The users search index is updated asynchronously by the real server.
    list_request& search(std::string_view term);
    /// The sort key. @return *this, for chaining.
    list_request& sort_key(SortKey key);
    /// The key's name (e.g. "created_at"); an unknown name is an invalid argument.
    list_request& sort_key(std::string_view key);
    /// The sort order. @return *this, for chaining.
    list_request& sort_order(wacht::sort_order order);
    /// "asc" or "desc"; anything else is an invalid argument.
    list_request& sort_order(std::string_view order);

    /// Every page of this query, `page_size` items at a time, starting at this request's offset.
    /// Offset paging skips rows when items are deleted (and repeats rows when items are inserted
    /// before the cursor) while walking; sort by created_at ascending for the most stable walk.
    /// A page_size below 1 (or above the limit() range) fails the first next() with
    /// errc::invalid_argument, before anything is sent. The pager holds a copy of this builder.
    pager<list_request> pages(std::int64_t page_size = 100) const;
    /// Every item of this query, fetched page by page as pages() does.
    item_pager<list_request> items(std::int64_t page_size = 100) const;

    /// The request send() makes: the path with this builder's query string, or the first argument
    /// error. Used by request_base; not meant to be called directly.
    detail::request_spec spec() const;

private:
    template <class>
    friend class pager;

    std::string path_;
    std::optional<std::int64_t> limit_;
    std::optional<std::int64_t> offset_;
    std::string search_;
    std::optional<SortKey> sort_key_;
    std::optional<wacht::sort_order> sort_order_;
    std::string argument_error_;
};

using list_users_request = list_request<user_page, user_sort_key>;
using list_invitations_request = list_request<invitation_page, invitation_sort_key>;
using list_waitlist_request = list_request<waitlist_page, invitation_sort_key>;

/// Walks a paged list page by page, keeping the whole query on every request. Stops after a page
/// with has_more false or an empty page. Not thread-safe: one coroutine at a time; the pager must
/// outlive the awaitables it returns. Each page is a request with the errors and cancellation of
/// request_base::send(); a cancelled next() leaves the pager where it was.
template <class Request>
class WACHT_API pager
{
public:
    /// The page model (for example user_page).
    using page_type = typename Request::response_type;

    /// The next page, or nullopt when the walk is over. Throws api_error (any errc of
    /// request_base::send(), errc::cancelled on cancellation); after an error the same page is asked for
    /// again by the next call. The pager must outlive the awaitable; do not call next() again before it
    /// completes.
    boost::asio::awaitable<std::optional<page_type>> next();
    /// Like next(), never throwing: the error is in the result. Same lifetime and sequencing rules.
    boost::asio::awaitable<result<std::optional<page_type>>> try_next();
    /// Like try_next(), completing any Asio completion token (callback, use_future, deferred,
    /// as_tuple, use_awaitable on any executor). Handler signature:
    /// `void(wacht::result<std::optional<page_type>>)`: the page, nullopt when the walk is over, or the
    /// error (after which the same page is asked for again). Executors and cancellation as
    /// request_base::async_send(); a cancelled async_next() leaves the pager where it was.
    /// Lifetimes: the pager must outlive the operation. Not thread-safe: start the next async_next()
    /// only after the handler of the previous one has run.
    /// @param token Any Asio completion token for the signature above.
    /// @return What the token's async_result makes (see request_base::async_send()).
    /// @throws std::bad_alloc only; every failure of the call goes to the handler.
    template <boost::asio::completion_token_for<void(result<std::optional<page_type>>)> CompletionToken>
    auto async_next(CompletionToken&& token)
    {
        return boost::asio::async_initiate<CompletionToken, void(result<std::optional<page_type>>)>(
            detail::initiate_launch<std::optional<page_type>>{}, token, client_state(),
            [this] { return try_next(); });
    }

    /// The offset the next page starts at: pass it to offset() to resume a walk later.
    std::int64_t offset() const noexcept { return request_.offset_.value_or(0); }
    /// True once the last page has been returned: next() then yields nullopt without a request.
    bool done() const noexcept { return done_; }

private:
    template <class, class>
    friend class list_request;
    template <class>
    friend class item_pager;

    pager(Request request, std::int64_t page_size);
    // The client's shared state, whose executor runs async_next()'s work.
    const std::shared_ptr<detail::client_impl>& client_state() const noexcept { return request_.impl_; }

    Request request_; // limit = page size, offset = the next page's
    bool done_ = false;
};

/// Walks every item of a paged list, a page at a time (see pager). Not thread-safe: one coroutine at a
/// time.
template <class Request>
class WACHT_API item_pager
{
public:
    /// The item model (for example user).
    using item_type = typename Request::item_type;

    /// The next item, or nullopt after the last one; a request is made only when the buffered page is
    /// used up. Throws api_error as pager::next() does (after an error the same page is asked for
    /// again). The item_pager must outlive the awaitable; one next() at a time.
    boost::asio::awaitable<std::optional<item_type>> next();
    /// Like next(), never throwing: the error is in the result. Same lifetime and sequencing rules.
    boost::asio::awaitable<result<std::optional<item_type>>> try_next();
    /// Like try_next(), completing any Asio completion token. Handler signature:
    /// `void(wacht::result<std::optional<item_type>>)`: the item, nullopt after the last one, or the
    /// error. Executors, cancellation, lifetimes and sequencing as pager::async_next().
    /// @param token Any Asio completion token for the signature above.
    /// @return What the token's async_result makes (see request_base::async_send()).
    /// @throws std::bad_alloc only; every failure of the call goes to the handler.
    template <boost::asio::completion_token_for<void(result<std::optional<item_type>>)> CompletionToken>
    auto async_next(CompletionToken&& token)
    {
        return boost::asio::async_initiate<CompletionToken, void(result<std::optional<item_type>>)>(
            detail::initiate_launch<std::optional<item_type>>{}, token, pages_.client_state(),
            [this] { return try_next(); });
    }

    /// The offset of the next item not yet returned: resume a walk from here.
    std::int64_t offset() const noexcept
    {
        return pages_.offset() - static_cast<std::int64_t>(buffered_.size() - position_);
    }

private:
    template <class, class>
    friend class list_request;

    explicit item_pager(pager<Request> pages) : pages_(std::move(pages)) {}

    pager<Request> pages_;
    std::vector<item_type> buffered_;
    std::size_t position_ = 0;
};

extern template class list_request<user_page, user_sort_key>;
extern template class list_request<invitation_page, invitation_sort_key>;
extern template class list_request<waitlist_page, invitation_sort_key>;
extern template class pager<list_users_request>;
extern template class pager<list_invitations_request>;
extern template class pager<list_waitlist_request>;
extern template class item_pager<list_users_request>;
extern template class item_pager<list_invitations_request>;
extern template class item_pager<list_waitlist_request>;

} // namespace wacht
