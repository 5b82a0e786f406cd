// SPDX-License-Identifier: BSL-1.0
// Session-token rules without the network (§1.2, §5, §7.3, §11.1, §15): tokens are made by the test
// forge (OpenSSL directly) and verified with static keys; the JWKS paths are in the integration tests.
#include "jwt_forge.hpp"

#include <wacht/error.hpp>
#include <wacht/session_verifier.hpp>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>

using namespace std::chrono_literals;
using wacht::jws_algorithm;
using wacht::token_errc;
namespace forge = wacht::test::forge;

namespace {

const std::string issuer = "https://q7m2x9k4-t1w8e3z.fapi.trywacht.xyz";
const std::string es_header = R"({"alg":"ES256","kid":"wacht-test-key-1","typ":"JWT"})";
const std::string p1 =
    R"({"iss":"https://q7m2x9k4-t1w8e3z.fapi.trywacht.xyz","sub":"1394412856401047552","sid":"1394412856401047553","iat":1782734400,"nbf":1782734400,"exp":1782736200,"organization":"1394412856401047600","workspace":"1394412856401047700","permissions":{"organization":["org:read","org:manage_members"],"workspace":["ws:read"]}})";

std::string replace(std::string text, std::string_view from, std::string_view to)
{
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

struct offline
{
    explicit offline(std::function<void(wacht::session_verifier_options&)> adjust = {})
        : verifier(io.get_executor(), make(adjust))
    {}

    wacht::session_verifier_options make(const std::function<void(wacht::session_verifier_options&)>& adjust)
    {
        wacht::session_verifier_options o;
        o.publishable_key = "pk_test_aHR0cHM6Ly9xN20yeDlrNC10MXc4ZTN6LmZhcGkudHJ5d2FjaHQueHl6";
        o.use_jwks = false;
        o.static_keys = {wacht::static_key::public_key_pem(jws_algorithm::es256,
                                                           forge::public_pem(forge::contract_test_key()))};
        o.clock = [this] { return std::chrono::system_clock::time_point(std::chrono::seconds(now.load())); };
        if (adjust)
            adjust(o);
        return o;
    }

    wacht::verify_result verify(const std::string& token) const { return verifier.verify(token); }

    token_errc code(const std::string& token) const
    {
        const auto r = verifier.verify(token);
        REQUIRE_FALSE(r.has_value());
        // The detail never carries the token or any of its segments.
        const auto message = r.error().message();
        if (!token.empty())
            CHECK(message.find(token.substr(0, 20)) == std::string::npos);
        if (const auto dot = token.rfind('.'); dot != std::string::npos && token.size() - dot > 10)
            CHECK(message.find(token.substr(dot + 1, 10)) == std::string::npos);
        return r.error().code;
    }

    std::atomic<std::int64_t> now{1782734460};
    boost::asio::io_context io;
    wacht::session_verifier verifier;
};

std::string es(const std::string& payload, const std::string& header = es_header)
{
    return forge::es256(header, payload, forge::contract_test_key());
}

} // namespace

TEST_CASE("§11.1 publishable keys", "[session][config]")
{
    auto a = wacht::parse_publishable_key("pk_test_aHR0cHM6Ly9xN20yeDlrNC10MXc4ZTN6LmZhcGkudHJ5d2FjaHQueHl6");
    CHECK(a.origin == issuer);
    CHECK(a.test_mode);
    CHECK(a.jwks_url == issuer + "/.well-known/jwks.json");
    CHECK(a.cookie_scope == "q7m2x9k4_t1w8e3z_fapi_trywacht_xyz");
    for (const char* key : {"pk_live_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbQ==",
                            "pk_live_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbQ",
                            "pk_live_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbS8=",
                            "  pk_live_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbQ==  "}) {
        const auto b = wacht::parse_publishable_key(key);
        CHECK(b.origin == "https://frontend.example.com");
        CHECK_FALSE(b.test_mode);
    }
    CHECK_THROWS_AS(wacht::parse_publishable_key("pk_test_aHR0cDovL2xvY2FsaG9zdDozMDAz"), wacht::api_error);
    CHECK(wacht::parse_publishable_key("pk_test_aHR0cDovL2xvY2FsaG9zdDozMDAz", true).origin ==
          "http://localhost:3003");
    for (const char* bad :
         {"pk_test_bm90IGEgdXJs", "pk_test_", "pk_prod_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbQ==",
          "PK_TEST_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbQ==", "pk_test_!!!!"}) {
        try {
            wacht::parse_publishable_key(bad);
            FAIL("accepted " << bad);
        } catch (const wacht::api_error& e) {
            CHECK(e.error().code == wacht::errc::invalid_argument);
            CHECK(std::string(e.what()).find(
                      std::string(bad).substr(std::string(bad).size() > 12 ? 12 : 0)) == std::string::npos);
        }
    }
    // The verifier's default issuer is the origin; a key from the environment works the same.
    ::setenv("WACHT_PUBLISHABLE_KEY", "pk_live_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbQ==", 1);
    auto o = wacht::session_verifier_options::from_env();
    ::unsetenv("WACHT_PUBLISHABLE_KEY");
    boost::asio::io_context io;
    wacht::session_verifier v(io.get_executor(), o);
    CHECK(v.issuer() == "https://frontend.example.com");
    CHECK(v.frontend().jwks_url == "https://frontend.example.com/.well-known/jwks.json");
}

TEST_CASE("configuration errors are raised at construction", "[session][config]")
{
    boost::asio::io_context io;
    wacht::session_verifier_options o;
    CHECK_THROWS_AS(wacht::session_verifier(io.get_executor(), o), wacht::api_error); // no key or origin
    o.frontend_api_url = "https://frontend.example.com";
    o.allowed_algorithms.push_back(jws_algorithm::hs256);
    CHECK_THROWS_AS(wacht::session_verifier(io.get_executor(), o), wacht::api_error);
    o.allowed_algorithms.pop_back();
    o.static_keys = {wacht::static_key::hmac_secret(jws_algorithm::hs256, "")};
    CHECK_THROWS_AS(wacht::session_verifier(io.get_executor(), o), wacht::api_error);
    o.static_keys = {wacht::static_key::public_key_pem(jws_algorithm::es256, "not a pem")};
    CHECK_THROWS_AS(wacht::session_verifier(io.get_executor(), o), wacht::api_error);
    o.static_keys = {wacht::static_key::public_key_pem(jws_algorithm::es384,
                                                       forge::public_pem(forge::contract_test_key()))};
    CHECK_THROWS_AS(wacht::session_verifier(io.get_executor(), o),
                    wacht::api_error); // P-256 key bound to ES384
    o.static_keys = {
        wacht::static_key::public_key_pem(jws_algorithm::rs256, forge::public_pem(forge::rsa_key(1024)))};
    CHECK_THROWS_AS(wacht::session_verifier(io.get_executor(), o), wacht::api_error);
    o.static_keys.clear();
    o.frontend_api_url = "http://frontend.example.com";
    CHECK_THROWS_AS(wacht::session_verifier(io.get_executor(), o), wacht::api_error);
}

TEST_CASE("§5.2 token extraction", "[session]")
{
    CHECK(wacht::token_from_authorization("Bearer abc.def.ghi") == "abc.def.ghi");
    CHECK(wacht::token_from_authorization("bearer abc.def.ghi") == "abc.def.ghi"); // T17
    CHECK(wacht::token_from_authorization("BEARER    abc.def.ghi  ") == "abc.def.ghi");
    CHECK_FALSE(wacht::token_from_authorization("Bearer"));
    CHECK_FALSE(wacht::token_from_authorization("Bearer    "));
    CHECK_FALSE(wacht::token_from_authorization("Basic dXNlcjpwYXNz"));
    CHECK_FALSE(wacht::token_from_authorization("Bearerabc"));
    CHECK_FALSE(wacht::token_from_authorization(""));
    const std::string scope = "q7m2x9k4_t1w8e3z_fapi_trywacht_xyz";
    CHECK(wacht::token_from_cookie("a=1; __auth_" + scope + "=ab%2Ecd.ef; __session=zzz", scope) ==
          "ab.cd.ef");
    CHECK_FALSE(wacht::token_from_cookie("__session=zzz; __dev_session__=y", scope));
    CHECK_FALSE(wacht::token_from_cookie("__auth_" + scope + "=bad%zz", scope));
    CHECK_FALSE(wacht::token_from_cookie("__auth_other=abc", scope));
}

TEST_CASE("RFC 7515 A.3: the published ES256 vector's signature verifies", "[session][signature]")
{
    const auto key = forge::ec_public("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                                      "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
    const std::string token =
        "eyJhbGciOiJFUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
        "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    offline v([&](auto& o) {
        o.static_keys = {wacht::static_key::public_key_pem(jws_algorithm::es256, forge::public_pem(key))};
        o.issuer = "joe";
    });
    v.now = 1300819380 - 60;
    CHECK(v.code(token) == token_errc::not_a_session_token); // signature, iss and exp passed; no sub
    v.now = 1300819380 + 60;
    CHECK(v.code(token) == token_errc::token_expired);
    auto bad = token;
    bad[bad.size() - 5] = bad[bad.size() - 5] == 'A' ? 'B' : 'A';
    CHECK(v.code(bad) == token_errc::signature_invalid);
}

TEST_CASE("T1 with a static key: the verified session of §5.8", "[session]")
{
    offline v;
    const std::string t1 =
        "eyJhbGciOiJFUzI1NiIsImtpZCI6IndhY2h0LXRlc3Qta2V5LTEiLCJ0eXAiOiJKV1QifQ."
        "eyJpc3MiOiJodHRwczovL3E3bTJ4OWs0LXQxdzhlM3ouZmFwaS50cnl3YWNodC54eXoiLCJzdWIiOiIxMzk0NDEyODU2NDAxMDQ3"
        "NTUyIiwic2lkIjoiMTM5NDQxMjg1NjQwMTA0NzU1MyIsImlhdCI6MTc4MjczNDQwMCwibmJmIjoxNzgyNzM0NDAwLCJleHAiOjE3"
        "ODI3MzYyMDAsIm9yZ2FuaXphdGlvbiI6IjEzOTQ0MTI4NTY0MDEwNDc2MDAiLCJ3b3Jrc3BhY2UiOiIxMzk0NDEyODU2NDAxMDQ3"
        "NzAwIiwicGVybWlzc2lvbnMiOnsib3JnYW5pemF0aW9uIjpbIm9yZzpyZWFkIiwib3JnOm1hbmFnZV9tZW1iZXJzIl0sIndvcmtz"
        "cGFjZSI6WyJ3czpyZWFkIl19fQ."
        "dz7k2Sg8Rom7Og7Lnrgbrv8mha3IBgGv-q5kGUgOd_BGvfGyz-fzE3rUGAIM17JKIfOHfipT-eKNqdSDpCJgxQ";
    CHECK(t1.substr(t1.find('.') + 1, t1.rfind('.') - t1.find('.') - 1) == forge::b64url(p1));
    const auto r = v.verify(t1);
    REQUIRE(r.has_value());
    CHECK(r->user_id == "1394412856401047552");
    CHECK(r->session_id == "1394412856401047553");
    CHECK(r->organization_id == "1394412856401047600");
    CHECK(r->workspace_id == "1394412856401047700");
    CHECK(r->organization_permissions == std::vector<std::string>{"org:read", "org:manage_members"});
    CHECK(r->workspace_permissions == std::vector<std::string>{"ws:read"});
    CHECK(r->expires_at == 1782736200);
    CHECK(r->issued_at == 1782734400);
    CHECK(r->not_before == 1782734400);
    CHECK(r->issuer == issuer);
    CHECK(r->algorithm == jws_algorithm::es256);
    CHECK(r->key_id == "wacht-test-key-1");
    CHECK(r->raw_claims.at("sid").as_string() == "1394412856401047553");
}

TEST_CASE("algorithm confusion: none, HS256 with the public key or an empty key, ES512", "[session][alg]")
{
    offline v;
    const auto pem = forge::public_pem(forge::contract_test_key());
    const auto hs = [&](const std::string& header, std::string_view key) {
        return forge::token(header, p1, [&](const std::string& in) { return forge::hmac(key, in); });
    };
    CHECK(v.code(forge::b64url(R"({"alg":"none","typ":"JWT"})") + "." + forge::b64url(p1) + ".") ==
          token_errc::token_malformed); // T9
    CHECK(v.code(forge::b64url(R"({"alg":"none","typ":"JWT"})") + "." + forge::b64url(p1) + ".AAAA") ==
          token_errc::algorithm_not_allowed);
    CHECK(v.code(hs(R"({"alg":"HS256","kid":"wacht-test-key-1","typ":"JWT"})", pem)) ==
          token_errc::algorithm_not_allowed); // T10
    CHECK(v.code(hs(R"({"alg":"HS256","kid":"unknown","typ":"JWT"})", "")) ==
          token_errc::algorithm_not_allowed); // T11
    CHECK(v.code(forge::token(R"({"alg":"ES512"})", p1, [](auto&) { return std::string(132, 'x'); })) ==
          token_errc::algorithm_not_allowed);
    CHECK(v.code(forge::token(R"({"alg":"PS256"})", p1, [](auto&) { return std::string(256, 'x'); })) ==
          token_errc::algorithm_not_allowed);
    CHECK(v.code(forge::token(R"({"typ":"JWT"})", p1, [](auto&) { return std::string(64, 'x'); })) ==
          token_errc::algorithm_not_allowed);
    CHECK(v.code(forge::token(R"({"alg":"es256"})", p1, [](auto&) { return std::string(64, 'x'); })) ==
          token_errc::algorithm_not_allowed);
    // ES256 allowed but only ES384 in the list: refused before any key is looked at.
    offline only384([](auto& o) {
        o.allowed_algorithms = {jws_algorithm::es384};
        o.static_keys.clear();
    });
    CHECK(only384.code(es(p1)) == token_errc::algorithm_not_allowed);
}

TEST_CASE("static HMAC keys enable their one algorithm, compared in constant time", "[session][alg]")
{
    const std::string secret = "template-secret-raw-bytes";
    offline v(
        [&](auto& o) { o.static_keys = {wacht::static_key::hmac_secret(jws_algorithm::hs256, secret)}; });
    const auto hs = [&](const char* header, std::string_view key, const char* md = "SHA256") {
        return forge::token(header, p1, [&](const std::string& in) { return forge::hmac(key, in, md); });
    };
    CHECK(v.verify(hs(R"({"alg":"HS256"})", secret)).has_value());
    CHECK(v.code(hs(R"({"alg":"HS256"})", "other")) == token_errc::signature_invalid);
    CHECK(v.code(hs(R"({"alg":"HS384"})", secret, "SHA384")) == token_errc::algorithm_not_allowed);
    // A static key with a kid serves only tokens naming it (§15.5).
    offline with_kid([&](auto& o) {
        o.static_keys = {wacht::static_key::hmac_secret(jws_algorithm::hs256, secret, "tpl")};
    });
    CHECK(with_kid.verify(hs(R"({"alg":"HS256","kid":"tpl"})", secret)).has_value());
    CHECK(with_kid.code(hs(R"({"alg":"HS256","kid":"other"})", secret)) == token_errc::key_not_found);
    CHECK(with_kid.code(hs(R"({"alg":"HS256"})", secret)) == token_errc::key_not_found);
}

TEST_CASE("RS256/384/512 and ES384 static keys; DER signatures are refused (T13)", "[session][signature]")
{
    const auto rsa = forge::rsa_key(2048);
    offline v([&](auto& o) {
        o.static_keys = {wacht::static_key::public_key_pem(jws_algorithm::rs256, forge::public_pem(rsa)),
                         wacht::static_key::public_key_pem(jws_algorithm::rs512, forge::public_pem(rsa))};
    });
    CHECK(v.verify(forge::rs(R"({"alg":"RS256"})", p1, rsa, "SHA256")).has_value());
    CHECK(v.verify(forge::rs(R"({"alg":"RS512"})", p1, rsa, "SHA512")).has_value());
    CHECK(v.code(forge::rs(R"({"alg":"RS384"})", p1, rsa, "SHA384")) == token_errc::key_not_found);
    CHECK(v.code(forge::rs(R"({"alg":"RS256"})", p1, rsa, "SHA512")) == token_errc::signature_invalid);
    const auto p384 = forge::ec_key("P-384");
    offline v384([&](auto& o) {
        o.static_keys = {wacht::static_key::public_key_pem(jws_algorithm::es384, forge::public_pem(p384))};
    });
    CHECK(v384.verify(forge::es384(R"({"alg":"ES384"})", p1, p384)).has_value());
    offline es256;
    const auto key = forge::contract_test_key();
    const auto der = forge::token(es_header, p1,
                                  [&](const std::string& in) { return forge::sign_der(key, in, "SHA256"); });
    CHECK(es256.code(der) == token_errc::signature_invalid);
    // High-S signatures are accepted (§5.6): S' = n - S verifies too.
    const auto raw_token = es(p1);
    auto sig = forge::from_b64url(raw_token.substr(raw_token.rfind('.') + 1));
    BIGNUM* n = nullptr;
    BN_hex2bn(&n, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data() + 32), 32, nullptr);
    BN_sub(s, n, s);
    sig = sig.substr(0, 32) + forge::bn_bytes(s, 32);
    BN_free(n);
    BN_free(s);
    CHECK(es256.verify(raw_token.substr(0, raw_token.rfind('.') + 1) + forge::b64url(sig)).has_value());
}

TEST_CASE("T3, T7 and exp edges: expiry and not-before at the leeway boundary", "[session][claims]")
{
    offline v;
    const auto t3 = es(replace(p1, "\"exp\":1782736200", "\"exp\":1782734460"));
    v.now = 1782734465;
    CHECK(v.code(t3) == token_errc::token_expired);
    v.now = 1782734464;
    CHECK(v.verify(t3).has_value());
    const auto t7 = es(replace(p1, "\"nbf\":1782734400", "\"nbf\":1782734520"));
    v.now = 1782734460;
    CHECK(v.code(t7) == token_errc::token_not_yet_valid);
    v.now = 1782734514;
    CHECK(v.code(t7) == token_errc::token_not_yet_valid);
    v.now = 1782734515; // 1782734520 <= now + 5
    CHECK(v.verify(t7).has_value());
    v.now = 1782734516;
    CHECK(v.verify(t7).has_value());
    v.now = 1782734460;
    CHECK(v.verify(es(replace(p1, "\"exp\":1782736200", "\"exp\":1782734455.5"))).has_value());
    CHECK(v.code(es(replace(p1, "\"exp\":1782736200", "\"exp\":1782734455.0"))) == token_errc::token_expired);
    CHECK(v.code(es(replace(p1, "\"exp\":1782736200", "\"exp\":0"))) == token_errc::token_expired);
    CHECK(v.code(es(replace(p1, "\"exp\":1782736200", "\"exp\":\"1782736200\""))) ==
          token_errc::claims_invalid);                                                       // T15
    CHECK(v.code(es(replace(p1, ",\"exp\":1782736200", ""))) == token_errc::claims_invalid); // T16
    CHECK(v.code(es(replace(p1, "\"exp\":1782736200", "\"exp\":null"))) == token_errc::claims_invalid);
    CHECK(v.code(es(replace(p1, "\"nbf\":1782734400", "\"nbf\":\"0\""))) == token_errc::claims_invalid);
    CHECK(v.code(es(replace(p1, "\"iat\":1782734400", "\"iat\":true"))) == token_errc::claims_invalid);
    CHECK(v.verify(es(replace(p1, "\"iat\":1782734400", "\"iat\":1882734400")))
              .has_value()); // a future iat is fine
}

TEST_CASE("T4-T6: issuer, legacy flat claims, transport tokens; ids never through a double",
          "[session][claims]")
{
    offline v;
    CHECK(v.code(es(replace(p1, issuer, "https://other-deploy.fapi.trywacht.xyz"))) ==
          token_errc::issuer_invalid);
    CHECK(v.code(es(replace(p1, issuer, issuer + "/"))) == token_errc::issuer_invalid);
    const std::string t5 =
        R"({"iss":")" + issuer +
        R"(","sub":"1394412856401047552","sess":"1394412856401047553","iat":1782734400,"exp":1782736200,"organization":"1394412856401047600","organization_permissions":["org:read"],"workspace":"1394412856401047700","workspace_permissions":["ws:read","ws:write"]})";
    const auto r5 = v.verify(es(t5));
    REQUIRE(r5.has_value());
    CHECK(r5->session_id == "1394412856401047553");
    CHECK(r5->organization_permissions == std::vector<std::string>{"org:read"});
    CHECK(r5->workspace_permissions == std::vector<std::string>{"ws:read", "ws:write"});
    const std::string t6 =
        R"({"iss":")" + issuer +
        R"(","exp":1782820800,"iat":1782734400,"nbf":1782734400,"sess":1394412856401047553,"rotating_token":"1394412856401047999"})";
    CHECK(v.code(es(t6)) == token_errc::not_a_session_token);
    // Numeric ids from their raw text: 19 digits exactly, 2^64-1 too; fractions and exponents are not ids.
    const auto numeric =
        v.verify(es(replace(replace(p1, "\"sub\":\"1394412856401047552\"", "\"sub\":1394412856401047553"),
                            "\"sid\":\"1394412856401047553\"", "\"sid\":18446744073709551615")));
    REQUIRE(numeric.has_value());
    CHECK(numeric->user_id == "1394412856401047553");
    CHECK(numeric->session_id == "18446744073709551615");
    CHECK(v.code(es(replace(p1, "\"sub\":\"1394412856401047552\"", "\"sub\":1.394412856401047552e18"))) ==
          token_errc::not_a_session_token);
    CHECK(v.code(es(replace(p1, "\"sub\":\"1394412856401047552\"", "\"sub\":\"\""))) ==
          token_errc::not_a_session_token);
    CHECK(v.code(es(replace(p1, "\"sub\":\"1394412856401047552\"", "\"sub\":-5"))) ==
          token_errc::not_a_session_token);
    const auto odd =
        v.verify(es(replace(replace(p1, "\"organization\":\"1394412856401047600\"", "\"organization\":1.5"),
                            "\"sid\":\"1394412856401047553\"", "\"sid\":{},\"sess\":77")));
    REQUIRE(odd.has_value());
    CHECK_FALSE(odd->organization_id);
    CHECK(odd->session_id == "77"); // a malformed sid falls back to sess (§15.12)
    const auto perms =
        v.verify(es(replace(p1, "\"workspace\":[\"ws:read\"]", "\"workspace\":[\"a\",1,null,\"b\"]")));
    REQUIRE(perms.has_value());
    CHECK(perms->workspace_permissions == std::vector<std::string>{"a", "b"});
}

TEST_CASE("audience and require_sid", "[session][claims]")
{
    offline aud([](auto& o) { o.audience = "api"; });
    CHECK(aud.code(es(p1)) == token_errc::audience_invalid);
    CHECK(aud.verify(es(replace(p1, "\"iat\"", "\"aud\":\"api\",\"iat\""))).has_value());
    CHECK(aud.verify(es(replace(p1, "\"iat\"", "\"aud\":[\"x\",\"api\"],\"iat\""))).has_value());
    CHECK(aud.code(es(replace(p1, "\"iat\"", "\"aud\":[\"x\"],\"iat\""))) == token_errc::audience_invalid);
    offline sid([](auto& o) { o.require_sid = true; });
    CHECK(sid.verify(es(p1)).has_value());
    CHECK(sid.code(es(replace(p1, "\"sid\":\"1394412856401047553\",", ""))) == token_errc::claims_invalid);
}

TEST_CASE("§5.3/§15.3-15.4: malformed structure, base64url and JSON; T14 crit", "[session][malformed]")
{
    offline v;
    const auto good = es(p1);
    const auto h = good.substr(0, good.find('.'));
    const auto p = good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1);
    const auto s = good.substr(good.rfind('.') + 1);
    for (const std::string& bad :
         {std::string(), std::string("a.b"), h + "." + p, h + "." + p + "." + s + ".x", "." + p + "." + s,
          h + ".." + s, h + "." + p + ".", h + "=." + p + "." + s, h + "." + p + "." + s + "=",
          h + " ." + p + "." + s, h + "." + p + "+" + "." + s,
          h + "." + p + "." + s.substr(0, s.size() - 1) + "B" /* trailing bits */,
          h + "." + p + "." + s + "AAA" /* length % 4 == 1 */}) {
        INFO(bad);
        CHECK(v.code(bad) == token_errc::token_malformed);
    }
    CHECK(v.code(std::string(16 * 1024 + 1, 'a')) == token_errc::token_malformed);
    const auto malformed_payload = [&](const std::string& json) {
        return forge::token(es_header, json, [&](const std::string& in) {
            return forge::der_to_raw(forge::sign_der(forge::contract_test_key(), in, "SHA256"), 32);
        });
    };
    CHECK(v.code(malformed_payload(p1 + " x")) == token_errc::token_malformed);
    CHECK(v.code(malformed_payload("[1,2]")) == token_errc::token_malformed);
    CHECK(v.code(malformed_payload(replace(p1, "{\"iss\"", "{\"sub\":\"1\",\"iss\""))) ==
          token_errc::token_malformed); // duplicate
    CHECK(v.code(malformed_payload(replace(p1, "{\"iss\"", "{\"\\u0073ub\":\"1\",\"iss\""))) ==
          token_errc::token_malformed);
    CHECK(v.code(malformed_payload("\xef\xbb\xbf" + p1)) == token_errc::token_malformed); // BOM
    CHECK(v.code(malformed_payload(replace(p1, "\"ws:read\"", "\"\xff\""))) ==
          token_errc::token_malformed); // bad UTF-8
    CHECK(v.code(malformed_payload(replace(p1, "\"ws:read\"", "\"\\ud800\""))) ==
          token_errc::token_malformed); // lone surrogate
    CHECK(v.code(malformed_payload(replace(p1, "\"iat\":1782734400", "\"iat\":1e999"))) ==
          token_errc::token_malformed); // out of range
    // Nested duplicates are not checked; 64 levels parse, 65 do not.
    CHECK(v.verify(es(replace(p1, "\"iat\"", "\"x\":{\"a\":1,\"a\":2},\"iat\""))).has_value());
    const auto nest = [](int depth) {
        return std::string(static_cast<std::size_t>(depth - 1), '[') +
               std::string(static_cast<std::size_t>(depth - 1), ']');
    };
    CHECK(v.verify(es(replace(p1, "\"iat\"", "\"x\":" + nest(64) + ",\"iat\""))).has_value());
    CHECK(v.code(malformed_payload(replace(p1, "\"iat\"", "\"x\":" + nest(65) + ",\"iat\""))) ==
          token_errc::token_malformed);
    // Header: duplicate alg, non-string kid, crit (T14), non-object.
    CHECK(v.code(es(p1, R"({"alg":"ES256","alg":"ES256"})")) == token_errc::token_malformed);
    CHECK(v.code(es(p1, R"({"alg":"ES256","kid":7})")) == token_errc::token_malformed);
    CHECK(v.code(es(p1, R"({"alg":"ES256","kid":null})")) == token_errc::token_malformed);
    CHECK(v.code(es(p1, R"({"alg":"ES256","kid":"wacht-test-key-1","typ":"JWT","crit":["exp"]})")) ==
          token_errc::unsupported_critical_header);
    CHECK(v.code(es(p1, R"("ES256")")) == token_errc::token_malformed);
    // A signature of the wrong length for ES256.
    CHECK(v.code(forge::token(es_header, p1, [](auto&) { return std::string(63, 'x'); })) ==
          token_errc::signature_invalid);
    // T8: T1's header and signature over a changed payload.
    const auto t8 =
        h + "." + forge::b64url(replace(p1, "1394412856401047552", "1394412856401047999")) + "." + s;
    CHECK(v.code(t8) == token_errc::signature_invalid);
}

TEST_CASE("§7.3 authorization helpers: scoped, AND/OR explicit, empty names invalid", "[session][authz]")
{
    wacht::verified_session s;
    s.user_id = "1";
    s.organization_id = "1394412856401047600";
    s.workspace_id = "1394412856401047700";
    s.organization_permissions = {"org:read", "org:manage_members"};
    s.workspace_permissions = {"ws:read"};
    using wacht::permission_scope;
    CHECK(s.has_permission(permission_scope::organization, "org:read"));
    CHECK_FALSE(s.has_permission(permission_scope::organization, "ws:read")); // scopes never merged
    CHECK_FALSE(s.has_permission(permission_scope::workspace, "org:read"));
    CHECK(s.has_permission(permission_scope::either, "ws:read"));
    CHECK(s.has_all(permission_scope::organization, {"org:read", "org:manage_members"}));
    CHECK_FALSE(s.has_all(permission_scope::organization, {"org:read", "org:delete"}));
    CHECK(s.has_any(permission_scope::organization, {"org:delete", "org:read"}));
    CHECK_FALSE(s.has_any(permission_scope::workspace, {"org:delete", "org:read"}));
    CHECK_THROWS_AS(s.has_permission(permission_scope::organization, ""), std::invalid_argument);
    CHECK_THROWS_AS(s.has_all(permission_scope::organization, std::initializer_list<std::string_view>{}),
                    std::invalid_argument);
    CHECK_THROWS_AS(s.has_any(permission_scope::organization, {"org:read", ""}), std::invalid_argument);

    wacht::access_requirement need;
    need.all_of = {"org:read"};
    need.organization_id = "1394412856401047600";
    CHECK_FALSE(wacht::require(&s, need));
    const auto none = wacht::require(nullptr, need);
    REQUIRE(none);
    CHECK(none->code == token_errc::unauthenticated);
    CHECK(wacht::recommended_status(none->code) == 401);
    need.organization_id = "1394412856401047601";
    auto denied = wacht::require(&s, need);
    REQUIRE(denied);
    CHECK(denied->code == token_errc::forbidden);
    CHECK(wacht::recommended_status(denied->code) == 403);
    need.organization_id.reset();
    need.scope = permission_scope::workspace;
    CHECK(wacht::require(&s, need)); // org:read is not a workspace permission
    need.all_of.clear();
    need.any_of = {"x", "ws:read"};
    CHECK_FALSE(wacht::require(&s, need));
    need.workspace_id = "";
    CHECK_THROWS_AS(wacht::require(&s, need), std::invalid_argument);
    need.workspace_id.reset();
    need.any_of = {""};
    CHECK_THROWS_AS(wacht::require(&s, need), std::invalid_argument);
    CHECK(wacht::www_authenticate(token_errc::token_expired).find("invalid_token") != std::string_view::npos);
    CHECK(wacht::www_authenticate(token_errc::unauthenticated) == "Bearer");
    CHECK(wacht::recommended_status(token_errc::jwks_unavailable) == 503);
}
