#include <wacht/timestamp.hpp>

#include <catch2/catch.hpp>

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
