// SPDX-License-Identifier: BSL-1.0
#include <wacht/error.hpp>

namespace wacht {
namespace {

class category final : public std::error_category
{
public:
    const char* name() const noexcept override { return "wacht"; }

    std::string message(int value) const override
    {
        switch (static_cast<errc>(value)) {
        case errc::invalid_argument:
            return "invalid argument";
        case errc::resolve_failed:
            return "host name resolution failed";
        case errc::resolve_timeout:
            return "host name resolution timed out";
        case errc::connect_failed:
            return "connect failed";
        case errc::connect_timeout:
            return "connect timed out";
        case errc::tls_handshake_failed:
            return "TLS handshake failed";
        case errc::tls_handshake_timeout:
            return "TLS handshake timed out";
        case errc::write_failed:
            return "sending the request failed";
        case errc::write_timeout:
            return "sending the request timed out";
        case errc::read_failed:
            return "reading the response failed";
        case errc::read_timeout:
            return "reading the response timed out";
        case errc::deadline_exceeded:
            return "call deadline exceeded";
        case errc::pool_exhausted:
            return "no pooled connection became available";
        case errc::body_limit_exceeded:
            return "response body exceeds the limit";
        case errc::invalid_response:
            return "invalid HTTP response";
        case errc::decode_failed:
            return "response did not decode into the expected model";
        case errc::bad_request:
            return "bad request";
        case errc::unauthorized:
            return "unauthorized";
        case errc::forbidden:
            return "forbidden";
        case errc::not_found:
            return "not found";
        case errc::method_not_allowed:
            return "method not allowed";
        case errc::conflict:
            return "conflict";
        case errc::payload_too_large:
            return "payload too large";
        case errc::unsupported_media_type:
            return "unsupported media type";
        case errc::unprocessable:
            return "unprocessable request";
        case errc::rate_limited:
            return "rate limited";
        case errc::client_error:
            return "client error";
        case errc::server_error:
            return "server error";
        case errc::cancelled:
            return "cancelled";
        case errc::proxy_failed:
            return "proxy failed";
        }
        return "unknown wacht error";
    }
};

} // namespace

const std::error_category& wacht_category() noexcept
{
    static const category instance;
    return instance;
}

errc errc_from_http_status(int status) noexcept
{
    switch (status) {
    case 400:
        return errc::bad_request;
    case 401:
        return errc::unauthorized;
    case 403:
        return errc::forbidden;
    case 404:
        return errc::not_found;
    case 405:
        return errc::method_not_allowed;
    case 409:
        return errc::conflict;
    case 413:
        return errc::payload_too_large;
    case 415:
        return errc::unsupported_media_type;
    case 422:
        return errc::unprocessable;
    case 429:
        return errc::rate_limited;
    default:
        return status >= 500 ? errc::server_error : errc::client_error;
    }
}

std::string error::message() const
{
    std::string text = code.message();
    const auto& d = diagnostics;
    if (d.http_status != 0) {
        text += ": HTTP " + std::to_string(d.http_status);
        for (const auto& m : d.server_messages)
            text += ": " + m.message;
        if (d.server_messages.empty() && !d.body_snippet.empty())
            text += ": " + d.body_snippet;
    }
    if (d.proxy_status != 0)
        text += ": proxy answered HTTP " + std::to_string(d.proxy_status);
    if (!d.detail.empty())
        text += " (" + d.detail + ")";
    if (d.cause)
        text += " [" + d.cause.message() + "]";
    if (!d.request_id.empty())
        text += " [request " + d.request_id + "]";
    return text;
}

api_error::api_error(wacht::error e) : std::system_error(e.code, e.message()), error_(std::move(e)) {}

} // namespace wacht
