// SPDX-License-Identifier: BSL-1.0
// Request encoding helpers: percent-encoding, request targets, multipart bodies, random tokens.
// Pure functions of their inputs (random_hex aside); no I/O. Thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wacht::detail {

/// Percent-encodes every byte except RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string percent_encode(std::string_view raw);

/// Validates a path id: "" when fine, else the reason (empty, "." or "..": they would change the route).
std::string check_path_id(std::string_view what, std::string_view id);

/// Whether `text` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// Whether `text` has a control character (C0 or DEL), which would break a header line.
bool has_control_char(std::string_view text) noexcept;

/// How many bytes the server decodes a TOTP secret to (contract E24): Unicode whitespace and '-'
/// ignored, letters of either case and 2-7 count, any length (n characters give floor(5n/8) bytes);
/// nullopt when any other character, '=' included, is left.
std::optional<std::size_t> totp_secret_size(std::string_view secret) noexcept;

/// `bytes` random bytes as lower-case hex, from a per-thread generator seeded from std::random_device.
std::string random_hex(std::size_t bytes);
/// Fills `out` with random lowercase hex digits (an even count), without allocating.
void random_hex(std::span<char> out);

/// Builds an origin-relative target: literal path pieces, encoded id segments and a query string.
class target_builder
{
public:
    /// Appends "/" + piece, unencoded: only for the SDK's own fixed route names.
    target_builder& literal(std::string_view piece);
    /// Appends "/" + the percent-encoded segment.
    target_builder& segment(std::string_view raw);
    /// Appends "?key=value" or "&key=value", both percent-encoded.
    target_builder& query(std::string_view key, std::string_view value);

    std::string str() && { return std::move(target_); }

private:
    std::string target_;
    bool has_query_ = false;
};

struct multipart_body
{
    /// "multipart/form-data; boundary=...".
    std::string content_type;
    std::string body;
};

/// Collects form fields, then writes a multipart/form-data body whose random boundary appears in none
/// of them.
class multipart_writer
{
public:
    void text(std::string_view name, std::string_view value);
    void file(std::string_view name, std::string_view filename, std::string_view content_type,
              std::string_view data);

    multipart_body finish() &&;

private:
    struct part
    {
        std::string name, filename, content_type, data;
        bool is_file = false;
    };
    std::vector<part> parts_;
};

} // namespace wacht::detail
