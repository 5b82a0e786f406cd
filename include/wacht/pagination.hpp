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

namespace wacht {

enum class sort_order
{
    asc,
    desc
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
/// errc::invalid_argument before anything is sent.
template <class Page, class SortKey>
class list_request : public request_base<list_request<Page, SortKey>, Page>
{
public:
    using item_type = typename decltype(Page::data)::value_type;

    list_request(std::shared_ptr<detail::client_impl> impl, std::string path);

    /// Page size, 0 to 2147483646 (the server's default is 10).
    list_request& limit(std::int64_t n);
    /// Rows to skip, 0 to 2147483647.
    list_request& offset(std::int64_t n);
    /// Case-insensitive substring match (users: names, username, emails, phones; invitations and
    /// waitlist: names and email). Trimmed; an empty term is not sent. '%' and '_' act as wildcards on
    /// the server. The users search index is updated asynchronously by the real server.
    list_request& search(std::string_view term);
    list_request& sort_key(SortKey key);
    /// The key's name (e.g. "created_at"); an unknown name is an invalid argument.
    list_request& sort_key(std::string_view key);
    list_request& sort_order(wacht::sort_order order);
    /// "asc" or "desc"; anything else is an invalid argument.
    list_request& sort_order(std::string_view order);

    /// Every page of this query, `page_size` items at a time, starting at this request's offset.
    /// Offset paging skips rows when items are deleted (and repeats rows when items are inserted
    /// before the cursor) while walking; sort by created_at ascending for the most stable walk.
    pager<list_request> pages(std::int64_t page_size = 100) const;
    /// Every item of this query, fetched page by page as pages() does.
    item_pager<list_request> items(std::int64_t page_size = 100) const;

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
/// outlive the awaitables it returns.
template <class Request>
class pager
{
public:
    using page_type = typename Request::response_type;

    /// The next page, or nullopt when the walk is over. Throws api_error; after an error the same
    /// page is asked for again by the next call.
    boost::asio::awaitable<std::optional<page_type>> next();
    /// Like next(), never throwing.
    boost::asio::awaitable<result<std::optional<page_type>>> try_next();

    /// The offset the next page starts at: pass it to offset() to resume a walk later.
    std::int64_t offset() const noexcept { return request_.offset_.value_or(0); }
    bool done() const noexcept { return done_; }

private:
    template <class, class>
    friend class list_request;

    pager(Request request, std::int64_t page_size);

    Request request_; // limit = page size, offset = the next page's
    bool done_ = false;
};

/// Walks every item of a paged list, a page at a time (see pager).
template <class Request>
class item_pager
{
public:
    using item_type = typename Request::item_type;

    /// The next item, or nullopt after the last one. Throws api_error.
    boost::asio::awaitable<std::optional<item_type>> next();
    /// Like next(), never throwing.
    boost::asio::awaitable<result<std::optional<item_type>>> try_next();

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
