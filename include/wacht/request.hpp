// What every request builder shares: the per-call settings and the two ways to send.
#pragma once

#include <wacht/error.hpp>
#include <wacht/options.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace wacht {

class client;

namespace detail {

class client_impl;

enum class http_method
{
    get,
    post,
    patch,
    delete_
};

/// A request as plain data: what the pipeline sends, built by a facade builder.
struct request_spec
{
    http_method method = http_method::get;
    /// Origin-relative target: percent-encoded path plus query string.
    std::string target;
    /// Empty when the request has no body.
    std::string content_type;
    std::string body;
    /// Whether sending it twice has the effect of sending it once (GET, DELETE, PATCH of a password).
    bool idempotent = false;
    /// Non-empty when an argument was invalid: the call fails with errc::invalid_argument and sends
    /// nothing.
    std::string argument_error;
};

struct call_settings
{
    std::optional<std::chrono::milliseconds> deadline;
    std::optional<retry_policy> retry;
};

/// Runs the request and decodes a 200 body into T (void: any 200). Never throws.
template <class T>
boost::asio::awaitable<result<T>> execute(std::shared_ptr<client_impl> impl, request_spec spec,
                                          call_settings settings);

/// Awaits `outcome` and throws api_error if it holds an error: how every send() is made from its
/// try_send().
template <class T>
boost::asio::awaitable<T> throw_on_error(boost::asio::awaitable<result<T>> outcome)
{
    auto r = co_await std::move(outcome);
    // Thrown from a statement of its own: GCC 12 mishandles an exception leaving a co_return operand.
    if (!r.has_value())
        throw api_error(r.error());
    if constexpr (!std::is_void_v<T>)
        co_return std::move(r).value();
}

} // namespace detail

/// Base of every builder: a value holding the client's shared state and typed parameters.
///
/// Builders are cheap to copy and hold no sockets. One builder is not safe for concurrent mutation,
/// but send() may be called any number of times, from any thread; every call is independent.
/// The awaitable returned by send() owns copies of everything it needs, so the builder may be
/// destroyed before the awaitable is co_awaited. Awaitables run on the executor of the coroutine that
/// awaits them; the client's io_context must be running.
template <class Derived, class T>
class request_base
{
public:
    using response_type = T;

    /// Overall deadline for this call, replacing client_options::timeouts::call_deadline.
    Derived& deadline(std::chrono::milliseconds d)
    {
        settings_.deadline = d;
        return static_cast<Derived&>(*this);
    }

    /// The retry policy for this call, replacing client_options::retry (the client's retry budget is
    /// still shared).
    Derived& retry(const retry_policy& policy)
    {
        settings_.retry = policy;
        return static_cast<Derived&>(*this);
    }

    /// Sends the request. Throws api_error (with errc, HTTP status, server messages and request
    /// id) on any failure, including invalid arguments, which are reported before anything is sent.
    boost::asio::awaitable<T> send() const
    {
        return detail::throw_on_error(
            detail::execute<T>(impl_, static_cast<const Derived&>(*this).spec(), settings_));
    }

    /// Like send(), but never throws: the outcome is a result<T> holding the value or the error.
    boost::asio::awaitable<result<T>> try_send() const
    {
        return detail::execute<T>(impl_, static_cast<const Derived&>(*this).spec(), settings_);
    }

protected:
    explicit request_base(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    std::shared_ptr<detail::client_impl> impl_;
    detail::call_settings settings_;
};

/// A call whose parameters are all fixed when it is made (details, delete, ...).
template <class T>
class fixed_request : public request_base<fixed_request<T>, T>
{
public:
    fixed_request(std::shared_ptr<detail::client_impl> impl, detail::request_spec spec)
        : request_base<fixed_request<T>, T>(std::move(impl)), spec_(std::move(spec))
    {}

    /// The request this call sends.
    const detail::request_spec& spec() const { return spec_; }

private:
    detail::request_spec spec_;
};

/// A call made of several requests (a search followed by detail reads, say), with the same two ways to
/// send as every builder. Holds a factory for the work; each send() starts it afresh.
template <class T>
class composed_request
{
public:
    using response_type = T;
    using factory = std::function<boost::asio::awaitable<result<T>>()>;

    explicit composed_request(factory run) : run_(std::move(run)) {}

    /// Runs every step; throws api_error with the first failure.
    boost::asio::awaitable<T> send() const { return detail::throw_on_error<T>(run_()); }
    /// Runs every step; never throws.
    boost::asio::awaitable<result<T>> try_send() const { return run_(); }

private:
    factory run_;
};

} // namespace wacht
