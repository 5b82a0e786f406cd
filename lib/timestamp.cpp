#include <wacht/timestamp.hpp>

#include <charconv>
#include <cstdio>

namespace wacht {
namespace {

// Reads exactly `width` decimal digits at text[pos].
bool read_digits(std::string_view text, std::size_t pos, std::size_t width, int& out) noexcept
{
    if (pos + width > text.size())
        return false;
    out = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        out = out * 10 + (text[i] - '0');
    }
    return true;
}

} // namespace

std::optional<timestamp> parse_timestamp(std::string_view text) noexcept
{
    using namespace std::chrono;
    int y, mo, d, h, mi, s;
    if (!read_digits(text, 0, 4, y) || text.size() < 20 || text[4] != '-' || !read_digits(text, 5, 2, mo) ||
        text[7] != '-' || !read_digits(text, 8, 2, d) || (text[10] != 'T' && text[10] != 't') ||
        !read_digits(text, 11, 2, h) || text[13] != ':' || !read_digits(text, 14, 2, mi) || text[16] != ':' ||
        !read_digits(text, 17, 2, s))
        return std::nullopt;
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || s > 60)
        return std::nullopt;
    std::size_t pos = 19;
    std::int64_t nanos = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (++digits > 9)
                return std::nullopt;
            nanos = nanos * 10 + (text[pos] - '0');
            ++pos;
        }
        if (digits == 0)
            return std::nullopt;
        for (std::size_t i = digits; i < 9; ++i)
            nanos *= 10;
    }
    minutes offset{0};
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int oh, om;
        if (!read_digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !read_digits(text, pos + 4, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset = hours{oh} + minutes{om};
        if (text[pos] == '-')
            offset = -offset;
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size())
        return std::nullopt;
    return timestamp{sys_days{date} + hours{h} + minutes{mi} + seconds{s} + nanoseconds{nanos} - offset};
}

std::string format_timestamp(timestamp t)
{
    using namespace std::chrono;
    const auto day_start = floor<days>(t);
    const year_month_day date{day_start};
    const hh_mm_ss<nanoseconds> time{t - day_start};
    const auto nanos = time.subseconds().count();
    char buffer[48];
    int n =
        std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02lld", static_cast<int>(date.year()),
                      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                      static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                      static_cast<long long>(time.seconds().count()));
    if (nanos != 0) {
        if (nanos % 1'000'000 == 0)
            n += std::snprintf(buffer + n, sizeof buffer - n, ".%03lld",
                               static_cast<long long>(nanos / 1'000'000));
        else if (nanos % 1'000 == 0)
            n += std::snprintf(buffer + n, sizeof buffer - n, ".%06lld",
                               static_cast<long long>(nanos / 1'000));
        else
            n += std::snprintf(buffer + n, sizeof buffer - n, ".%09lld", static_cast<long long>(nanos));
    }
    buffer[n++] = 'Z';
    return std::string(buffer, static_cast<std::size_t>(n));
}

} // namespace wacht
