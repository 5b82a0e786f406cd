// SPDX-License-Identifier: BSL-1.0
#include "json_text.hpp"

#include <chrono>

namespace wacht::emulator {

void append_timestamp(std::string& out, timestamp t, char quote)
{
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day date{day};
    const hh_mm_ss<nanoseconds> time{t - day};
    const auto nanos = time.subseconds().count();
    // The fraction as chrono writes it: none, or 3, 6 or 9 digits, the fewest that hold it exactly.
    int digits = 0;
    long long fraction = 0;
    if (nanos != 0) {
        if (nanos % 1'000'000 == 0)
            digits = 3, fraction = nanos / 1'000'000;
        else if (nanos % 1'000 == 0)
            digits = 6, fraction = nanos / 1'000;
        else
            digits = 9, fraction = nanos;
    }
    char buffer[48];
    char* p = buffer;
    if (quote)
        *p++ = quote;
    const auto put = [&p](long long value, int width) {
        for (int i = width - 1; i >= 0; --i) {
            p[i] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
        p += width;
    };
    put(static_cast<int>(date.year()), 4);
    *p++ = '-';
    put(static_cast<unsigned>(date.month()), 2);
    *p++ = '-';
    put(static_cast<unsigned>(date.day()), 2);
    *p++ = 'T';
    put(time.hours().count(), 2);
    *p++ = ':';
    put(time.minutes().count(), 2);
    *p++ = ':';
    put(time.seconds().count(), 2);
    if (digits != 0) {
        *p++ = '.';
        put(fraction, digits);
    }
    *p++ = 'Z';
    if (quote)
        *p++ = quote;
    out.append(buffer, p);
}

std::string format_time(timestamp t)
{
    std::string out;
    append_timestamp(out, t);
    return out;
}

} // namespace wacht::emulator

namespace wacht::emulator {

std::optional<timestamp> parse_time(std::string_view text) noexcept
{
    using namespace std::chrono;
    std::size_t pos = 0;
    const auto number = [&](std::size_t width, int& out) {
        if (pos + width > text.size())
            return false;
        out = 0;
        for (std::size_t i = 0; i < width; ++i) {
            const char c = text[pos + i];
            if (c < '0' || c > '9')
                return false;
            out = out * 10 + (c - '0');
        }
        pos += width;
        return true;
    };
    const auto literal = [&](char c) {
        if (pos >= text.size() || (text[pos] != c && !(c == 'T' && text[pos] == 't')))
            return false;
        ++pos;
        return true;
    };
    int y, mo, d, h, mi, s;
    if (!number(4, y) || !literal('-') || !number(2, mo) || !literal('-') || !number(2, d) || !literal('T') ||
        !number(2, h) || !literal(':') || !number(2, mi) || !literal(':') || !number(2, s))
        return std::nullopt;
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || s > 59)
        return std::nullopt;
    std::int64_t nanos = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (digits++ < 9)
                nanos = nanos * 10 + (text[pos] - '0');
            ++pos;
        }
        if (digits == 0)
            return std::nullopt;
        for (; digits < 9; ++digits)
            nanos *= 10;
    }
    int offset_minutes = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const bool negative = text[pos++] == '-';
        int oh, om;
        if (!number(2, oh) || !literal(':') || !number(2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset_minutes = (negative ? -1 : 1) * (oh * 60 + om);
    } else {
        return std::nullopt;
    }
    if (pos != text.size())
        return std::nullopt;
    return timestamp{sys_days{date}.time_since_epoch() + hours{h} + minutes{mi - offset_minutes} +
                     seconds{s} + nanoseconds{nanos}};
}

} // namespace wacht::emulator
