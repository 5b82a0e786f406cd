#include "text.hpp"

#include <clocale>
#include <cwctype>
#include <locale.h>

namespace wacht::emulator {
namespace {

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space)
{
    std::string out;
    out.reserve(text.size());
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
            out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
            i += 2;
        } else if (plus_is_space && text[i] == '+') {
            out += ' ';
        } else {
            out += text[i];
        }
    }
    if (!is_utf8(out))
        return std::nullopt;
    return out;
}

// Decodes one UTF-8 sequence at text[i]; the text is known to be valid.
char32_t next_code_point(std::string_view text, std::size_t& i)
{
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += len;
    return cp;
}

} // namespace

std::string_view trim(std::string_view text) noexcept
{
    const auto space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    };
    while (!text.empty() && space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && space(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string to_lower(std::string_view text)
{
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_utf8(std::string_view text) noexcept
{
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t len = c < 0x80             ? 1
                          : (c & 0xE0) == 0xC0 ? 2
                          : (c & 0xF0) == 0xE0 ? 3
                          : (c & 0xF8) == 0xF0 ? 4
                                               : 0;
        if (len == 0 || i + len > text.size())
            return false;
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        static constexpr char32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < minimum[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

bool like_match(std::string_view text, std::string_view pattern) noexcept
{
    // Iterative wildcard matching with one backtrack point for the last %.
    std::size_t t = 0, p = 0, star_p = std::string_view::npos, star_t = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '%') {
            star_p = ++p;
            star_t = t;
            continue;
        }
        if (p < pattern.size()) {
            const bool escaped = pattern[p] == '\\' && p + 1 < pattern.size();
            const char want = escaped ? pattern[p + 1] : pattern[p];
            if ((!escaped && want == '_') || want == text[t]) {
                // '_' matches one character: skip a whole UTF-8 sequence.
                std::size_t step = 1;
                if (!escaped && want == '_')
                    while (t + step < text.size() &&
                           (static_cast<unsigned char>(text[t + step]) & 0xC0) == 0x80)
                        ++step;
                t += step;
                p += escaped ? 2 : 1;
                continue;
            }
        }
        if (star_p == std::string_view::npos)
            return false;
        p = star_p;
        t = ++star_t;
    }
    while (p < pattern.size() && pattern[p] == '%')
        ++p;
    return p == pattern.size();
}

bool is_username_text(std::string_view text)
{
    if (!is_utf8(text))
        return false;
    // C.UTF-8 carries the full Unicode character classes in glibc >= 2.35.
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    std::size_t i = 0;
    while (i < text.size()) {
        const char32_t cp = next_code_point(text, i);
        if (cp == '_' || cp == '-')
            continue;
        if (cp < 0x80) {
            if (!((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')))
                return false;
            continue;
        }
        if (!utf8 || !iswalnum_l(static_cast<wint_t>(cp), utf8))
            return false;
    }
    return true;
}

std::optional<std::vector<std::string_view>> split_path(std::string_view path)
{
    std::vector<std::string_view> segments;
    if (path.empty() || path.front() != '/')
        return std::nullopt;
    path.remove_prefix(1);
    for (;;) {
        const auto slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos)
            break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

std::optional<std::string> decode_path_segment(std::string_view segment)
{
    return percent_decode(segment, false);
}

std::optional<query_map> parse_query(std::string_view query)
{
    query_map out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty())
            continue;
        const auto eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq), true);
        auto value =
            percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!key || !value)
            return std::nullopt;
        out[*key].push_back(std::move(*value));
    }
    return out;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) noexcept
{
    if (text.starts_with('+'))
        text.remove_prefix(1);
    if (text.empty())
        return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

std::optional<std::int64_t> parse_signed(std::string_view text) noexcept
{
    bool negative = false;
    if (text.starts_with('+') || text.starts_with('-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text.empty() || text.front() == '+')
        return std::nullopt;
    auto magnitude = parse_unsigned(text);
    if (!magnitude)
        return std::nullopt;
    if (negative) {
        if (*magnitude > static_cast<std::uint64_t>(INT64_MAX) + 1)
            return std::nullopt;
        return static_cast<std::int64_t>(0 - *magnitude);
    }
    if (*magnitude > static_cast<std::uint64_t>(INT64_MAX))
        return std::nullopt;
    return static_cast<std::int64_t>(*magnitude);
}

bool is_json_content_type(std::string_view content_type) noexcept
{
    const auto essence = trim(content_type.substr(0, content_type.find(';')));
    const auto lower = to_lower(essence);
    if (!lower.starts_with("application/"))
        return false;
    const std::string_view subtype = std::string_view(lower).substr(12);
    return subtype == "json" || subtype.ends_with("+json");
}

std::optional<std::string_view> image_extension(std::string_view content_type) noexcept
{
    const auto essence = trim(content_type.substr(0, content_type.find(';')));
    if (essence == "image/jpeg" || essence == "image/jpg")
        return "jpg";
    if (essence == "image/png")
        return "png";
    if (essence == "image/gif")
        return "gif";
    if (essence == "image/webp")
        return "webp";
    if (essence == "image/x-icon" || essence == "image/vnd.microsoft.icon")
        return "ico";
    return std::nullopt;
}

} // namespace wacht::emulator
