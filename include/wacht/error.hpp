// The SDK's error model: one error code per failure mode, diagnostics beside it, an exception carrying
// both, and result<T> for the non-throwing path.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace wacht {

/// One value per way a call can fail. Values are stable; compare against them, not against messages.
enum class errc
{
    // Rejected by the SDK before any byte was sent.
    invalid_argument = 1,
    // Transport failures, one per phase; the underlying system/TLS error is in diagnostics::cause.
    resolve_failed,
    resolve_timeout,
    connect_failed,
    connect_timeout,
    tls_handshake_failed,
    tls_handshake_timeout,
    write_failed,
    write_timeout,
    read_failed,
    read_timeout,
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
    bad_request,            // 400
    unauthorized,           // 401
    forbidden,              // 403
    not_found,              // 404
    method_not_allowed,     // 405
    conflict,               // 409
    payload_too_large,      // 413
    unsupported_media_type, // 415
    unprocessable,          // 422
    rate_limited,           // 429
    client_error,           // any other 4xx
    server_error,           // 5xx

    /// The call was cancelled through Asio per-operation cancellation.
    cancelled,
};

/// The category of errc values; its name() is "wacht". Thread-safe.
const std::error_category& wacht_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), wacht_category()};
}

/// Maps an HTTP status (>= 400) to its errc value.
errc errc_from_http_status(int status) noexcept;

/// One entry of the server's {"errors":[{"message":...,"code":...}]} body.
struct server_message
{
    std::string message;
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
};

/// A failure: its code and diagnostics. Regular value type.
struct error
{
    std::error_code code;
    wacht::diagnostics diagnostics;

    /// One line: "<code message>: HTTP <status>: <server message> (<detail>) [request <id>]".
    std::string message() const;
};

/// The exception thrown by send(). Carries the whole error; what() is error::message().
class api_error : public std::system_error
{
public:
    explicit api_error(wacht::error e);

    const wacht::error& error() const noexcept { return error_; }
    const wacht::diagnostics& diagnostics() const noexcept { return error_.diagnostics; }
    /// HTTP status, or 0 when no response was received.
    int status() const noexcept { return error_.diagnostics.http_status; }
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
    result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    result(wacht::error e) : state_(std::in_place_index<1>, std::move(e)) {}

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    /// The value; throws api_error when this holds an error.
    T& value() &
    {
        throw_if_error();
        return std::get<0>(state_);
    }
    const T& value() const&
    {
        throw_if_error();
        return std::get<0>(state_);
    }
    T&& value() &&
    {
        throw_if_error();
        return std::get<0>(std::move(state_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
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
    result() = default;
    result(wacht::error e) : error_(std::move(e)) {}

    bool has_value() const noexcept { return !error_.has_value(); }
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

template <>
struct std::is_error_code_enum<wacht::errc> : std::true_type
{};
