// SPDX-License-Identifier: BSL-1.0
#include "text.hpp"
#include "unicode_tables.hpp"

#include <algorithm>
#include <iterator>

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

// Unicode general category Nd (decimal digits), Unicode 15.1 (the regex crate's tables): what Rust's
// regex `\d` matches.
bool is_decimal_digit(char32_t c) noexcept
{
    static constexpr std::pair<char32_t, char32_t> ranges[] = {
        {0x30, 0x39},       {0x660, 0x669},     {0x6F0, 0x6F9},     {0x7C0, 0x7C9},     {0x966, 0x96F},
        {0x9E6, 0x9EF},     {0xA66, 0xA6F},     {0xAE6, 0xAEF},     {0xB66, 0xB6F},     {0xBE6, 0xBEF},
        {0xC66, 0xC6F},     {0xCE6, 0xCEF},     {0xD66, 0xD6F},     {0xDE6, 0xDEF},     {0xE50, 0xE59},
        {0xED0, 0xED9},     {0xF20, 0xF29},     {0x1040, 0x1049},   {0x1090, 0x1099},   {0x17E0, 0x17E9},
        {0x1810, 0x1819},   {0x1946, 0x194F},   {0x19D0, 0x19D9},   {0x1A80, 0x1A89},   {0x1A90, 0x1A99},
        {0x1B50, 0x1B59},   {0x1BB0, 0x1BB9},   {0x1C40, 0x1C49},   {0x1C50, 0x1C59},   {0xA620, 0xA629},
        {0xA8D0, 0xA8D9},   {0xA900, 0xA909},   {0xA9D0, 0xA9D9},   {0xA9F0, 0xA9F9},   {0xAA50, 0xAA59},
        {0xABF0, 0xABF9},   {0xFF10, 0xFF19},   {0x104A0, 0x104A9}, {0x10D30, 0x10D39}, {0x11066, 0x1106F},
        {0x110F0, 0x110F9}, {0x11136, 0x1113F}, {0x111D0, 0x111D9}, {0x112F0, 0x112F9}, {0x11450, 0x11459},
        {0x114D0, 0x114D9}, {0x11650, 0x11659}, {0x116C0, 0x116C9}, {0x11730, 0x11739}, {0x118E0, 0x118E9},
        {0x11950, 0x11959}, {0x11C50, 0x11C59}, {0x11D50, 0x11D59}, {0x11DA0, 0x11DA9}, {0x11F50, 0x11F59},
        {0x16A60, 0x16A69}, {0x16AC0, 0x16AC9}, {0x16B50, 0x16B59}, {0x1D7CE, 0x1D7FF}, {0x1E140, 0x1E149},
        {0x1E2F0, 0x1E2F9}, {0x1E4F0, 0x1E4F9}, {0x1E950, 0x1E959}, {0x1FBF0, 0x1FBF9}};
    for (const auto& [first, last] : ranges)
        if (c >= first && c <= last)
            return true;
    return false;
}

} // namespace

char32_t next_code_point(std::string_view text, std::size_t& i) noexcept
{
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80           ? 1
                               : (lead >> 5) == 0x6  ? 2
                               : (lead >> 4) == 0xE  ? 3
                               : (lead >> 3) == 0x1E ? 4
                                                     : 0;
    if (length == 0 || i + length > text.size() || !is_utf8(text.substr(i, length))) {
        ++i;
        return invalid_code_point;
    }
    char32_t code = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k)
        code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += length;
    return code;
}

// The White_Space property: what Rust's char::is_whitespace, str::trim and regex `\s` go by.
bool is_white_space(char32_t c) noexcept
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

bool is_phone_number_text(std::string_view phone)
{
    if (!is_utf8(phone))
        return false;
    std::u32string chars;
    for (std::size_t i = 0; i < phone.size();) {
        const char32_t c = next_code_point(phone, i);
        if (c != ' ' && c != '-' && c != '(' && c != ')')
            chars += c;
    }
    std::u32string_view rest = chars;
    if (!rest.empty() && rest.front() == U'+')
        rest.remove_prefix(1);
    if (rest.empty() || rest.front() < U'1' || rest.front() > U'9')
        return false;
    rest.remove_prefix(1);
    const auto all = [&](auto allowed) { return std::all_of(rest.begin(), rest.end(), allowed); };
    // ^\+?[1-9]\d{1,14}$
    if (rest.size() >= 1 && rest.size() <= 14 && all(is_decimal_digit))
        return true;
    // ^\+?[1-9][\d\s\-\(\)]{7,20}$
    return rest.size() >= 7 && rest.size() <= 20 && all([](char32_t c) {
               return is_decimal_digit(c) || is_white_space(c) || c == '-' || c == '(' || c == ')';
           });
}

std::string_view trim(std::string_view text) noexcept
{
    std::size_t start = 0;
    for (std::size_t next = 0; start < text.size() && is_white_space(next_code_point(text, next));)
        start = next;
    text.remove_prefix(start);
    while (!text.empty()) {
        // The last sequence starts at the last byte that is not a continuation byte (at most 3 back).
        std::size_t last = text.size() - 1;
        while (last > 0 && text.size() - last < 4 && (static_cast<unsigned char>(text[last]) & 0xC0) == 0x80)
            --last;
        auto next = last;
        if (!is_white_space(next_code_point(text, next)) || next != text.size())
            break;
        text.remove_suffix(text.size() - last);
    }
    return text;
}

std::string_view trim_http(std::string_view text) noexcept
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

namespace {

template <std::size_t N>
bool in_ranges(const unicode::range (&ranges)[N], char32_t c) noexcept
{
    // The first range that ends at or after c.
    const auto* r =
        std::lower_bound(std::begin(ranges), std::end(ranges), c,
                         [](const unicode::range& range, char32_t code) { return range.second < code; });
    return r != std::end(ranges) && r->first <= c;
}

} // namespace

bool is_lowercase(char32_t c) noexcept
{
    return c < 0x80 ? (c >= 'a' && c <= 'z') : in_ranges(unicode::lowercase_ranges, c);
}

bool is_uppercase(char32_t c) noexcept
{
    return c < 0x80 ? (c >= 'A' && c <= 'Z') : in_ranges(unicode::uppercase_ranges, c);
}

bool is_numeric(char32_t c) noexcept
{
    return c < 0x80 ? (c >= '0' && c <= '9') : in_ranges(unicode::numeric_ranges, c);
}

bool is_alphanumeric(char32_t c) noexcept
{
    return c < 0x80 ? (is_lowercase(c) || is_uppercase(c) || is_numeric(c))
                    : in_ranges(unicode::alphanumeric_ranges, c);
}

bool is_username_text(std::string_view text)
{
    if (!is_utf8(text))
        return false;
    for (std::size_t i = 0; i < text.size();) {
        const char32_t c = next_code_point(text, i);
        if (c != '_' && c != '-' && !is_alphanumeric(c))
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
    const auto essence = trim_http(content_type.substr(0, content_type.find(';')));
    const auto lower = to_lower(essence);
    if (!lower.starts_with("application/"))
        return false;
    const std::string_view subtype = std::string_view(lower).substr(12);
    return subtype == "json" || subtype.ends_with("+json");
}

std::optional<std::string_view> image_extension(std::string_view content_type) noexcept
{
    const auto essence = trim_http(content_type.substr(0, content_type.find(';')));
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
