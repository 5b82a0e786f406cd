// SPDX-License-Identifier: BSL-1.0
#include "encoding.hpp"

#include <random>

namespace wacht::detail {

std::string percent_encode(std::string_view raw)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(raw.size());
    for (unsigned char c : raw) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

std::string check_path_id(std::string_view what, std::string_view id)
{
    if (id.empty() || id == "." || id == "..")
        return std::string(what) + " must not be empty, \".\" or \"..\"";
    return {};
}

bool is_valid_utf8(std::string_view text) noexcept
{
    std::size_t i = 0;
    const auto n = text.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t len;
        char32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        const char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

bool has_control_char(std::string_view text) noexcept
{
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7F)
            return true;
    return false;
}

namespace {

// The length of the Unicode whitespace character (the White_Space property, as Rust's
// char::is_whitespace) encoded in UTF-8 at the start of `text`, or 0. Matched on the encoded bytes.
std::size_t whitespace_length(std::string_view text) noexcept
{
    const auto byte = [&](std::size_t i) {
        return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u;
    };
    const unsigned b0 = byte(0);
    if (b0 == ' ' || (b0 >= '\t' && b0 <= '\r'))
        return 1;
    if (b0 == 0xC2 && (byte(1) == 0x85 || byte(1) == 0xA0)) // NEL, no-break space
        return 2;
    if (b0 == 0xE1 && byte(1) == 0x9A && byte(2) == 0x80) // ogham space mark
        return 3;
    if (b0 == 0xE2 && byte(1) == 0x80 &&
        (byte(2) <= 0x8A || byte(2) == 0xA8 || byte(2) == 0xA9 ||
         byte(2) == 0xAF)) // U+2000..200A, 2028, 2029, 202F
        return byte(2) >= 0x80 ? 3 : 0;
    if (b0 == 0xE2 && byte(1) == 0x81 && byte(2) == 0x9F) // U+205F
        return 3;
    if (b0 == 0xE3 && byte(1) == 0x80 && byte(2) == 0x80) // ideographic space
        return 3;
    return 0;
}

} // namespace

std::optional<std::size_t> totp_secret_size(std::string_view secret) noexcept
{
    std::size_t characters = 0;
    while (!secret.empty()) {
        if (const auto skip = whitespace_length(secret)) {
            secret.remove_prefix(skip);
            continue;
        }
        const char c = secret.front();
        secret.remove_prefix(1);
        if (c == '-')
            continue;
        const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!letter && !(c >= '2' && c <= '7'))
            return std::nullopt; // '=' too: the server's decoder takes no padding
        ++characters;
    }
    return characters * 5 / 8; // any length: trailing bits are dropped
}

void random_hex(std::span<char> out)
{
    static constexpr char hex[] = "0123456789abcdef";
    thread_local std::mt19937_64 generator{[] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }()};
    std::uint64_t word = 0;
    for (std::size_t i = 0; i + 1 < out.size(); i += 2) {
        if (i % 16 == 0)
            word = generator();
        const auto b = static_cast<unsigned>(word & 0xFF);
        word >>= 8;
        out[i] = hex[b >> 4];
        out[i + 1] = hex[b & 0xF];
    }
}

std::string random_hex(std::size_t bytes)
{
    std::string out(bytes * 2, '0');
    random_hex(out);
    return out;
}

target_builder& target_builder::literal(std::string_view piece)
{
    target_ += '/';
    target_ += piece;
    return *this;
}

target_builder& target_builder::segment(std::string_view raw)
{
    target_ += '/';
    target_ += percent_encode(raw);
    return *this;
}

target_builder& target_builder::query(std::string_view key, std::string_view value)
{
    target_ += has_query_ ? '&' : '?';
    has_query_ = true;
    target_ += percent_encode(key);
    target_ += '=';
    target_ += percent_encode(value);
    return *this;
}

void multipart_writer::text(std::string_view name, std::string_view value)
{
    parts_.push_back({std::string(name), {}, {}, std::string(value), false});
}

void multipart_writer::file(std::string_view name, std::string_view filename, std::string_view content_type,
                            std::string_view data)
{
    parts_.push_back(
        {std::string(name), std::string(filename), std::string(content_type), std::string(data), true});
}

multipart_body multipart_writer::finish() &&
{
    std::string boundary;
    const auto collides = [&](const std::string& b) {
        for (const auto& p : parts_)
            if (p.data.find(b) != std::string::npos)
                return true;
        return false;
    };
    do
        boundary = "wacht-" + random_hex(16);
    while (collides(boundary));

    std::size_t size = boundary.size() + 8;
    for (const auto& p : parts_)
        size +=
            boundary.size() + p.name.size() + p.filename.size() + p.content_type.size() + p.data.size() + 96;
    std::string body;
    body.reserve(size);
    for (const auto& p : parts_) {
        // Field names and file names are the SDK's own constants: no quoting needed.
        body.append("--")
            .append(boundary)
            .append("\r\nContent-Disposition: form-data; name=\"")
            .append(p.name);
        if (p.is_file)
            body.append("\"; filename=\"")
                .append(p.filename)
                .append("\"\r\nContent-Type: ")
                .append(p.content_type);
        else
            body.append("\"");
        body.append("\r\n\r\n").append(p.data).append("\r\n");
    }
    body.append("--").append(boundary).append("--\r\n");
    return {"multipart/form-data; boundary=" + boundary, std::move(body)};
}

} // namespace wacht::detail
