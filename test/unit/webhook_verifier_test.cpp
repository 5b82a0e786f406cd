// SPDX-License-Identifier: BSL-1.0
// Webhook verification (§10.7, §10.8, §11.3 W0-W14, §15.9-15.11). Expected MACs are the contract's
// published values or computed here with OpenSSL's HMAC (test/support/jwt_forge.hpp), never by the SDK.
#include "jwt_forge.hpp"

#include <wacht/webhook_verifier.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

using namespace std::chrono_literals;
using wacht::webhook_errc;
using wacht::webhook_header;

namespace {

const std::string w1_secret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const std::string w1_body =
    R"({"type":"user.created","timestamp":"2026-06-29T12:00:00.000Z","data":{"entity_id":1394412856401047552,"entity_type":"user","id":"1394412856401047552","first_name":"Ada","last_name":"Lovelace"}})";
const std::string w1_signature = "v1,2n5qa62b77MyID/ACY44hQboLywa6CBQ2WyOGFmuqzg=";

wacht::webhook_options at(std::int64_t now)
{
    wacht::webhook_options o;
    o.clock = [now] { return std::chrono::system_clock::time_point(std::chrono::seconds(now)); };
    return o;
}

std::vector<webhook_header> w1_headers(std::string_view signature = w1_signature)
{
    return {{"content-type", "application/json"},
            {"webhook-id", "msg_1394412856401047560"},
            {"webhook-timestamp", "1782734400"},
            {"webhook-signature", signature}};
}

webhook_errc code_of(const wacht::webhook_result& r)
{
    REQUIRE_FALSE(r.has_value());
    return r.error().code;
}

} // namespace

TEST_CASE("W0: the Standard Webhooks reference vector", "[webhook]")
{
    wacht::webhook_verifier v({"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, at(1614265330));
    const std::vector<webhook_header> h = {
        {"webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
        {"webhook-timestamp", "1614265330"},
        {"webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}};
    const auto r = v.verify(R"({"test": 2432232314})", h);
    REQUIRE(r.has_value());
    CHECK(r->id == "msg_p5jXN8AQM9LWM0D4loKWxJek");
    CHECK(r->timestamp == 1614265330);
    CHECK_FALSE(r->envelope); // JSON, but not the envelope shape
    CHECK_FALSE(r->parse_error.empty());
}

TEST_CASE("W1: a Wacht-shaped delivery verifies and its envelope is parsed", "[webhook]")
{
    wacht::webhook_verifier v({w1_secret}, at(1782734400));
    const auto r = v.verify(w1_body, w1_headers());
    REQUIRE(r.has_value());
    CHECK(r->raw_body == w1_body);
    REQUIRE(r->envelope);
    CHECK(r->envelope->type == "user.created");
    CHECK(r->envelope->timestamp == "2026-06-29T12:00:00.000Z");
    // The 19-digit entity_id survives exactly (Boost.JSON keeps int64).
    CHECK(r->envelope->data.at("entity_id").as_int64() == 1394412856401047552);
    CHECK(r->envelope->data.at("first_name").as_string() == "Ada");
    // The expected value is also what OpenSSL computes independently.
    std::string key;
    key.resize(32);
    for (int i = 0; i < 32; ++i)
        key[static_cast<std::size_t>(i)] = static_cast<char>(i);
    CHECK("v1," + wacht::test::forge::b64(
                      wacht::test::forge::hmac(key, "msg_1394412856401047560.1782734400." + w1_body)) ==
          w1_signature);
}

TEST_CASE("W2-W4: signature lists, v1a, and a body with one byte more", "[webhook]")
{
    wacht::webhook_verifier v({w1_secret}, at(1782734400));
    CHECK(v.verify(w1_body, w1_headers("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + w1_signature))
              .has_value());
    CHECK(v.verify(w1_body, w1_headers("  v1,AAAA  " + w1_signature + "  "))
              .has_value()); // empty items ignored
    CHECK(code_of(v.verify(w1_body, w1_headers("v1a,2n5qa62b77MyID/ACY44hQboLywa6CBQ2WyOGFmuqzg="))) ==
          webhook_errc::no_matching_signature);
    CHECK(code_of(v.verify(w1_body + "\n", w1_headers())) == webhook_errc::no_matching_signature);
    CHECK(
        v.verify(w1_body + "\n", w1_headers("v1,JfBB9vR/hmKl3t/1N6eVq73xNglc7PmrsbWjYRpHOno=")).has_value());
    // A bare MAC, a URL-safe or unpadded one, and a different case do not match (§15.9).
    CHECK_FALSE(v.verify(w1_body, w1_headers("2n5qa62b77MyID/ACY44hQboLywa6CBQ2WyOGFmuqzg=")).has_value());
    CHECK_FALSE(v.verify(w1_body, w1_headers("v1,2n5qa62b77MyID_ACY44hQboLywa6CBQ2WyOGFmuqzg=")).has_value());
    CHECK_FALSE(v.verify(w1_body, w1_headers("v1,2n5qa62b77MyID/ACY44hQboLywa6CBQ2WyOGFmuqzg")).has_value());
    CHECK_FALSE(v.verify(w1_body, w1_headers("V1,2n5qa62b77MyID/ACY44hQboLywa6CBQ2WyOGFmuqzg=")).has_value());
    CHECK_FALSE(v.verify(w1_body, w1_headers("v1,")).has_value());
}

TEST_CASE("W5, W6, W14: the tolerance edges pass; one second beyond fails", "[webhook]")
{
    const auto verify_at = [](std::int64_t now, std::chrono::seconds past = 300s) {
        auto o = at(now);
        o.tolerance_past = past;
        return wacht::webhook_verifier({w1_secret}, o).verify(w1_body, w1_headers());
    };
    CHECK(verify_at(1782734700).has_value());
    CHECK(code_of(verify_at(1782734701)) == webhook_errc::timestamp_too_old);
    CHECK(verify_at(1782734100).has_value());
    CHECK(code_of(verify_at(1782734099)) == webhook_errc::timestamp_too_new);
    CHECK(code_of(verify_at(1782734400 + 390)) == webhook_errc::timestamp_too_old); // Wacht's attempt 4
    CHECK(verify_at(1782734400 + 390, 390s).has_value());
}

TEST_CASE("W7, W8: secrets without the prefix, and rotation with a list", "[webhook]")
{
    CHECK(wacht::webhook_verifier({"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}, at(1782734400))
              .verify(w1_body, w1_headers())
              .has_value());
    const std::string rotated = "whsec_ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
    const auto signed_new = w1_headers("v1,o9LsgYqYrWdCuInITJH/TvYjgfIKd4DpuEyJBJjgUok=");
    CHECK(wacht::webhook_verifier({w1_secret, rotated}, at(1782734400))
              .verify(w1_body, signed_new)
              .has_value());
    CHECK(code_of(wacht::webhook_verifier({w1_secret}, at(1782734400)).verify(w1_body, signed_new)) ==
          webhook_errc::no_matching_signature);
}

TEST_CASE("W9-W12: header names in any case, bad timestamps, missing and duplicate fields", "[webhook]")
{
    wacht::webhook_verifier v({w1_secret}, at(1782734400));
    std::vector<webhook_header> h = {{"Webhook-Id", "msg_1394412856401047560"},
                                     {"WEBHOOK-TIMESTAMP", "1782734400"},
                                     {"WEBHOOK-SIGNATURE", w1_signature}};
    CHECK(v.verify(w1_body, h).has_value());
    for (const char* bad : {"1782734400 ", "+1782734400", " 1782734400", "-1", "1.5", "17827344OO",
                            "99999999999999999999", "9223372036854775808"}) {
        auto hb = w1_headers();
        hb[2].value = bad;
        CHECK(code_of(v.verify(w1_body, hb)) == webhook_errc::invalid_timestamp);
    }
    auto missing = w1_headers();
    missing.erase(missing.begin() + 1);
    auto r = v.verify(w1_body, missing);
    CHECK(code_of(r) == webhook_errc::missing_header);
    CHECK(r.error().detail.find("webhook-id") != std::string::npos);
    auto empty = w1_headers();
    empty[3].value = "";
    CHECK(code_of(v.verify(w1_body, empty)) == webhook_errc::missing_header);
    auto twice = w1_headers();
    twice.push_back({"Webhook-Timestamp", "1782734400"});
    CHECK(code_of(v.verify(w1_body, twice)) == webhook_errc::duplicate_header);
    auto two_ids = w1_headers();
    two_ids.push_back({"webhook-id", "msg_other"});
    CHECK(code_of(v.verify(w1_body, two_ids)) == webhook_errc::duplicate_header);
    // Several webhook-signature fields are each split (a custom header may add one, §10.1).
    auto two_signatures = w1_headers("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    two_signatures.push_back({"Webhook-Signature", w1_signature});
    CHECK(v.verify(w1_body, two_signatures).has_value());
    // Leading zeros are allowed and signed as received (§10.7.3).
    auto zeros = w1_headers();
    zeros[2].value = "01782734400";
    CHECK(code_of(v.verify(w1_body, zeros)) == webhook_errc::no_matching_signature);
}

TEST_CASE("W13: a non-ASCII body verifies over its UTF-8 bytes only", "[webhook]")
{
    wacht::webhook_verifier v({w1_secret}, at(1782734400));
    const std::string body = "{\"type\":\"user.updated\",\"timestamp\":\"2026-06-29T12:00:00.000Z\",\"data\":"
                             "{\"first_name\":\"Zo\xc3\xab\",\"last_name\":\"\xc3\x91u\xc3\xb1"
                             "ez\"}}";
    std::vector<webhook_header> h = {
        {"webhook-id", "msg_1394412856401047561"},
        {"webhook-timestamp", "1782734400"},
        {"webhook-signature", "v1,OuraKpDY2q390RPT1lJyPM490IEgjQALbfGzjRSieKU="}};
    CHECK(v.verify(body, h).has_value());
    std::string latin1 = "{\"type\":\"user.updated\",\"timestamp\":\"2026-06-29T12:00:00.000Z\",\"data\":{"
                         "\"first_name\":\"Zo\xeb\",\"last_name\":\"\xd1u\xf1"
                         "ez\"}}";
    CHECK(code_of(v.verify(latin1, h)) == webhook_errc::no_matching_signature);
}

TEST_CASE("the contract's fixture delivery verifies", "[webhook]")
{
    std::ifstream in(std::string(WACHT_TEST_DATA_DIR) + "/webhook-delivery.json");
    const auto fixture = boost::json::parse(std::string(std::istreambuf_iterator<char>(in), {})).as_object();
    const auto& headers = fixture.at("headers").as_object();
    std::vector<std::string> storage;
    std::vector<webhook_header> h;
    for (const auto& [name, value] : headers)
        h.push_back({name, std::string_view(value.as_string().data(), value.as_string().size())});
    wacht::webhook_verifier v({std::string(fixture.at("signing_secret").as_string())}, at(1782734400));
    const auto r = v.verify(
        std::string_view(fixture.at("body").as_string().data(), fixture.at("body").as_string().size()), h);
    REQUIRE(r.has_value());
    CHECK(r->envelope->type == "test.webhook");
    CHECK(r->envelope->data.at("test").as_bool());
}

TEST_CASE("check order, body size, non-JSON bodies and the status helper", "[webhook]")
{
    auto o = at(1782734400);
    o.max_body_bytes = 100;
    wacht::webhook_verifier small({w1_secret}, o);
    CHECK(code_of(small.verify(w1_body, {})) == webhook_errc::body_too_large); // size first (§15.10)
    wacht::webhook_verifier v({w1_secret}, at(1782734400));
    auto twice = w1_headers();
    twice.push_back({"webhook-id", "x"});
    twice[2].value = "bad";
    CHECK(code_of(v.verify(w1_body, twice)) == webhook_errc::duplicate_header); // before the timestamp
    // A body that is not JSON but is signed is returned raw with parse_error.
    const std::string text = "plain text";
    std::string key;
    for (int i = 0; i < 32; ++i)
        key += static_cast<char>(i);
    const auto sig = "v1," + wacht::test::forge::b64(
                                 wacht::test::forge::hmac(key, "msg_1394412856401047560.1782734400." + text));
    const auto r = v.verify(text, w1_headers(sig));
    REQUIRE(r.has_value());
    CHECK(r->raw_body == text);
    CHECK_FALSE(r->envelope);
    CHECK_FALSE(r->parse_error.empty());
    CHECK(wacht::recommended_status(webhook_errc::missing_header) == 400);
    CHECK(wacht::recommended_status(webhook_errc::duplicate_header) == 400);
    CHECK(wacht::recommended_status(webhook_errc::invalid_timestamp) == 400);
    CHECK(wacht::recommended_status(webhook_errc::timestamp_too_old) == 401);
    CHECK(wacht::recommended_status(webhook_errc::timestamp_too_new) == 401);
    CHECK(wacht::recommended_status(webhook_errc::no_matching_signature) == 401);
    CHECK(wacht::recommended_status(webhook_errc::body_too_large) == 413);
    CHECK_THROWS_AS(v.verify(w1_body, w1_headers("v1,x")).value(), wacht::webhook_verification_error);
}

TEST_CASE("invalid secrets are refused at construction and never echoed", "[webhook]")
{
    for (const char* bad :
         {"", "whsec_", "whsec_!!!!", "whsec_AAECAw=", "whsec_AAECAw===", "whsec_AAECAx==", "AA-_"}) {
        try {
            wacht::webhook_verifier v({bad});
            FAIL("accepted " << bad);
        } catch (const wacht::webhook_verification_error& e) {
            CHECK(e.error().code == webhook_errc::invalid_secret);
            if (std::string_view(bad).size() > 6)
                CHECK(std::string(e.what()).find(std::string(bad).substr(6)) == std::string::npos);
        }
    }
    CHECK_THROWS_AS(wacht::webhook_verifier(std::vector<std::string>{}), wacht::webhook_verification_error);
    CHECK_NOTHROW(wacht::webhook_verifier({"whsec_AAECAw"})); // padding optional
}
