// SPDX-License-Identifier: BSL-1.0
// docs/gateway.md: the session verifier's configuration, a request handler, authorization and the
// webhook verifier. Each block sits in a function that gives it the names it uses (io, request,
// reply, ...); a block's own #include expands to nothing there, the header being included above.
#include <wacht/session_verifier.hpp>
#include <wacht/webhook_verifier.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <utility>
#include <vector>

namespace {

namespace http = boost::beast::http;

// What a handler answers, in these examples.
struct answer
{
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
};

answer reply(int status, std::vector<std::pair<std::string, std::string>> headers = {})
{
    return {status, std::move(headers)};
}

bool seen_before(const std::string& webhook_id)
{
    return webhook_id.empty();
}
void handle(const std::string& type, const boost::json::value& data)
{
    (void)type, (void)data;
}

// The guide's text, verbatim:
// clang-format off
[[maybe_unused]] void configuration(boost::asio::io_context& io)
{
#include <wacht/session_verifier.hpp>

wacht::session_verifier_options options = wacht::session_verifier_options::from_env(); // WACHT_PUBLISHABLE_KEY
// or: options.publishable_key = "pk_live_...";  or: options.frontend_api_url = "https://frontend.example.com";
wacht::session_verifier verifier(io.get_executor(), options);   // throws api_error(invalid_argument) on bad config
}

[[maybe_unused]] boost::asio::awaitable<answer> verifying(const wacht::session_verifier& verifier,
                                                          const http::request<http::string_body>& request)
{
// In a request handler (a coroutine on the io_context):
auto token = wacht::token_from_authorization(request[http::field::authorization]); // "Bearer" in any case
// opt-in, for browsers of a Next.js app: wacht::token_from_cookie(cookie_header, verifier.frontend().cookie_scope)
if (!token)
    co_return reply(401, {{"WWW-Authenticate", "Bearer"}});    // no token: unauthenticated, not an error
auto result = co_await verifier.verify_async(*token);          // waits for the JWKS only when it must
if (!result) {
    const auto& e = result.error();                             // e.code, e.detail, e.key_id, e.algorithm
    co_return reply(wacht::recommended_status(e.code),          // 401, or 503 for jwks_unavailable
                    {{"WWW-Authenticate", std::string(wacht::www_authenticate(e.code))}});
}
const wacht::verified_session& session = result.value();        // user_id, session_id, organization_id, ...
(void)session;
co_return reply(200);
}

[[maybe_unused]] answer authorization(const wacht::verify_result& result, const wacht::verified_session& session,
                                      const std::string& path_org_id)
{
using wacht::permission_scope;
session.has_permission(permission_scope::organization, "org:read");
session.has_all(permission_scope::workspace, {"ws:read", "ws:write"});   // AND
session.has_any(permission_scope::either, {"billing:read", "ws:admin"});  // OR; "either" must be asked for
wacht::access_requirement need{.scope = permission_scope::organization, .all_of = {"org:manage_members"},
                               .organization_id = path_org_id};
if (auto refused = wacht::require(result ? &result.value() : nullptr, need))
    return reply(wacht::recommended_status(refused->code));              // 401 unauthenticated or 403 forbidden
return reply(200);
}

[[maybe_unused]] answer webhooks(const http::request<http::string_body>& request)
{
#include <wacht/webhook_verifier.hpp>

// Secrets as Wacht shows them; list the old and the new one while you roll out a rotation.
wacht::webhook_verifier hooks({"whsec_...", "whsec_..."});     // decoded once; throws invalid_secret

// In the handler: the raw body bytes exactly as received, before any JSON parsing.
auto result = hooks.verify_fields(request.body(), request);   // any fields container (Beast's http::fields)
// or hooks.verify(body, std::span<const wacht::webhook_header>{...})
if (!result)
    return reply(wacht::recommended_status(result.error().code));   // 400, 401 or 413
if (seen_before(result->id))                                      // webhook-id: dedupe retries
    return reply(200);
handle(result->envelope->type, result->envelope->data);           // envelope parsed when the body is one
return reply(200);
}
// clang-format on

} // namespace
