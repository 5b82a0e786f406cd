// What every builder in lib/ uses to check arguments and make request specs.
#pragma once

#include "encoding.hpp"

#include <wacht/request.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

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

/// A path id and the name to report it by.
struct id_segment
{
    std::string_view name;
    std::string_view value;
};

/// "/users/{id}/emails/{id}/make-primary" from literal pieces and ids; an id that would change the
/// route is recorded in `error`.
inline std::string build_target(std::string& error,
                                std::initializer_list<std::variant<std::string_view, id_segment>> pieces)
{
    target_builder target;
    for (const auto& piece : pieces) {
        if (const auto* id = std::get_if<id_segment>(&piece)) {
            note_error(error, check_path_id(id->name, id->value));
            target.segment(id->value);
        } else {
            target.literal(std::get<std::string_view>(piece));
        }
    }
    return std::move(target).str();
}

inline request_spec bodiless(http_method method, std::string target, std::string error)
{
    const bool idempotent = method == http_method::get || method == http_method::delete_;
    return request_spec{method, std::move(target), {}, {}, idempotent, std::move(error)};
}

/// A JSON request. POST and PATCH are never idempotent here: they are never sent twice.
inline request_spec json_request(http_method method, std::string target, const boost::json::object& body,
                                 std::string error)
{
    return request_spec{method, std::move(target), "application/json", boost::json::serialize(body),
                        false,  std::move(error)};
}

} // namespace wacht::detail
