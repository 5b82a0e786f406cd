// SPDX-License-Identifier: BSL-1.0
// What every request builder shares: the per-call settings and the ways to send (an awaitable, or any
// Asio completion token).
#pragma once

#include <wacht/error.hpp>
#include <wacht/options.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace WACHT_VISIBLE_NAMESPACE wacht {

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

/// What a builder's argument checks found: nothing, or a message held on the heap, so that a valid
/// request carries one pointer instead of an empty string (every waiting call holds its request).
class error_text
{
public:
    error_text() = default;
    /// Implicit: builders hand over the message they collected ("" for none).
    error_text(std::string text) // NOLINT(google-explicit-constructor)
        : text_(text.empty() ? nullptr : std::make_unique<std::string>(std::move(text)))
    {}
    error_text(const error_text& other)
        : text_(other.text_ ? std::make_unique<std::string>(*other.text_) : nullptr)
    {}
    error_text(error_text&&) noexcept = default;
    error_text& operator=(const error_text& other)
    {
        if (this != &other)
            text_ = other.text_ ? std::make_unique<std::string>(*other.text_) : nullptr;
        return *this;
    }
    error_text& operator=(error_text&&) noexcept = default;
    ~error_text() = default;

    bool empty() const noexcept { return !text_; }
    /// The message ("" for none).
    std::string str() const { return text_ ? *text_ : std::string(); }

private:
    std::unique_ptr<std::string> text_;
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
    error_text argument_error;
    /// The route template the target was built from (`/users/{user_id}/details`), naming the call in
    /// events; a string literal.
    std::string_view route;
    /// Header lines ("\r\nName: value" each) sent instead of the client's default headers, or null (the
    /// pipeline sets it for calls with per-call headers, to lines it owns while the call runs).
    const std::string* extra_headers = nullptr;
    /// Whether the transport times the phases for the events (set by the pipeline for an observer).
    bool timed = false;
};

/// What `.request_id()`, `.header()` and `.trace_context()` set on one call; shared between copies
/// of a builder (copied on write).
struct call_control
{
    std::string request_id;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string traceparent;
    std::string tracestate;
    /// The first invalid setting: the call fails with errc::invalid_argument and sends nothing.
    std::string argument_error;
    /// `.retry()`'s policy, replacing client_options::retry for this call.
    std::optional<retry_policy> retry;
    /// Set on the steps of a composed call: when the whole call's deadline ends (each step's own
    /// deadline ends no later).
    std::optional<std::chrono::steady_clock::time_point> ends_at;
};

/// What a builder carries besides its request: small, because every waiting call holds a copy (and
/// the caller's frame usually holds the builder).
struct call_settings
{
    std::optional<std::chrono::milliseconds> deadline;
    /// Null unless the call has per-call control or its own retry policy.
    std::shared_ptr<const call_control> control;
};

/// The setters of call_control, checked here (the first error is kept in argument_error).
WACHT_API void set_request_id(call_settings& settings, std::string_view id);
WACHT_API void add_header(call_settings& settings, std::string_view name, std::string_view value);
WACHT_API void set_trace_context(call_settings& settings, std::string_view traceparent,
                                 std::string_view tracestate);
WACHT_API void set_retry(call_settings& settings, const retry_policy& policy);

/// How lib/ sets a builder's per-call settings (a composed call hands its own to each step).
struct settings_access
{
    template <class Builder>
    static void set(Builder& builder, call_settings settings)
    {
        builder.settings_ = std::move(settings);
    }
};

/// Runs the request and decodes a 200 body into T (void: any 200). Never throws.
template <class T>
WACHT_API boost::asio::awaitable<result<T>> execute(std::shared_ptr<client_impl> impl, request_spec spec,
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

/// The type-erased handler every async_send() and async_next() completes: the signature is
/// `void(wacht::result<T>)`, the whole outcome (value, or errc with diagnostics) in one argument.
template <class T>
using completion_handler = boost::asio::any_completion_handler<void(result<T>)>;

/// Runs `work` on the client's executor and hands its outcome to `handler` on the handler's associated
/// executor (the client's when it has none), never from within this call. The handler's cancellation
/// slot, if connected, cancels the work. Compiled once per T in lib/completion.cpp: the templates of
/// the token stay in the caller's async_initiate, the operation itself is not instantiated per token.
/// Thread-safe. Throws only std::bad_alloc.
template <class T>
WACHT_API void launch(const std::shared_ptr<client_impl>& impl, boost::asio::awaitable<result<T>> work,
                      completion_handler<T> handler);

/// The initiation of every async_send() and async_next(): makes the work when the operation starts (a
/// deferred operation starts when it is invoked, possibly later) and launches it.
template <class T>
struct initiate_launch
{
    template <class Handler, class MakeWork>
    void operator()(Handler&& handler, const std::shared_ptr<client_impl>& impl, MakeWork make_work) const
    {
        launch<T>(impl, make_work(), completion_handler<T>(std::forward<Handler>(handler)));
    }
};

} // namespace detail

/// The per-call settings every builder and every composed call has: deadline, retry policy, request id,
/// extra headers and trace context. Each setter returns the derived builder, for chaining.
/// @tparam Derived The concrete builder (CRTP).
template <class Derived>
class call_settings_base
{
public:
    /// Overall deadline for this call, replacing client_options::timeouts::call_deadline. It covers
    /// waiting for a connection, every attempt and the backoff between them; when it passes, the call
    /// fails with errc::deadline_exceeded (or the timeout of the phase that was running).
    /// @param d The deadline, measured from the start of each send().
    /// @return *this, for chaining. Not thread-safe: do not mutate one builder from several threads.
    Derived& deadline(std::chrono::milliseconds d)
    {
        settings_.deadline = d;
        return static_cast<Derived&>(*this);
    }

    /// The retry policy for this call, replacing client_options::retry (the client's retry budget is
    /// still shared).
    /// @param policy Copied into the builder.
    /// @return *this, for chaining. Not thread-safe: do not mutate one builder from several threads.
    Derived& retry(const retry_policy& policy)
    {
        detail::set_retry(settings_, policy);
        return static_cast<Derived&>(*this);
    }

    /// The X-Request-Id of this call, replacing the random one the SDK makes (a gateway forwards its
    /// inbound request id). Every attempt and replay of the call sends it, and every event carries it.
    /// @param id 1 to 128 visible ASCII characters, no spaces; anything else makes send() fail with
    /// errc::invalid_argument before any byte is sent.
    /// @return *this, for chaining. Not thread-safe: do not mutate one builder from several threads.
    Derived& request_id(std::string_view id)
    {
        detail::set_request_id(settings_, id);
        return static_cast<Derived&>(*this);
    }

    /// An extra header for this call, replacing a client_options::default_headers entry of the same
    /// name (case-insensitive); several calls add several headers.
    /// @param name An RFC 9110 token, not one the SDK writes or that frames the message: Authorization,
    /// Host, Content-Length, Content-Type, Transfer-Encoding, Connection, Keep-Alive, TE, Trailer,
    /// Upgrade, Expect, Proxy-Authorization, Proxy-Connection, User-Agent, Accept, X-Request-Id,
    /// traceparent and tracestate are refused (use request_id() and trace_context()).
    /// @param value Visible ASCII, spaces and tabs (and bytes 0x80-0xFF), no CR, LF, NUL or other control
    /// character, without leading or trailing whitespace, at most 8 KiB.
    /// An invalid header makes send() fail with errc::invalid_argument before any byte is sent.
    /// @return *this, for chaining. Not thread-safe: do not mutate one builder from several threads.
    Derived& header(std::string_view name, std::string_view value)
    {
        detail::add_header(settings_, name, value);
        return static_cast<Derived&>(*this);
    }

    /// The W3C Trace Context of this call, sent as the `traceparent` (and `tracestate`) headers and
    /// carried by every event.
    /// @param traceparent `version-traceid-parentid-flags` as W3C Trace Context level 1 defines it
    /// (`00-<32 hex>-<16 hex>-<2 hex>`, lower-case, ids not all zero, version not ff).
    /// @param tracestate Optional: at most 32 comma-separated `key=value` members, 512 characters.
    /// An invalid value makes send() fail with errc::invalid_argument before any byte is sent.
    /// @return *this, for chaining. Not thread-safe: do not mutate one builder from several threads.
    Derived& trace_context(std::string_view traceparent, std::string_view tracestate = {})
    {
        detail::set_trace_context(settings_, traceparent, tracestate);
        return static_cast<Derived&>(*this);
    }

protected:
    call_settings_base() = default;

    /// The settings of this builder; copied into every call it starts.
    detail::call_settings settings_;

private:
    friend struct detail::settings_access;
};

/// Base of every builder: a value holding the client's shared state and typed parameters.
///
/// Builders are cheap to copy and hold no sockets. One builder is not safe for concurrent mutation,
/// but send() may be called any number of times, from any thread; every call is independent.
/// The awaitable returned by send() owns copies of everything it needs, so the builder may be
/// destroyed before the awaitable is co_awaited. Awaitables run on the executor of the coroutine that
/// awaits them; the client's io_context must be running.
///
/// Cancellation: send(), try_send() and async_send() support Asio per-operation cancellation (a
/// cancellation_signal bound to the completion token, or an awaitable operator racing a timer). A call
/// cancelled while waiting for a pooled connection leaves the queue at once; one cancelled during the
/// exchange closes its connection, which never returns to the pool; a cancelled call is never retried.
/// The outcome is errc::cancelled.
///
/// @tparam Derived The concrete builder (CRTP); it provides spec().
/// @tparam T The decoded response model, or void for calls that return no data.
template <class Derived, class T>
class request_base : public call_settings_base<Derived>
{
public:
    /// The model send() produces (void: none).
    using response_type = T;

    /// Sends the request. Throws api_error (with errc, HTTP status, server messages and request
    /// id) on any failure, including invalid arguments, which are reported before anything is sent.
    /// @return An awaitable producing the decoded model. It owns copies of the request and the shared
    /// client state, so this builder and the client handle may be destroyed before it is awaited.
    /// @throws api_error with the errc of the failure (errc::cancelled on cancellation, see the class).
    /// Thread-safe: may be called concurrently on one builder that nobody mutates.
    boost::asio::awaitable<T> send() const&
    {
        return detail::throw_on_error(
            detail::execute<T>(impl_, static_cast<const Derived&>(*this).spec(), this->settings_));
    }
    /// send() on a temporary builder (`co_await client.users().details(id).send()`): the request and the
    /// settings are moved into the call instead of copied.
    boost::asio::awaitable<T> send() &&
    {
        return detail::throw_on_error(detail::execute<T>(
            std::move(impl_), std::move(static_cast<Derived&>(*this)).spec(), std::move(this->settings_)));
    }

    /// Like send(), but never throws: the outcome is a result<T> holding the value or the error.
    /// @return An awaitable producing the result; lifetimes, thread-safety and cancellation as send().
    boost::asio::awaitable<result<T>> try_send() const&
    {
        return detail::execute<T>(impl_, static_cast<const Derived&>(*this).spec(), this->settings_);
    }
    /// try_send() on a temporary builder: the request and the settings are moved into the call.
    boost::asio::awaitable<result<T>> try_send() &&
    {
        return detail::execute<T>(std::move(impl_), std::move(static_cast<Derived&>(*this)).spec(),
                                  std::move(this->settings_));
    }

    /// Sends the request and completes `token` with the outcome, for callers that use callbacks,
    /// futures, `asio::deferred`, `asio::as_tuple` or a coroutine on any executor type instead of
    /// send().
    ///
    /// Handler signature: `void(wacht::result<T>)`. The result holds the decoded model, or the error
    /// with everything send() would throw: the errc, HTTP status, the server's messages, retry_after and
    /// the request id. Failures never throw into the handler; invalid arguments complete it with
    /// errc::invalid_argument before any byte is sent. With `asio::use_future` the future holds the
    /// result; with `asio::use_awaitable` (on any executor) the co_await yields it;
    /// with `asio::as_tuple` it is the tuple's only element.
    ///
    /// Executors: the request runs on the client's executor; the handler is invoked on its associated
    /// executor (for example a strand bound with `asio::bind_executor`, or the executor of the
    /// awaiting coroutine), else on the client's, and never from within async_send() itself. The
    /// handler's executor is kept busy (outstanding work) until the handler has run.
    ///
    /// Cancellation: a cancellation slot associated with the handler (`asio::bind_cancellation_slot`)
    /// cancels the call as described for the class: it completes with errc::cancelled. Emit the
    /// signal from the client's executor's thread, or from a thread that does not race with it.
    ///
    /// Lifetimes: the operation owns copies of the request, the per-call settings and the client's
    /// shared state, so this builder and the client handle may be destroyed once async_send() returns
    /// (for a deferred operation: once it has been created). The client's io_context must be running.
    ///
    /// Thread-safety: may be called concurrently on one builder that nobody mutates.
    /// @param token Any Asio completion token for `void(wacht::result<T>)`.
    /// @return What the token's async_result makes: nothing for a callback, a `std::future<result<T>>`
    /// for use_future, a deferred operation for deferred, an awaitable for use_awaitable.
    /// @throws std::bad_alloc only; every failure of the call goes to the handler.
    template <boost::asio::completion_token_for<void(result<T>)> CompletionToken>
    auto async_send(CompletionToken&& token) const
    {
        return boost::asio::async_initiate<CompletionToken, void(result<T>)>(
            detail::initiate_launch<T>{}, token, impl_,
            [impl = impl_, spec = static_cast<const Derived&>(*this).spec(),
             settings = this->settings_]() mutable {
                return detail::execute<T>(std::move(impl), std::move(spec), std::move(settings));
            });
    }

protected:
    /// Keeps the client's shared state alive for as long as the builder (and its awaitables) live.
    /// @param impl The client's shared state; never null.
    explicit request_base(std::shared_ptr<detail::client_impl> impl) : impl_(std::move(impl)) {}

    /// The client's shared state: options, TLS context and connection pool.
    std::shared_ptr<detail::client_impl> impl_;
};

/// A call whose parameters are all fixed when it is made (details, delete, ...).
template <class T>
class fixed_request : public request_base<fixed_request<T>, T>
{
public:
    /// Made by the resource facades (users_resource and the others); not meant to be called directly.
    /// @param impl The client's shared state. @param spec The request to send, already validated.
    fixed_request(std::shared_ptr<detail::client_impl> impl, detail::request_spec spec)
        : request_base<fixed_request<T>, T>(std::move(impl)), spec_(std::move(spec))
    {}

    /// The request this call sends.
    const detail::request_spec& spec() const& { return spec_; }
    /// The request, moved out of a builder about to be destroyed.
    detail::request_spec spec() && { return std::move(spec_); }

private:
    detail::request_spec spec_;
};

/// A call made of several requests (a search followed by detail reads, say), with the same per-call
/// settings and ways to send as every builder. Holds a factory for the work; each send() starts it
/// afresh.
///
/// Per-call settings: every step sends the call's request id (or, without one, each step its own
/// random id), extra headers and trace context, and uses its retry policy. The deadline covers the
/// whole call: each step gets what is left of it, and a step that would start after it has passed
/// fails with errc::deadline_exceeded without sending anything.
template <class T>
class composed_request : public call_settings_base<composed_request<T>>
{
public:
    /// The model send() produces (void: none).
    using response_type = T;
    /// Starts the composed work with the call's settings; called once per send() or try_send().
    using factory = std::function<boost::asio::awaitable<result<T>>(const detail::call_settings&)>;

    /// Made by the resource facades; not meant to be called directly.
    /// @param impl The client's shared state (its executor runs async_send()'s work); never null.
    /// @param run Starts the work; copied into every awaitable it makes.
    composed_request(std::shared_ptr<detail::client_impl> impl, factory run)
        : impl_(std::move(impl)), run_(std::move(run))
    {}

    /// Runs every step; throws api_error with the first failure. Each step is a request with the
    /// lifetimes, thread-safety and cancellation of request_base::send(); steps after a failure or a
    /// cancellation are not started.
    boost::asio::awaitable<T> send() const { return detail::throw_on_error<T>(run_(this->settings_)); }
    /// Runs every step; never throws: the first failure is the result's error.
    boost::asio::awaitable<result<T>> try_send() const { return run_(this->settings_); }

    /// Runs every step and completes `token` with the outcome: handler signature
    /// `void(wacht::result<T>)`, the first failure being the result's error. Executors, cancellation,
    /// lifetimes and thread-safety as request_base::async_send(); steps after a failure or a
    /// cancellation are not started.
    /// @param token Any Asio completion token for `void(wacht::result<T>)`.
    /// @return What the token's async_result makes (see request_base::async_send()).
    /// @throws std::bad_alloc only; every failure of the call goes to the handler.
    template <boost::asio::completion_token_for<void(result<T>)> CompletionToken>
    auto async_send(CompletionToken&& token) const
    {
        return boost::asio::async_initiate<CompletionToken, void(result<T>)>(
            detail::initiate_launch<T>{}, token, impl_,
            [run = run_, settings = this->settings_] { return run(settings); });
    }

private:
    std::shared_ptr<detail::client_impl> impl_;
    factory run_;
};

} // namespace wacht
