// SPDX-License-Identifier: BSL-1.0
#include <wacht/timestamp.hpp>

#include <catch2/catch.hpp>

#include <cstdio>

using namespace std::chrono;

TEST_CASE("timestamps parse with 0 to 9 fractional digits")
{
    const auto base = wacht::parse_timestamp("2026-05-14T09:21:07Z");
    REQUIRE(base);
    CHECK(base->time_since_epoch() == duration_cast<nanoseconds>(sys_days{2026y / 5 / 14}.time_since_epoch() +
                                                                 hours{9} + minutes{21} + seconds{7}));
    CHECK(*wacht::parse_timestamp("2026-05-14T09:21:07.5Z") - *base == milliseconds{500});
    CHECK(*wacht::parse_timestamp("2026-05-14T09:21:07.482Z") - *base == milliseconds{482});
    CHECK(*wacht::parse_timestamp("2026-05-14T09:21:07.482913Z") - *base == microseconds{482913});
    CHECK(*wacht::parse_timestamp("2026-05-14T09:21:07.123456789Z") - *base == nanoseconds{123456789});
    CHECK(*wacht::parse_timestamp("2026-05-14T11:21:07+02:00") == *base);
    CHECK(*wacht::parse_timestamp("2026-05-14T08:51:07-00:30") == *base);
}

TEST_CASE("malformed timestamps are rejected")
{
    for (const char* text :
         {"", "2026-05-14", "2026-05-14T09:21:07", "2026-05-14T09:21:07.Z", "2026-05-14T09:21:07.1234567890Z",
          "2026-13-14T09:21:07Z", "2026-02-30T09:21:07Z", "2026-05-14T24:00:00Z", "2026-05-14T09:21:07Zx",
          "2026-05-14 09:21:07Z", "2026-05-14T09:21:07+0200"})
        CHECK_FALSE(wacht::parse_timestamp(text));
}

TEST_CASE("timestamps format like chrono's AutoSi and round-trip")
{
    for (const char* text :
         {"2026-05-14T09:21:07Z", "2026-05-14T09:21:07.100Z", "2026-05-14T09:21:07.482913Z",
          "2026-06-28T12:00:01.123456789Z", "1969-12-31T23:59:59.000001Z", "2026-03-02T10:00:00.000123Z"}) {
        const auto t = wacht::parse_timestamp(text);
        REQUIRE(t);
        CHECK(wacht::format_timestamp(*t) == text);
    }
}

TEST_CASE("leap days are checked - formatting agrees with chrono calendar from 1700 to 2260")
{
    CHECK(wacht::parse_timestamp("2024-02-29T00:00:00Z"));
    CHECK(wacht::parse_timestamp("2000-02-29T00:00:00Z"));
    CHECK_FALSE(wacht::parse_timestamp("2023-02-29T00:00:00Z"));
    CHECK_FALSE(wacht::parse_timestamp("1900-02-29T00:00:00Z"));
    CHECK_FALSE(wacht::parse_timestamp("2026-04-31T00:00:00Z"));
    // Every day from 1700 to 2260 (about the range of int64 nanoseconds) at a varying time: parse(format(t))
    // == t and the date is chrono's.
    for (auto day = sys_days{1700y / 1 / 1}; day < sys_days{2260y / 1 / 1}; day += days{1}) {
        constexpr std::int64_t nanos_per_day = 86'400'000'000'000;
        const auto of_day =
            ((day.time_since_epoch().count() * 7'919'000'017) % nanos_per_day + nanos_per_day) %
            nanos_per_day;
        const auto t = wacht::timestamp{day} + nanoseconds{of_day};
        const auto text = wacht::format_timestamp(t);
        const year_month_day date{day};
        char expected[16];
        std::snprintf(expected, sizeof expected, "%04d-%02u-%02uT", static_cast<int>(date.year()),
                      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
        REQUIRE(text.substr(0, 11) == expected);
        REQUIRE(wacht::parse_timestamp(text) == t);
        // The precisions the server stores: microseconds and milliseconds.
        const auto micros = std::chrono::floor<std::chrono::microseconds>(t);
        REQUIRE(wacht::parse_timestamp(wacht::format_timestamp(micros)) == micros);
        const auto millis = std::chrono::floor<std::chrono::milliseconds>(t);
        REQUIRE(wacht::parse_timestamp(wacht::format_timestamp(millis)) == millis);
    }
}
