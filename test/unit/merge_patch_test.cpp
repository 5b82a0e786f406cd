// SPDX-License-Identifier: BSL-1.0
// json_merge_patch against every example of RFC 7386 (appendix A, and the example of section 3).
#include <wacht/users.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace json = boost::json;

TEST_CASE("JSON merge patch - every example of RFC 7386 appendix A")
{
    // original, patch, result: the rows of appendix A, in order.
    const char* const examples[][3] = {
        {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
        {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
        {R"({"a":"b"})", R"({"a":null})", R"({})"},
        {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
        {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
        {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
        {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
        {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
        {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
        {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
        {R"({"a":"foo"})", R"(null)", R"(null)"},
        {R"({"a":"foo"})", R"("bar")", R"("bar")"},
        {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
        {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
        {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
    };
    for (const auto& [original, patch, expected] : examples) {
        INFO(original << " + " << patch);
        CHECK(wacht::json_merge_patch(json::parse(original), json::parse(patch)) == json::parse(expected));
    }
}

TEST_CASE("JSON merge patch - the example of RFC 7386 section 3")
{
    const auto target = json::parse(R"({"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},)"
                                    R"("tags":["example","sample"],"content":"This will be unchanged"})");
    const auto patch = json::parse(R"({"title":"Hello!","phoneNumber":"+01-123-456-7890",)"
                                   R"("author":{"familyName":null},"tags":["example"]})");
    CHECK(wacht::json_merge_patch(target, patch) ==
          json::parse(R"({"title":"Hello!","author":{"givenName":"John"},"tags":["example"],)"
                      R"("content":"This will be unchanged","phoneNumber":"+01-123-456-7890"})"));
}
