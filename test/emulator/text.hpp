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

std::string_view trim(std::string_view text) noexcept;
std::string to_lower(std::string_view text);
bool is_utf8(std::string_view text) noexcept;

/// Postgres LIKE on already lower-cased text: % any run, _ one character, backslash escapes.
bool like_match(std::string_view text, std::string_view pattern) noexcept;

/// Every character a Unicode letter or digit (Rust char::is_alphanumeric), '_' or '-'.
bool is_username_text(std::string_view text);

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
