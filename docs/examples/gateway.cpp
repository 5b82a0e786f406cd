// SPDX-License-Identifier: BSL-1.0
// A gateway in front of Wacht: a Beast HTTP server on a two-thread io_context that verifies the session
// token of every request locally (JWKS cached), answers 401/403/503 as the contract recommends, looks
// the caller up with the backend API on the shared connection pool, and receives signed webhooks.
//
//   GET  /me        any verified session: the caller's user details (client.users().details)
//   GET  /admin     also needs the organization permission org:manage_members (else 403)
//   POST /webhooks  Wacht's deliveries, verified over the raw body (200, or 400/401/413)
//
// Environment: WACHT_API_URL, WACHT_API_KEY, WACHT_CA_FILE (the backend API, client_options::from_env),
// WACHT_PUBLISHABLE_KEY (the Frontend API whose tokens it accepts), WACHT_WEBHOOK_SECRET (one or more
// whsec_ secrets separated by spaces, old and new during a rotation), GATEWAY_PORT (default 0: a free
// port) and GATEWAY_MIN_REFRESH_MS (the JWKS cache's unknown-kid refresh interval; default 30000).
// An inbound X-Request-Id is forwarded to the backend API call it causes; every backend call is logged
// from the SDK's events ("backend GET /users/{user_id}/details 200 1.2 ms id=...": route templates,
// never the user's id).
// Prints "gateway listening on http://127.0.0.1:PORT" when ready; stops on SIGINT or SIGTERM.
// docs/examples/gateway_demo.sh runs it against wacht-emulator (`bash .ci/demo all`).
#include <wacht/session_verifier.hpp>
#include <wacht/wacht.hpp>
#include <wacht/webhook_verifier.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// What every connection shares. Each member is safe to use from both threads at once.
struct gateway
{
    wacht::client& client;
    const wacht::session_verifier& sessions;
    const wacht::webhook_verifier& webhooks;
};

void log_line(const std::string& line)
{
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::cout << line << std::endl;
}

// The SDK's events of each backend API call, one line per call. Called on both threads at once:
// log_line serialises the output.
class backend_calls final : public wacht::observer
{
public:
    void on_call_finished(const wacht::call_finished_event& event) override
    {
        std::ostringstream line;
        line << "backend " << event.call.method << ' ' << event.call.route << ' ' << event.http_status << ' '
             << std::chrono::duration<double, std::milli>(event.elapsed).count()
             << " ms id=" << event.call.request_id;
        if (event.code)
            line << " error=" << event.code.message();
        log_line(line.str());
    }
};

response reply(const request& req, http::status status, const boost::json::object& body)
{
    response res{status, req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

// A refused or missing token (§5.9): 401 with WWW-Authenticate, 403, or 503 when the JWKS is out of
// reach (an outage is not the caller's fault, and must not look like a bad token).
response refuse(const request& req, const wacht::token_error& error)
{
    const auto status = static_cast<http::status>(wacht::recommended_status(error.code));
    auto res = reply(req, status, {{"error", wacht::to_string(error.code)}, {"detail", error.detail}});
    if (const auto challenge = wacht::www_authenticate(error.code); !challenge.empty())
        res.set(http::field::www_authenticate, challenge);
    if (error.code == wacht::token_errc::jwks_unavailable)
        log_line("error: session keys unavailable: " + error.message());
    return res;
}

asio::awaitable<response> webhook(const gateway& g, const request& req)
{
    // The raw body exactly as received, and every header: nothing is parsed before the signature.
    const auto verified = g.webhooks.verify_fields(req.body(), req);
    if (!verified) {
        const auto status = static_cast<http::status>(wacht::recommended_status(verified.error().code));
        co_return reply(req, status, {{"error", wacht::to_string(verified.error().code)}});
    }
    const std::string type = verified->envelope ? verified->envelope->type : "(not JSON)";
    log_line("webhook " + type + " " + verified->id);
    co_return reply(req, http::status::ok, {{"received", verified->id}, {"type", type}});
}

asio::awaitable<response> handle(const gateway& g, const request& req)
{
    const std::string_view target(req.target().data(), req.target().size());
    if (target == "/webhooks" && req.method() == http::verb::post)
        co_return co_await webhook(g, req);
    if (target != "/me" && target != "/admin")
        co_return reply(req, http::status::not_found, {{"error", "not_found"}});

    // Every other route needs a verified session.
    const auto header = req[http::field::authorization];
    const auto token = wacht::token_from_authorization(std::string_view(header.data(), header.size()));
    if (!token)
        co_return refuse(req, {wacht::token_errc::unauthenticated, "no bearer token"});
    const wacht::verify_result session = co_await g.sessions.verify_async(*token);
    if (!session)
        co_return refuse(req, session.error());

    if (target == "/admin") {
        wacht::access_requirement needs;
        needs.all_of = {"org:manage_members"};
        if (const auto denied = wacht::require(&session.value(), needs))
            co_return refuse(req, *denied);
        co_return reply(req, http::status::ok, {{"admin", true}, {"user_id", session->user_id}});
    }

    // The backend API, on the client's shared pool: the token says who; the API says the rest.
    auto users = g.client.users();
    try {
        auto details = users.details(session->user_id);
        // The caller's request id travels on to the backend API (and into the SDK's events); one the
        // SDK refuses (not 1-128 visible characters) is answered 400 below, before anything is sent.
        if (const auto inbound = req["X-Request-Id"]; !inbound.empty())
            details.request_id(std::string_view(inbound.data(), inbound.size()));
        const wacht::user_details user = co_await details.send();
        co_return reply(req, http::status::ok,
                        {{"user_id", user.id},
                         {"first_name", user.first_name},
                         {"session_id", session->session_id.value_or("")},
                         {"organization_id", session->organization_id.value_or("")}});
    } catch (const wacht::api_error& e) {
        log_line("backend API: " + std::string(e.what()));
        if (e.code() == wacht::errc::invalid_argument)
            co_return reply(req, http::status::bad_request, {{"error", "invalid_request_id"}});
        if (e.status() == 404) // the token outlives a deleted user until it expires
            co_return reply(req, http::status::not_found, {{"error", "user_not_found"}});
    }
    co_return reply(req, http::status::bad_gateway, {{"error", "backend_unavailable"}});
}

asio::awaitable<void> serve(const gateway& g, tcp::socket socket)
{
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        stream.expires_after(std::chrono::seconds(30));
        http::request_parser<http::string_body> parser;
        parser.body_limit(1024 * 1024);
        auto [read_error, read] = co_await http::async_read(stream, buffer, parser, nothrow);
        if (read_error)
            break;
        const request req = parser.release();
        response res = co_await handle(g, req);
        auto [write_error, written] = co_await http::async_write(stream, res, nothrow);
        if (write_error || !res.keep_alive())
            break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept(const gateway& g, tcp::acceptor& acceptor)
{
    for (;;) {
        auto [error, socket] = co_await acceptor.async_accept(nothrow);
        if (error == asio::error::operation_aborted)
            co_return;
        if (!error)
            asio::co_spawn(acceptor.get_executor(), serve(g, std::move(socket)), asio::detached);
    }
}

std::vector<std::string> webhook_secrets()
{
    const char* text = std::getenv("WACHT_WEBHOOK_SECRET");
    std::istringstream words(text ? text : "");
    std::vector<std::string> secrets;
    for (std::string s; words >> s;)
        secrets.push_back(s);
    return secrets;
}

} // namespace

int main()
{
    try {
        asio::io_context io(2);
        auto client_options = wacht::client_options::from_env();
        client_options.observer = std::make_shared<backend_calls>();
        wacht::client client(io.get_executor(), client_options);

        auto session_options = wacht::session_verifier_options::from_env();
        if (const char* ms = std::getenv("GATEWAY_MIN_REFRESH_MS"))
            session_options.jwks.min_refresh_interval = std::chrono::milliseconds(std::stoll(ms));
        const wacht::session_verifier sessions(io.get_executor(), session_options);
        const wacht::webhook_verifier webhooks(webhook_secrets());
        const gateway g{client, sessions, webhooks};

        const char* port = std::getenv("GATEWAY_PORT");
        tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"),
                                    static_cast<unsigned short>(port ? std::stoul(port) : 0)});
        asio::signal_set stop(io, SIGINT, SIGTERM);
        stop.async_wait([&](const boost::system::error_code&, int) {
            acceptor.close();
            io.stop();
        });

        // Warm the key cache before the first request (a failure is logged; requests retry the fetch).
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                if (const std::string failure = co_await sessions.prefetch(); !failure.empty())
                    log_line("warning: JWKS prefetch failed: " + failure);
            },
            asio::detached);
        asio::co_spawn(io, accept(g, acceptor), asio::detached);
        log_line("gateway listening on http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));

        std::thread second([&io] { io.run(); });
        io.run();
        second.join();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "gateway failed: " << e.what() << '\n';
        return 1;
    }
}
