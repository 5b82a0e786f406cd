// SPDX-License-Identifier: BSL-1.0
// Text handling for the emulator: what axum, serde and Postgres do to paths, queries and strings.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wacht::emulator {

/// Query parameters by name, every occurrence in order (serde rejects a repeated known field).
using query_map = std::map<std::string, std::vector<std::string>>;

/// Rust's str::trim: leading and trailing Unicode White_Space removed (U+0009 to U+000D, U+0020,
/// U+0085, U+00A0, U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), for the values
/// the server trims (contract E1 search, E2 and E4 fields, E22 names, E24 account names).
std::string_view trim(std::string_view text) noexcept;
/// HTTP's optional whitespace and the other ASCII spaces removed at both ends, for header values.
std::string_view trim_http(std::string_view text) noexcept;
std::string to_lower(std::string_view text);
bool is_utf8(std::string_view text) noexcept;

/// Rust's char::is_whitespace: the Unicode White_Space property.
bool is_white_space(char32_t c) noexcept;

/// The code point of the UTF-8 sequence at text[i], and i moved past it; a byte that does not start a
/// whole, well-formed sequence gives invalid_code_point and moves i by one.
inline constexpr char32_t invalid_code_point = 0xFFFFFFFF;
char32_t next_code_point(std::string_view text, std::size_t& i) noexcept;

/// Postgres LIKE on already lower-cased text: % any run, _ one character, backslash escapes.
bool like_match(std::string_view text, std::string_view pattern) noexcept;

/// Rust's char::is_lowercase, is_uppercase, is_numeric and is_alphanumeric (Unicode 17.0).
bool is_lowercase(char32_t c) noexcept;
bool is_uppercase(char32_t c) noexcept;
bool is_numeric(char32_t c) noexcept;
bool is_alphanumeric(char32_t c) noexcept;

/// Every character alphanumeric as Rust's char::is_alphanumeric says (Alphabetic or Numeric, so '²'
/// and '½' too), '_' or '-'.
bool is_username_text(std::string_view text);

/// The server's phone-number rule (contract E2 stage B) on a phone value: with spaces, '-', '(' and ')'
/// removed it must match `^\+?[1-9]\d{1,14}$` or `^\+?[1-9][\d\s\-\(\)]{7,20}$` as the Rust regex crate
/// reads them: `\d` is any Unicode decimal digit (Nd), `\s` any Unicode White_Space, counts are in
/// characters. False for text that is not UTF-8.
bool is_phone_number_text(std::string_view phone);

/// The raw segments of a path: "/users/1/details" gives {"users","1","details"}, "/users/" gives
/// {"users",""}. Routing matches raw segments (as axum does); only captured ids are decoded.
std::optional<std::vector<std::string_view>> split_path(std::string_view path);

/// Percent-decodes a captured path segment; nullopt when it does not decode to UTF-8.
std::optional<std::string> decode_path_segment(std::string_view segment);

/// application/x-www-form-urlencoded ('+' is a space); nullopt when a value does not decode.
std::optional<query_map> parse_query(std::string_view query);

/// Rust's usize / i64 FromStr: optional sign ('+' only for unsigned), digits, no overflow.
std::optional<std::uint64_t> parse_unsigned(std::string_view text) noexcept;
std::optional<std::int64_t> parse_signed(std::string_view text) noexcept;

/// axum's Json check: application/json or application/*+json, parameters allowed.
bool is_json_content_type(std::string_view content_type) noexcept;

/// The stored file extension for an accepted image type; nullopt for other image types.
std::optional<std::string_view> image_extension(std::string_view content_type) noexcept;

} // namespace wacht::emulator
