// SPDX-License-Identifier: BSL-1.0
#include "detail/encoding.hpp"
#include "multipart.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace wacht::detail;

TEST_CASE("percent-encoding keeps only unreserved characters")
{
    CHECK(percent_encode("1394412856401047552") == "1394412856401047552");
    CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");
    CHECK(percent_encode("../x") == "..%2Fx");
    CHECK(percent_encode("a b?c#d%e&f=g+h") == "a%20b%3Fc%23d%25e%26f%3Dg%2Bh");
    CHECK(percent_encode("\r\n") == "%0D%0A");
    CHECK(percent_encode("é") == "%C3%A9");
}

TEST_CASE("path ids that would change the route are refused")
{
    CHECK_FALSE(check_path_id("user_id", "").empty());
    CHECK_FALSE(check_path_id("user_id", ".").empty());
    CHECK_FALSE(check_path_id("user_id", "..").empty());
    CHECK(check_path_id("user_id", "...").empty());
    CHECK(check_path_id("user_id", "../x").empty()); // encoded, so it stays one segment
}

TEST_CASE("targets join literal pieces - encoded segments and an encoded query")
{
    target_builder t;
    t.literal("users").segment("a/b c").literal("details").query("search", "ann lee&x").query("limit", "5");
    CHECK(std::move(t).str() == "/users/a%2Fb%20c/details?search=ann%20lee%26x&limit=5");
}

TEST_CASE("UTF-8 validation")
{
    CHECK(is_valid_utf8("plain"));
    CHECK(is_valid_utf8("Zoë 日本 🎉"));
    CHECK_FALSE(is_valid_utf8("\xC3"));
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));         // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));     // surrogate
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // past U+10FFFF
    CHECK(has_control_char("a\r\nb"));
    CHECK_FALSE(has_control_char("a b"));
}

TEST_CASE("random_hex gives distinct lower-case hex tokens")
{
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        auto token = random_hex(16);
        REQUIRE(token.size() == 32);
        REQUIRE(token.find_first_not_of("0123456789abcdef") == std::string::npos);
        seen.insert(token);
    }
    CHECK(seen.size() == 1000);
}

TEST_CASE("multipart bodies parse back into the same fields")
{
    multipart_writer form;
    form.text("first_name", "Zoë");
    form.text("empty", "");
    form.text("tricky", "line1\r\n--not-a-boundary\r\nline3");
    const std::string image("\x89PNG\r\n\x1a\n\0\x01binary", 16);
    form.file("profile_image", "profile_image", "image/png", image);
    const auto body = std::move(form).finish();

    REQUIRE(body.content_type.starts_with("multipart/form-data; boundary=wacht-"));
    const auto boundary = wacht::emulator::multipart_boundary(body.content_type);
    REQUIRE(boundary);
    const auto parts = wacht::emulator::parse_multipart(body.body, *boundary);
    REQUIRE(parts);
    REQUIRE(parts->size() == 4);
    CHECK((*parts)[0].name == "first_name");
    CHECK((*parts)[0].data == "Zoë");
    CHECK((*parts)[1].data.empty());
    CHECK((*parts)[2].data == "line1\r\n--not-a-boundary\r\nline3");
    CHECK((*parts)[3].name == "profile_image");
    CHECK((*parts)[3].filename == "profile_image");
    CHECK((*parts)[3].content_type == "image/png");
    CHECK((*parts)[3].data == image);
}

TEST_CASE("the multipart boundary never occurs in the content")
{
    // Content that embeds many candidate boundaries still gets one that occurs nowhere.
    for (int i = 0; i < 50; ++i) {
        multipart_writer form;
        form.text("a", "--wacht-");
        auto body = std::move(form).finish();
        const auto boundary = body.content_type.substr(body.content_type.find('=') + 1);
        CHECK(body.body.find("--" + boundary + "\r\n") == 0);
        CHECK(body.body.find(boundary, 2 + boundary.size()) == body.body.rfind(boundary));
    }
}
