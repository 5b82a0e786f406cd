// SPDX-License-Identifier: BSL-1.0
#include "detail/client_impl.hpp"

#include <wacht/client.hpp>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>

using wacht::detail::parse_origin;

namespace {

wacht::detail::origin origin_of(const std::string& url)
{
    wacht::client_options o;
    o.base_url = url;
    return parse_origin(o);
}

wacht::errc construction_error(wacht::client_options o)
{
    boost::asio::io_context io;
    try {
        wacht::client c(io.get_executor(), std::move(o));
    } catch (const wacht::api_error& e) {
        return static_cast<wacht::errc>(e.code().value());
    }
    FAIL("the client was built");
    return {};
}

} // namespace

TEST_CASE("base URLs parse into an origin")
{
    auto o = origin_of("https://api.wacht.dev");
    CHECK(o.tls);
    CHECK(o.host == "api.wacht.dev");
    CHECK(o.port == "443");
    CHECK(o.host_header == "api.wacht.dev");
    CHECK_FALSE(o.host_is_ip);
    CHECK(o.path_prefix.empty());

    o = origin_of("http://127.0.0.1:3001/");
    CHECK_FALSE(o.tls);
    CHECK(o.host_is_ip);
    CHECK(o.host_header == "127.0.0.1:3001");

    o = origin_of("https://[::1]:8443/prefix/");
    CHECK(o.host == "::1");
    CHECK(o.host_header == "[::1]:8443");
    CHECK(o.path_prefix == "/prefix");
}

TEST_CASE("bad base URLs are rejected")
{
    for (const char* url : {"ftp://x", "api.wacht.dev", "https://", "https://host:0", "https://host:70000",
                            "https://user@host", "https://host/?q", "https://[::1", "https://host:12a"}) {
        INFO(url);
        CHECK_THROWS_AS(origin_of(url), wacht::api_error);
    }
}

TEST_CASE("base URLs - case is normalized - default and explicit ports - escaped paths are kept")
{
    auto o = origin_of("HTTPS://API.Wacht.DEV");
    CHECK(o.tls);
    CHECK(o.host == "api.wacht.dev");
    CHECK(o.host_header == "api.wacht.dev");
    o = origin_of("HtTp://LocalHost:0080/v1");
    CHECK_FALSE(o.tls);
    CHECK(o.host == "localhost");
    CHECK(o.port == "80");
    CHECK(o.host_header == "localhost");
    CHECK(o.path_prefix == "/v1");
    o = origin_of("https://127.0.0.1:443");
    CHECK(o.host_header == "127.0.0.1");
    o = origin_of("https://[0:0:0:0:0:0:0:1]:9/a/b/");
    CHECK(o.host == "::1");
    CHECK(o.host_header == "[::1]:9");
    CHECK(o.path_prefix == "/a/b");
    o = origin_of("https://host/caf%C3%A9");
    CHECK(o.path_prefix == "/caf%C3%A9"); // already escaped: sent as written
}

TEST_CASE("base URLs - what would be sent other than written is refused at construction")
{
    for (const char* url : {
             "https://host\\evil.example/", // a backslash in the host
             "https://ho\\st",              // and alone
             "https://host/%zz",            // a bad escape
             "https://host/a%2",            // a cut escape
             "https://host/a/../b",         // a dot segment
             "https://host/./b",            //
             "https://host/a/%2E%2E/b",     // an escaped dot segment
             "https://host/a//b",           // an empty segment
             "https://user:pass@host",      // credentials
             "https://@host",               // an empty userinfo
             "https://host?",               // an empty query
             "https://host/#frag",          // a fragment
             "http://127.0.0.1:",           // an empty port
             "https://host:65536",          // a port out of range
             "https://host:000000443",      // too many digits
             "https://h\xc3\xa9st/",        // non-ASCII in the host
             "https://host/caf\xc3\xa9",    // non-ASCII in the path
             "https://host/a b",            // a space
             "https://host/a\tb",           // a control character
             "https://ho%41st",             // an escaped host name
             "https://[v1.fe]/",            // an IPvFuture literal
             "HTTPS:/host",                 // no authority
             "wss://host",                  // another scheme
         }) {
        INFO(url);
        CHECK_THROWS_AS(origin_of(url), wacht::api_error);
        wacht::client_options o;
        o.base_url = url;
        o.api_key = "k";
        CHECK(construction_error(o) == wacht::errc::invalid_argument);
    }
}

TEST_CASE("the API key is required and must be a single header-safe token")
{
    wacht::client_options o;
    o.base_url = "http://127.0.0.1:1";
    CHECK(construction_error(o) == wacht::errc::invalid_argument);
    for (const char* key : {"sk_live\r\nX-Injected: 1", "sk\nlive", "sk live", "sk\x7f"}) {
        o.api_key = key;
        CHECK(construction_error(o) == wacht::errc::invalid_argument);
    }
}

TEST_CASE("user_agent_extra cannot inject headers")
{
    wacht::client_options o;
    o.base_url = "http://127.0.0.1:1";
    o.api_key = "k";
    o.user_agent_extra = "app/1.0\r\nX-Injected: yes";
    CHECK(construction_error(o) == wacht::errc::invalid_argument);
}

TEST_CASE("construction errors never contain the API key")
{
    wacht::client_options o;
    o.api_key = "sk_secret_123\r\n";
    try {
        boost::asio::io_context io;
        wacht::client c(io.get_executor(), o);
        FAIL("built");
    } catch (const wacht::api_error& e) {
        CHECK(std::string(e.what()).find("sk_secret_123") == std::string::npos);
        CHECK(e.diagnostics().detail.find("sk_secret_123") == std::string::npos);
    }
}

TEST_CASE("an unreadable CA file is a typed TLS error at construction")
{
    wacht::client_options o;
    o.api_key = "k";
    o.base_url = "https://127.0.0.1:1";
    o.tls.ca_file = "/nonexistent/ca.pem";
    CHECK(construction_error(o) == wacht::errc::tls_handshake_failed);
}

TEST_CASE("from_env reads the three variables")
{
    setenv("WACHT_API_KEY", "env-key", 1);
    setenv("WACHT_API_URL", "https://127.0.0.1:4443", 1);
    setenv("WACHT_CA_FILE", "/tmp/ca.pem", 1);
    const auto o = wacht::client_options::from_env();
    CHECK(o.api_key == "env-key");
    CHECK(o.base_url == "https://127.0.0.1:4443");
    CHECK(o.tls.ca_file == "/tmp/ca.pem");
    unsetenv("WACHT_API_URL");
    unsetenv("WACHT_CA_FILE");
    const auto defaults = wacht::client_options::from_env();
    CHECK(defaults.base_url == "https://api.wacht.dev");
    CHECK(defaults.tls.ca_file.empty());
    unsetenv("WACHT_API_KEY");
}

TEST_CASE("every errc has a message and HTTP statuses map to their codes")
{
    for (int v = static_cast<int>(wacht::errc::invalid_argument);
         v <= static_cast<int>(wacht::errc::proxy_failed); ++v)
        CHECK(wacht::make_error_code(static_cast<wacht::errc>(v)).message() != "unknown wacht error");
    CHECK(wacht::errc_from_http_status(404) == wacht::errc::not_found);
    CHECK(wacht::errc_from_http_status(418) == wacht::errc::client_error);
    CHECK(wacht::errc_from_http_status(502) == wacht::errc::server_error);
    CHECK(std::string(wacht::wacht_category().name()) == "wacht");
}
