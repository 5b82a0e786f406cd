// SPDX-License-Identifier: BSL-1.0
// The emulator's JSON text writer: models written straight to text in wire order (wire_schema.hpp),
// escaped as Boost.JSON's serializer escapes, without building a DOM. The emulator's own: the SDK's
// reader is tested against it.
#pragma once

#include "wire_schema.hpp"

#include <wacht/timestamp.hpp>

#include <boost/json/serialize.hpp>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace wacht::emulator {

using wire::for_each_field;
using wire::has_schema;

/// Appends a timestamp as the server writes it (chrono's RFC 3339 in UTC):
/// "YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z", between two `quote` characters when one is given.
void append_timestamp(std::string& out, timestamp t, char quote = 0);
/// The same as a string.
std::string format_time(timestamp t);
/// Reads RFC 3339 ("2026-01-02T03:04:05.123Z", or with a +hh:mm / -hh:mm offset); nullopt otherwise.
std::optional<timestamp> parse_time(std::string_view text) noexcept;

/// Whether a byte must be escaped in a JSON string: control characters, '"' and '\\'.
inline constexpr auto json_escaped = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 0x20; ++c)
        table[c] = true;
    table['"'] = table['\\'] = true;
    return table;
}();

/// The position of the first byte at or after `from` that must be escaped, or s.size(). Eight bytes at
/// a time: most strings have nothing to escape.
inline std::size_t next_json_escaped(std::string_view s, std::size_t from)
{
    constexpr std::uint64_t ones = 0x0101010101010101;
    constexpr std::uint64_t highs = 0x8080808080808080;
    const auto has_zero_byte = [](std::uint64_t w) { return ((w - ones) & ~w & highs) != 0; };
    std::size_t i = from;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        const bool control = ((w - ones * 0x20) & ~w & highs) != 0; // some byte < 0x20
        if (control || has_zero_byte(w ^ (ones * '"')) || has_zero_byte(w ^ (ones * '\\')))
            break;
    }
    for (; i < s.size(); ++i)
        if (json_escaped[static_cast<unsigned char>(s[i])])
            return i;
    return s.size();
}

/// Appends `s` as a quoted JSON string, escaped as Boost.JSON's serializer escapes.
inline void append_json_string(std::string& out, std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t clean_from = 0;
    for (std::size_t i = next_json_escaped(s, 0); i < s.size(); i = next_json_escaped(s, clean_from)) {
        const auto c = static_cast<unsigned char>(s[i]);
        out.append(s.data() + clean_from, i - clean_from);
        clean_from = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default: {
            const char escape[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            out.append(escape, sizeof escape);
        }
        }
    }
    out.append(s.data() + clean_from, s.size() - clean_from);
    out += '"';
}

template <class T>
void append_json(std::string& out, const T& value);
template <class T>
void append_json_optional_or_vector(std::string& out, const std::optional<T>& v);
template <class T>
void append_json_optional_or_vector(std::string& out, const std::vector<T>& v);

template <class T>
void append_json_value(std::string& out, const T& v)
{
    if constexpr (std::is_same_v<T, std::string>) {
        append_json_string(out, v);
    } else if constexpr (std::is_same_v<T, bool>) {
        out += v ? "true" : "false";
    } else if constexpr (std::is_integral_v<T>) {
        char digits[24];
        out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
    } else if constexpr (std::is_same_v<T, timestamp>) {
        append_timestamp(out, v, '"');
    } else if constexpr (std::is_same_v<T, boost::json::value>) {
        out += boost::json::serialize(v);
    } else if constexpr (has_schema<T>) {
        append_json(out, v);
    } else {
        append_json_optional_or_vector(out, v);
    }
}

template <class T>
void append_json_optional_or_vector(std::string& out, const std::optional<T>& v)
{
    if (v)
        append_json_value(out, *v);
    else
        out += "null";
}

template <class T>
void append_json_optional_or_vector(std::string& out, const std::vector<T>& v)
{
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i != 0)
            out += ',';
        append_json_value(out, v[i]);
    }
    out += ']';
}

/// Appends a model as a JSON object. A field marked omit_when_null is left out when empty.
template <class T>
void append_json(std::string& out, const T& value)
{
    // Each field's `,"key":` is made once per model type (schema keys are plain ASCII: nothing to
    // escape), so that a field costs one append before its value.
    static const auto prefixes = [] {
        std::vector<std::string> made;
        for_each_field<T>([&](const auto& f) { made.push_back(",\"" + std::string(f.key) + "\":"); });
        return made;
    }();
    out += '{';
    const auto start = out.size();
    std::size_t index = 0;
    for_each_field<T>([&](const auto& f) {
        const auto& member = value.*f.member;
        const auto& prefix = prefixes[index++];
        if constexpr (requires { member.has_value(); })
            if (f.omit_when_null && !member.has_value())
                return;
        if (out.size() == start) // the first field written has no comma
            out.append(prefix, 1, std::string::npos);
        else
            out += prefix;
        append_json_value(out, member);
    });
    out += '}';
}

} // namespace wacht::emulator
