// SPDX-License-Identifier: BSL-1.0
#include "multipart.hpp"
#include "text.hpp"

#include <catch2/catch.hpp>

using namespace wacht::emulator;

TEST_CASE("LIKE matching with % and _ wildcards and escapes")
{
    CHECK(like_match("ada lovelace", "%love%"));
    CHECK(like_match("ada lovelace", "%"));
    CHECK(like_match("ada", "a_a"));
    CHECK_FALSE(like_match("ada", "a_"));
    CHECK(like_match("50% off", "%0\\%%"));
    CHECK_FALSE(like_match("50 off", "%0\\%%"));
    CHECK(like_match("zoë", "zo_"));
    CHECK(like_match("aaa", "%a%a%a%"));
    CHECK_FALSE(like_match("aa", "%a%a%a%"));
}

TEST_CASE("Rust-style integer parsing")
{
    CHECK(parse_unsigned("10") == 10u);
    CHECK(parse_unsigned("+10") == 10u);
    CHECK_FALSE(parse_unsigned("-1"));
    CHECK_FALSE(parse_unsigned(""));
    CHECK_FALSE(parse_unsigned("1x"));
    CHECK_FALSE(parse_unsigned("18446744073709551616"));
    CHECK(parse_signed("-9223372036854775808") == INT64_MIN);
    CHECK_FALSE(parse_signed("9223372036854775808"));
    CHECK(parse_signed("007") == 7);
    CHECK_FALSE(parse_signed("+-1"));
}

TEST_CASE("paths split into raw segments - ids decode")
{
    auto s = split_path("/users/12/details");
    REQUIRE(s);
    CHECK(*s == std::vector<std::string_view>{"users", "12", "details"});
    CHECK(*split_path("/users/") == std::vector<std::string_view>{"users", ""});
    CHECK(decode_path_segment("..%2Fx") == "../x");
    CHECK_FALSE(decode_path_segment("%FF"));
}

TEST_CASE("query strings decode with + as space and keep repeats")
{
    auto q = parse_query("search=ann+lee&limit=5&limit=6&flag");
    REQUIRE(q);
    CHECK(q->at("search") == std::vector<std::string>{"ann lee"});
    CHECK(q->at("limit").size() == 2);
    CHECK(q->at("flag") == std::vector<std::string>{""});
}

TEST_CASE("usernames: Unicode letters and digits - underscore and hyphen")
{
    CHECK(is_username_text("ada_l-99"));
    CHECK(is_username_text("zoë"));
    CHECK(is_username_text("日本"));
    CHECK_FALSE(is_username_text("a b"));
    CHECK_FALSE(is_username_text("a.b"));
    CHECK_FALSE(is_username_text("a🎉"));
}

TEST_CASE("content types")
{
    CHECK(is_json_content_type("application/json"));
    CHECK(is_json_content_type("Application/JSON; charset=utf-8"));
    CHECK(is_json_content_type("application/merge-patch+json"));
    CHECK_FALSE(is_json_content_type("text/json"));
    CHECK_FALSE(is_json_content_type(""));
    CHECK(multipart_boundary("multipart/form-data; boundary=abc") == "abc");
    CHECK(multipart_boundary("multipart/form-data; boundary=\"a b\"") == "a b");
    CHECK_FALSE(multipart_boundary("multipart/form-data"));
    CHECK_FALSE(multipart_boundary("application/json; boundary=x"));
    CHECK(image_extension("image/jpeg") == "jpg");
    CHECK_FALSE(image_extension("image/bmp"));
}

TEST_CASE("malformed multipart bodies are refused")
{
    CHECK_FALSE(parse_multipart("", "b"));
    CHECK_FALSE(parse_multipart("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue", "b"));
    CHECK_FALSE(parse_multipart("--b\r\nbroken header\r\n\r\nv\r\n--b--", "b"));
    auto ok = parse_multipart("--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--\r\n", "b");
    REQUIRE(ok);
    CHECK((*ok)[0].name.empty());
}
