// SPDX-License-Identifier: BSL-1.0
// What every builder in lib/ uses to check arguments and make request specs.
#pragma once

#include "client_impl.hpp"
#include "encoding.hpp"

#include <wacht/request.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wacht::detail {

/// Keeps the first argument error of a builder.
inline void note_error(std::string& slot, std::string message)
{
    if (slot.empty())
        slot = std::move(message);
}

inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

inline std::string_view trim(std::string_view text)
{
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    return text;
}

inline void check_text(std::string& error, std::string_view field, std::string_view value)
{
    if (!is_valid_utf8(value))
        note_error(error, std::string(field) + " must be valid UTF-8");
}

/// An optional text that must not be empty when set (the server would ignore or reject "").
inline void check_optional_text(std::string& error, std::string_view field,
                                const std::optional<std::string>& value)
{
    if (!value)
        return;
    if (value->empty())
        note_error(error, std::string(field) + " must not be empty when set (leave it unset instead)");
    check_text(error, field, *value);
}

/// A target and the route template it was built from.
struct routed_target
{
    std::string_view route; // a string literal: "/users/{user_id}/emails/{email_id}"
    std::string target;     // "/users/123/emails/456"
};

/// The target of `route`, a literal template such as "/users/{user_id}/emails/{email_id}/make-primary",
/// with each `{name}` replaced by the next of `ids`, percent-encoded. An id that would change the route
/// is recorded in `error` under its name.
inline routed_target route_target(std::string& error, std::string_view route,
                                  std::initializer_list<std::string_view> ids)
{
    target_builder target;
    const auto* id = ids.begin();
    for (std::string_view rest = route; !rest.empty();) {
        rest.remove_prefix(1); // the '/' before each piece
        const auto piece = rest.substr(0, rest.find('/'));
        rest.remove_prefix(piece.size());
        if (piece.starts_with('{') && id != ids.end()) {
            note_error(error, check_path_id(piece.substr(1, piece.size() - 2), *id));
            target.segment(*id++);
        } else {
            target.literal(piece);
        }
    }
    return {route, std::move(target).str()};
}

inline request_spec bodiless(http_method method, routed_target target, std::string error)
{
    const bool idempotent = method == http_method::get || method == http_method::delete_;
    return request_spec{method, std::move(target.target), {}, {}, idempotent, std::move(error), target.route};
}

/// A JSON request. POST and PATCH are never idempotent here: they are never sent twice.
inline request_spec json_request(http_method method, routed_target target, const boost::json::object& body,
                                 std::string error)
{
    return request_spec{method, std::move(target.target), "application/json", boost::json::serialize(body),
                        false,  std::move(error),         target.route};
}

/// What a composed call hands to each of its steps: its own per-call settings (request id, headers,
/// trace context, retry policy) and the end of its deadline, which covers the whole call from the
/// moment this is made (the composed coroutine's start).
class composed_steps
{
public:
    composed_steps(const client_impl& impl, call_settings whole)
    {
        auto control =
            whole.control ? std::make_shared<call_control>(*whole.control) : std::make_shared<call_control>();
        auto ends_at = saturating_deadline(std::chrono::steady_clock::now(),
                                           whole.deadline.value_or(impl.options.timeouts.call_deadline));
        if (control->ends_at) // a step of a composed call that is itself composed
            ends_at = std::min(ends_at, *control->ends_at);
        control->ends_at = ends_at;
        whole.control = std::move(control);
        whole.deadline.reset(); // each step ends at ends_at, or earlier with the client's call_deadline
        settings_ = std::move(whole);
    }

    /// `builder` with the call's settings.
    template <class Builder>
    Builder operator()(Builder builder) const
    {
        settings_access::set(builder, settings_);
        return builder;
    }

private:
    call_settings settings_;
};

} // namespace wacht::detail
