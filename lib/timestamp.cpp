// SPDX-License-Identifier: BSL-1.0
#include <wacht/timestamp.hpp>

#include <cstdint>
#include <cstring>

namespace wacht {
namespace {

// Reads exactly `width` decimal digits at text[pos].
bool read_digits(std::string_view text, std::size_t pos, std::size_t width, int& out) noexcept
{
    if (pos + width > text.size())
        return false;
    out = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        const unsigned digit = static_cast<unsigned char>(text[i]) - unsigned{'0'};
        if (digit > 9)
            return false;
        out = out * 10 + static_cast<int>(digit);
    }
    return true;
}

constexpr bool is_leap(int y) noexcept
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr int days_in_month(int y, int m) noexcept
{
    constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): a few integer
// operations, where std::chrono's year_month_day conversion costs several times more on this hot path.
constexpr std::int64_t days_from_civil(int y, int m, int d) noexcept
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

} // namespace

std::optional<timestamp> parse_timestamp(std::string_view text) noexcept
{
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    // The fixed part, "YYYY-MM-DDTHH:MM:SS", is checked in one pass.
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
        text[13] != ':' || text[16] != ':')
        return std::nullopt;
    const auto digits = [&](std::size_t pos, std::size_t width, int& out) {
        out = 0;
        bool ok = true;
        for (std::size_t i = pos; i < pos + width; ++i) {
            const unsigned digit = static_cast<unsigned char>(text[i]) - unsigned{'0'};
            ok &= digit <= 9;
            out = out * 10 + static_cast<int>(digit);
        }
        return ok;
    };
    // Timestamps in one response mostly share their date, hour and minute: the calendar conversion of
    // the last "YYYY-MM-DDTHH:MM" this thread parsed is kept.
    thread_local char last_minute[16] = {};
    thread_local std::int64_t last_minute_seconds = 0;
    std::int64_t minute_seconds = 0;
    if (std::memcmp(text.data(), last_minute, sizeof last_minute) == 0) {
        minute_seconds = last_minute_seconds;
    } else {
        if (!(digits(0, 4, y) && digits(5, 2, mo) && digits(8, 2, d) && digits(11, 2, h) &&
              digits(14, 2, mi)))
            return std::nullopt;
        if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59)
            return std::nullopt;
        minute_seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
        std::memcpy(last_minute, text.data(), sizeof last_minute);
        last_minute_seconds = minute_seconds;
    }
    if (!digits(17, 2, s) || s > 60)
        return std::nullopt;
    std::size_t pos = 19;
    std::int64_t nanos = 0;
    if (text[pos] == '.') {
        ++pos;
        std::size_t digits = 0;
        while (pos < text.size()) {
            const unsigned digit = static_cast<unsigned char>(text[pos]) - unsigned{'0'};
            if (digit > 9)
                break;
            if (++digits > 9)
                return std::nullopt;
            nanos = nanos * 10 + digit;
            ++pos;
        }
        if (digits == 0)
            return std::nullopt;
        static constexpr std::int64_t scale[] = {1,      100'000'000, 10'000'000, 1'000'000, 100'000,
                                                 10'000, 1'000,       100,        10,        1};
        nanos *= scale[digits];
    }
    std::int64_t offset_minutes = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int oh, om;
        if (!read_digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !read_digits(text, pos + 4, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset_minutes = oh * 60 + om;
        if (text[pos] == '-')
            offset_minutes = -offset_minutes;
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size())
        return std::nullopt;
    const std::int64_t seconds_since_epoch = minute_seconds + s - offset_minutes * 60;
    return timestamp{std::chrono::seconds{seconds_since_epoch} + nanoseconds{nanos}};
}

namespace {

void append_timestamp(std::string& out, timestamp t, char quote)
{
    // Split into days and the nanoseconds of the day (floor, so that instants before 1970 work).
    constexpr std::int64_t nanos_per_day = 86'400'000'000'000;
    const std::int64_t count = t.time_since_epoch().count();
    std::int64_t days = count / nanos_per_day;
    std::int64_t of_day = count % nanos_per_day;
    if (of_day < 0) {
        of_day += nanos_per_day;
        --days;
    }
    // H. Hinnant's civil_from_days.
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + era * 400 + (month <= 2);

    const std::int64_t seconds_of_day = of_day / 1'000'000'000;
    const std::int64_t nanos = of_day % 1'000'000'000;
    char buffer[40];
    char* p = buffer;
    if (quote)
        *p++ = quote;
    // Two digits at a time from a table: a timestamp is ten or more of them.
    static constexpr char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    const auto two = [&p](std::int64_t value) {
        std::memcpy(p, pairs + 2 * value, 2);
        p += 2;
    };
    // Any number of digits, `width` of them, zero-padded.
    const auto put = [&p](std::int64_t value, int width) {
        for (int i = width - 1; i >= 0; --i) {
            p[i] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
        p += width;
    };
    two(year / 100); // a timestamp (int64 nanoseconds) spans the years 1677 to 2262
    two(year % 100);
    *p++ = '-';
    two(month);
    *p++ = '-';
    two(day);
    *p++ = 'T';
    two(seconds_of_day / 3600);
    *p++ = ':';
    two(seconds_of_day / 60 % 60);
    *p++ = ':';
    two(seconds_of_day % 60);
    if (nanos != 0) {
        *p++ = '.';
        if (nanos % 1'000'000 == 0) {
            put(nanos / 1'000'000, 3);
        } else if (nanos % 1'000 == 0) {
            const auto micros = nanos / 1'000;
            two(micros / 10'000);
            two(micros / 100 % 100);
            two(micros % 100);
        } else {
            put(nanos, 9);
        }
    }
    *p++ = 'Z';
    if (quote)
        *p++ = quote;
    out.append(buffer, p);
}

} // namespace

std::string format_timestamp(timestamp t)
{
    std::string out;
    append_timestamp(out, t, 0);
    return out;
}

} // namespace wacht
