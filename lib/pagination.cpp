// SPDX-License-Identifier: BSL-1.0
// The paged-list builder shared by users, invitations and waitlist, and the pagers that walk them.
#include "detail/builders.hpp"

#include <wacht/pagination.hpp>

#include <limits>

namespace wacht {
namespace {

template <class SortKey>
struct sort_key_names;

template <>
struct sort_key_names<user_sort_key>
{
    static constexpr std::string_view names[] = {"created_at", "username", "email", "phone_number"};
    static constexpr const char* error = "sort_key must be one of created_at, username, email, phone_number";
};

template <>
struct sort_key_names<invitation_sort_key>
{
    static constexpr std::string_view names[] = {"created_at", "email"};
    static constexpr const char* error = "sort_key must be created_at or email";
};

// The route of each list (a string literal, which outlives every request made from the builder).
template <class Page>
struct list_route;
template <>
struct list_route<user_page>
{
    static constexpr std::string_view value = "/users";
};
template <>
struct list_route<invitation_page>
{
    static constexpr std::string_view value = "/invitations";
};
template <>
struct list_route<waitlist_page>
{
    static constexpr std::string_view value = "/waitlist";
};

constexpr std::string_view sort_order_names[] = {"asc", "desc"};

template <std::size_t N>
std::optional<std::size_t> index_of(std::string_view text, const std::string_view (&names)[N])
{
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == text)
            return i;
    return std::nullopt;
}

} // namespace

template <class Page, class SortKey>
list_request<Page, SortKey>::list_request(std::shared_ptr<detail::client_impl> impl, std::string path)
    : request_base<list_request, Page>(std::move(impl)), path_(std::move(path))
{}

template <class Page, class SortKey>
list_request<Page, SortKey>& list_request<Page, SortKey>::limit(std::int64_t n)
{
    // The server adds 1 to the limit in an i32: 2^31-1 and above overflow into a 500.
    if (n < 0 || n >= std::numeric_limits<std::int32_t>::max())
        detail::note_error(argument_error_, "limit must be between 0 and 2147483646");
    limit_ = n;
    return *this;
}

template <class Page, class SortKey>
list_request<Page, SortKey>& list_request<Page, SortKey>::offset(std::int64_t n)
{
    // A negative offset is a database error (500) on the server.
    if (n < 0 || n > std::numeric_limits<std::int32_t>::max())
        detail::note_error(argument_error_, "offset must be between 0 and 2147483647");
    offset_ = n;
    return *this;
}

template <class Page, class SortKey>
list_request<Page, SortKey>& list_request<Page, SortKey>::search(std::string_view term)
{
    detail::check_text(argument_error_, "search", term);
    search_ = detail::trim(term); // the server trims and ignores an empty term
    return *this;
}

template <class Page, class SortKey>
list_request<Page, SortKey>& list_request<Page, SortKey>::sort_key(SortKey key)
{
    sort_key_ = key;
    return *this;
}

template <class Page, class SortKey>
list_request<Page, SortKey>& list_request<Page, SortKey>::sort_key(std::string_view key)
{
    if (auto i = index_of(key, sort_key_names<SortKey>::names))
        sort_key_ = static_cast<SortKey>(*i);
    else
        detail::note_error(argument_error_, sort_key_names<SortKey>::error);
    return *this;
}

template <class Page, class SortKey>
list_request<Page, SortKey>& list_request<Page, SortKey>::sort_order(wacht::sort_order order)
{
    sort_order_ = order;
    return *this;
}

template <class Page, class SortKey>
list_request<Page, SortKey>& list_request<Page, SortKey>::sort_order(std::string_view order)
{
    if (auto i = index_of(order, sort_order_names))
        sort_order_ = static_cast<wacht::sort_order>(*i);
    else
        detail::note_error(argument_error_, "sort_order must be asc or desc");
    return *this;
}

template <class Page, class SortKey>
detail::request_spec list_request<Page, SortKey>::spec() const
{
    detail::target_builder target;
    target.literal(std::string_view(path_).substr(1));
    if (limit_)
        target.query("limit", std::to_string(*limit_));
    if (offset_)
        target.query("offset", std::to_string(*offset_));
    if (!search_.empty())
        target.query("search", search_);
    if (sort_key_)
        target.query("sort_key", sort_key_names<SortKey>::names[static_cast<std::size_t>(*sort_key_)]);
    if (sort_order_)
        target.query("sort_order", sort_order_names[static_cast<std::size_t>(*sort_order_)]);
    return detail::bodiless(detail::http_method::get, {list_route<Page>::value, std::move(target).str()},
                            argument_error_);
}

template <class Page, class SortKey>
pager<list_request<Page, SortKey>> list_request<Page, SortKey>::pages(std::int64_t page_size) const
{
    return pager<list_request>(*this, page_size);
}

template <class Page, class SortKey>
item_pager<list_request<Page, SortKey>> list_request<Page, SortKey>::items(std::int64_t page_size) const
{
    return item_pager<list_request>(pages(page_size));
}

template <class Request>
pager<Request>::pager(Request request, std::int64_t page_size) : request_(std::move(request))
{
    if (page_size < 1)
        detail::note_error(request_.argument_error_, "page_size must be at least 1");
    request_.limit(page_size);
    request_.offset(request_.offset_.value_or(0));
}

template <class Request>
boost::asio::awaitable<result<std::optional<typename pager<Request>::page_type>>> pager<Request>::try_next()
{
    using outcome = result<std::optional<page_type>>;
    if (done_)
        co_return outcome(std::nullopt);
    auto page = co_await request_.try_send();
    if (!page)
        co_return outcome(page.error()); // the offset stays: the same page can be asked for again
    // An empty page ends the walk even if the server claims more: the offset could not advance.
    if (!page->has_more || page->data.empty())
        done_ = true;
    request_.offset_ = request_.offset_.value_or(0) + static_cast<std::int64_t>(page->data.size());
    if (page->data.empty())
        co_return outcome(std::nullopt);
    co_return outcome(std::optional<page_type>(std::move(*page)));
}

template <class Request>
boost::asio::awaitable<std::optional<typename pager<Request>::page_type>> pager<Request>::next()
{
    return detail::throw_on_error(try_next());
}

template <class Request>
boost::asio::awaitable<result<std::optional<typename item_pager<Request>::item_type>>>
item_pager<Request>::try_next()
{
    using outcome = result<std::optional<item_type>>;
    while (position_ == buffered_.size()) {
        auto page = co_await pages_.try_next();
        if (!page)
            co_return outcome(page.error());
        if (!*page)
            co_return outcome(std::nullopt);
        buffered_ = std::move((*page)->data);
        position_ = 0;
    }
    co_return outcome(std::optional<item_type>(std::move(buffered_[position_++])));
}

template <class Request>
boost::asio::awaitable<std::optional<typename item_pager<Request>::item_type>> item_pager<Request>::next()
{
    return detail::throw_on_error(try_next());
}

template class list_request<user_page, user_sort_key>;
template class list_request<invitation_page, invitation_sort_key>;
template class list_request<waitlist_page, invitation_sort_key>;
template class pager<list_users_request>;
template class pager<list_invitations_request>;
template class pager<list_waitlist_request>;
template class item_pager<list_users_request>;
template class item_pager<list_invitations_request>;
template class item_pager<list_waitlist_request>;

} // namespace wacht
