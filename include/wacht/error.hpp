// SPDX-License-Identifier: BSL-1.0
// The SDK's error model: one error code per failure mode, diagnostics beside it, an exception carrying
// both, and result<T> for the non-throwing path.
#pragma once

#include <wacht/export.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// One value per way a call can fail. Values are stable; compare against them, not against messages.
enum class errc
{
    /// Rejected by the SDK before any byte was sent; diagnostics::detail names the argument.
    invalid_argument = 1,
    // Transport failures, one per phase; the underlying system/TLS error is in diagnostics::cause.
    resolve_failed,        ///< Resolving the host failed.
    resolve_timeout,       ///< Resolving the host took longer than timeout_options::resolve.
    connect_failed,        ///< TCP connect failed.
    connect_timeout,       ///< TCP connect took longer than timeout_options::connect.
    tls_handshake_failed,  ///< The TLS handshake failed (also: a CA file or PEM could not be loaded).
    tls_handshake_timeout, ///< The TLS handshake took longer than timeout_options::tls_handshake.
    write_failed,          ///< Writing the request failed.
    write_timeout,         ///< Writing the request took longer than timeout_options::write.
    read_failed,           ///< Reading the response failed.
    read_timeout,          ///< Reading the response took longer than timeout_options::read.
                           /// The overall per-call deadline passed.
    deadline_exceeded,
    /// No pooled connection became available before the deadline; diagnostics name the last
    /// connect error, if any.
    pool_exhausted,
    /// The response body exceeded client_options::max_response_body.
    body_limit_exceeded,
    /// The response was not valid HTTP, or its headers exceeded the header limit.
    invalid_response,
    /// A 2xx body did not decode into the expected model.
    decode_failed,
    // HTTP statuses returned by the server, with its errors[] messages in diagnostics.
    bad_request,            ///< HTTP 400.
    unauthorized,           ///< HTTP 401.
    forbidden,              ///< HTTP 403.
    not_found,              ///< HTTP 404.
    method_not_allowed,     ///< HTTP 405.
    conflict,               ///< HTTP 409.
    payload_too_large,      ///< HTTP 413.
    unsupported_media_type, ///< HTTP 415.
    unprocessable,          ///< HTTP 422.
    rate_limited,           ///< HTTP 429; diagnostics::retry_after holds the wait the server named, if any.
    client_error,           ///< Any other HTTP 4xx.
    server_error,           ///< HTTP 5xx.

    /// The call was cancelled through Asio per-operation cancellation.
    cancelled,

    /// The HTTP proxy (client_options::proxy) did not open a tunnel to the API: it answered the
    /// CONNECT request with another status than 2xx (in diagnostics::proxy_status; http_status stays
    /// 0, since the API never answered), or with something that is not HTTP. The request was not sent.
    proxy_failed,
};

/// The category of errc values; its name() is "wacht". Thread-safe.
WACHT_API const std::error_category& wacht_category() noexcept;

/// Makes errc values convertible to std::error_code (found by argument-dependent lookup).
/// @param e The value. @return The code in wacht_category(). Thread-safe; never fails.
inline std::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), wacht_category()};
}

/// Maps an HTTP status (>= 400) to its errc value.
/// @param status An HTTP status code. @return The errc of the table in errc (client_error for any
/// other 4xx, server_error for 5xx). Thread-safe; never fails.
WACHT_API errc errc_from_http_status(int status) noexcept;

/// One entry of the server's {"errors":[{"message":...,"code":...}]} body.
struct server_message
{
    /// The server's human-readable message.
    std::string message;
    /// The server's numeric code (often the HTTP status again); 0 when absent.
    int code = 0;
};

/// Everything known about a failure besides its code. Never contains the API key.
struct diagnostics
{
    /// HTTP status of the response, or 0 when none was received.
    int http_status = 0;
    /// The server's errors[] entries, in order (empty when the body was not the Wacht error shape).
    std::vector<server_message> server_messages;
    /// The X-Request-Id this SDK sent with the (last) attempt; empty if nothing was sent.
    std::string request_id;
    /// The wait the server asked for (Wacht writes "Retry after N seconds" in its 429 message).
    std::optional<std::chrono::seconds> retry_after;
    /// The first bytes of the response body, for bodies that are not the Wacht error shape.
    std::string body_snippet;
    /// Human-readable detail: which argument was invalid, which phase failed, and so on.
    std::string detail;
    /// The lower-level error (system, TLS, HTTP parser) behind a transport failure.
    std::error_code cause;
    /// With errc::proxy_failed: the HTTP status the proxy answered the CONNECT request with (407 when
    /// it wants credentials), or 0 when its answer was not HTTP. Never the API's status.
    int proxy_status = 0;
};

/// A failure: its code and diagnostics. Regular value type.
struct WACHT_API error
{
    /// An errc value in wacht_category(): compare with `code == wacht::errc::not_found`.
    std::error_code code;
    /// Everything else known about the failure.
    wacht::diagnostics diagnostics;

    /// One line: "<code message>: HTTP <status>: <server message> (<detail>) [request <id>]"; for a
    /// proxy's refusal "<code message>: proxy answered HTTP <status> (<detail>)".
    std::string message() const;
};

/// The exception thrown by send(). Carries the whole error; what() is error::message().
class WACHT_API api_error : public std::system_error
{
public:
    /// @param e The failure; code() is e.code and what() is e.message().
    explicit api_error(wacht::error e);

    /// The whole error. The reference lives as long as this exception.
    const wacht::error& error() const noexcept { return error_; }
    /// The diagnostics of the error. The reference lives as long as this exception.
    const wacht::diagnostics& diagnostics() const noexcept { return error_.diagnostics; }
    /// HTTP status, or 0 when no response was received.
    int status() const noexcept { return error_.diagnostics.http_status; }
    /// The X-Request-Id of the last attempt; empty when nothing was sent. Lives as long as this exception.
    const std::string& request_id() const noexcept { return error_.diagnostics.request_id; }

private:
    wacht::error error_;
};

/// The outcome of try_send(): a value or an error, never both. Not thread-safe; a plain value.
template <class T>
class [[nodiscard]] result
{
public:
    /// Holds an empty error. Exists because asio::co_spawn needs default-constructible results; the
    /// SDK never returns one.
    result() : state_(std::in_place_index<1>) {}
    /// Holds a value. @param value Moved in.
    result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    /// Holds an error. @param e Moved in.
    result(wacht::error e) : state_(std::in_place_index<1>, std::move(e)) {}

    /// True when this holds a value, false when it holds an error.
    bool has_value() const noexcept { return state_.index() == 0; }
    /// has_value().
    explicit operator bool() const noexcept { return has_value(); }

    /// The value; throws api_error when this holds an error. The reference lives as long as this result.
    T& value() &
    {
        throw_if_error();
        return std::get<0>(state_);
    }
    /// The value; throws api_error when this holds an error. The reference lives as long as this result.
    const T& value() const&
    {
        throw_if_error();
        return std::get<0>(state_);
    }
    /// Moves the value out; throws api_error when this holds an error.
    T&& value() &&
    {
        throw_if_error();
        return std::get<0>(std::move(state_));
    }
    /// Member access to the value; throws api_error when this holds an error.
    T* operator->() { return &value(); }
    /// Member access to the value; throws api_error when this holds an error.
    const T* operator->() const { return &value(); }
    /// value().
    T& operator*() & { return value(); }
    /// value().
    const T& operator*() const& { return value(); }

    /// The error. Precondition: !has_value().
    const wacht::error& error() const { return std::get<1>(state_); }

private:
    void throw_if_error() const
    {
        if (state_.index() == 1)
            throw api_error(std::get<1>(state_));
    }
    std::variant<T, wacht::error> state_;
};

/// The outcome of a call that returns no data (the server's 200 `{}`).
template <>
class [[nodiscard]] result<void>
{
public:
    /// Success.
    result() = default;
    /// Holds an error. @param e Moved in.
    result(wacht::error e) : error_(std::move(e)) {}

    /// True on success, false when this holds an error.
    bool has_value() const noexcept { return !error_.has_value(); }
    /// has_value().
    explicit operator bool() const noexcept { return has_value(); }
    /// Throws api_error when this holds an error.
    void value() const
    {
        if (error_)
            throw api_error(*error_);
    }
    /// The error. Precondition: !has_value().
    const wacht::error& error() const { return *error_; }

private:
    std::optional<wacht::error> error_;
};

} // namespace wacht

/// @cond
// Makes errc convertible to std::error_code.
template <>
struct std::is_error_code_enum<wacht::errc> : std::true_type
{};
/// @endcond
