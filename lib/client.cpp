// SPDX-License-Identifier: BSL-1.0
// Client construction: option validation, base URL parsing, environment.
#include "auth/jose.hpp"
#include "detail/call_control.hpp"
#include "detail/client_impl.hpp"
#include "detail/encoding.hpp"

#include <wacht/client.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

namespace wacht {
namespace detail {
namespace {

[[noreturn]] void invalid(std::string what)
{
    throw api_error(wacht::error{errc::invalid_argument, {.detail = std::move(what)}});
}

// Both the user's observer and the text logger, each event to each in turn.
class observer_pair final : public observer
{
public:
    observer_pair(std::shared_ptr<observer> first, std::shared_ptr<observer> second)
        : first_(std::move(first)), second_(std::move(second))
    {}
    void on_call_started(const call_started_event& e) override { both(&observer::on_call_started, e); }
    void on_attempt_started(const attempt_started_event& e) override
    {
        both(&observer::on_attempt_started, e);
    }
    void on_attempt_finished(const attempt_finished_event& e) override
    {
        both(&observer::on_attempt_finished, e);
    }
    void on_retry_scheduled(const retry_scheduled_event& e) override
    {
        both(&observer::on_retry_scheduled, e);
    }
    void on_call_finished(const call_finished_event& e) override { both(&observer::on_call_finished, e); }

private:
    template <class Event>
    void both(void (observer::*on)(const Event&), const Event& e)
    {
        try {
            ((*first_).*on)(e);
        } catch (...) { // one observer's failure does not keep the event from the other
        }
        ((*second_).*on)(e);
    }

    std::shared_ptr<observer> first_;
    std::shared_ptr<observer> second_;
};

// Where a client's events go: the observer, the text logger, both, or nowhere (null).
std::shared_ptr<observer> events_of(const client_options& options)
{
    auto log = options.logger ? make_log_observer(options.logger) : nullptr;
    if (options.observer && log)
        return std::make_shared<observer_pair>(options.observer, std::move(log));
    return options.observer ? options.observer : log;
}

} // namespace

origin parse_origin(const client_options& options)
{
    // Boost.URL parses (RFC 3986); what it accepts is then narrowed to an origin and a path prefix,
    // and every case that would be sent other than as written is refused (see client_options::base_url).
    const auto parsed = boost::urls::parse_absolute_uri(options.base_url);
    if (!parsed)
        invalid("base_url is not a valid absolute URL (RFC 3986): " + parsed.error().message());
    const auto& url = *parsed;
    origin o;
    if (url.scheme_id() == boost::urls::scheme::https) {
        o.port = "443";
    } else if (url.scheme_id() == boost::urls::scheme::http) {
        o.tls = false;
        o.port = "80";
    } else {
        invalid("base_url must start with https:// or http://");
    }
    if (!url.has_authority() || url.has_userinfo() || url.has_query() || url.has_fragment())
        invalid("base_url must be scheme://host[:port][/path] without query, fragment or credentials");
    switch (url.host_type()) {
    case boost::urls::host_type::ipv4:
        o.host = url.host_ipv4_address().to_string();
        break;
    case boost::urls::host_type::ipv6:
        o.host = url.host_ipv6_address().to_string();
        break;
    case boost::urls::host_type::name:
        // A name goes to DNS, SNI and certificate checks as written: no percent-escapes in it.
        if (url.encoded_host().find('%') != std::string_view::npos)
            invalid("base_url's host must not contain percent-escapes");
        o.host = url.encoded_host();
        for (auto& c : o.host) // host names are case-insensitive; one spelling per origin
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
        break;
    default:
        invalid("base_url has an unsupported host");
    }
    if (o.host.empty())
        invalid("base_url has no host");
    if (url.has_port()) {
        if (url.port().empty())
            invalid("base_url has an empty port (leave out the ':' for the scheme's default)");
        if (url.port_number() == 0 || url.port().size() > 5 || std::stoul(std::string(url.port())) > 65535)
            invalid("base_url has an invalid port");
        o.port = std::to_string(url.port_number());
    }
    // The path prefix is sent in front of every target as written, so it must be plain: no "." or
    // ".." segment (not even escaped), no empty segment; a trailing '/' is dropped.
    std::string_view path = url.encoded_path();
    while (path.ends_with('/'))
        path.remove_suffix(1);
    // Split here rather than with url.segments(), which hides a leading "." segment.
    for (std::string_view rest = path; !rest.empty();) {
        rest.remove_prefix(1); // the '/' before each segment
        const auto segment = rest.substr(0, rest.find('/'));
        rest.remove_prefix(segment.size());
        const auto decoded = boost::urls::make_pct_string_view(segment);
        if (!decoded || decoded->empty() || decoded->decoded_size() == 0 || decoded->decode() == "." ||
            decoded->decode() == "..")
            invalid("base_url's path must not contain empty, '.' or '..' segments");
    }
    o.path_prefix = std::string(path);
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(o.host, ec);
    o.host_is_ip = !ec;
    const bool default_port = (o.tls && o.port == "443") || (!o.tls && o.port == "80");
    o.host_header = (o.host_is_ip && address.is_v6()) ? "[" + o.host + "]" : o.host;
    if (!default_port)
        o.host_header += ":" + o.port;
    return o;
}

proxy_route parse_proxy(const client_options& options)
{
    proxy_route route;
    if (options.proxy.url.empty())
        return route;
    // The URL may hold credentials: no message below quotes it.
    const auto parsed = boost::urls::parse_absolute_uri(options.proxy.url);
    if (!parsed)
        invalid("proxy.url is not a valid absolute URL (RFC 3986): " + parsed.error().message());
    const auto& url = *parsed;
    if (url.scheme_id() != boost::urls::scheme::http)
        invalid("proxy.url must start with http:// (the tunnel carries TLS to the API)");
    if (!url.has_authority() || url.has_query() || url.has_fragment() ||
        (!url.encoded_path().empty() && url.encoded_path() != "/"))
        invalid("proxy.url must be http://[user:password@]host[:port] without path, query or fragment");
    switch (url.host_type()) {
    case boost::urls::host_type::ipv4:
        route.host = url.host_ipv4_address().to_string();
        route.host_is_ip = true;
        break;
    case boost::urls::host_type::ipv6:
        route.host = url.host_ipv6_address().to_string();
        route.host_is_ip = true;
        break;
    case boost::urls::host_type::name:
        if (url.encoded_host().find('%') != std::string_view::npos)
            invalid("proxy.url's host must not contain percent-escapes");
        route.host = url.encoded_host();
        break;
    default:
        invalid("proxy.url has an unsupported host");
    }
    if (route.host.empty())
        invalid("proxy.url has no host");
    route.port = "80";
    if (url.has_port()) {
        if (url.port().empty() || url.port_number() == 0 || url.port().size() > 5 ||
            std::stoul(std::string(url.port())) > 65535)
            invalid("proxy.url has an invalid port");
        route.port = std::to_string(url.port_number());
    }
    route.display = (url.host_type() == boost::urls::host_type::ipv6 ? "[" + route.host + "]" : route.host) +
                    ":" + route.port;
    if (url.has_userinfo()) {
        const std::string credentials = std::string(url.user()) + ":" + std::string(url.password());
        if (has_control_char(credentials))
            invalid("proxy.url's credentials must not contain control characters");
        std::string encoded((credentials.size() + 2) / 3 * 4, '\0');
        encoded.resize(base64_encode(
            std::span(reinterpret_cast<const unsigned char*>(credentials.data()), credentials.size()),
            encoded.data()));
        route.authorization = "Basic " + encoded;
    }
    return route;
}

client_impl::client_impl(boost::asio::any_io_executor ex, client_options opts)
    : executor(std::move(ex)), options(std::move(opts))
{
    // The key is never echoed, not even in part.
    if (options.api_key.empty())
        invalid("api_key is required (set client_options::api_key or WACHT_API_KEY)");
    if (has_control_char(options.api_key) || options.api_key.find(' ') != std::string::npos)
        invalid("api_key must not contain spaces or control characters");
    if (has_control_char(options.user_agent_extra))
        invalid("user_agent_extra must not contain control characters");
    if (options.pool.max_connections == 0)
        invalid("pool.max_connections must be at least 1");
    if (options.retry.max_attempts == 0)
        invalid("retry.max_attempts must be at least 1");
    // Durations that cannot mean anything: a phase or a call that may not take any time.
    const auto& t = options.timeouts;
    for (const auto& [name, value] :
         {std::pair{"timeouts.resolve", t.resolve}, std::pair{"timeouts.connect", t.connect},
          std::pair{"timeouts.tls_handshake", t.tls_handshake}, std::pair{"timeouts.write", t.write},
          std::pair{"timeouts.read", t.read}, std::pair{"timeouts.call_deadline", t.call_deadline}})
        if (value.count() <= 0)
            invalid(std::string(name) + " must be positive");
    if (options.pool.idle_timeout.count() < 0)
        invalid("pool.idle_timeout must not be negative");
    if (options.retry.initial_backoff.count() < 0 || options.retry.max_backoff.count() < 0)
        invalid("retry backoffs must not be negative");
    if (!(options.retry.budget_tokens >= 0) || !(options.retry.budget_refill_per_success >= 0))
        invalid("retry budget figures must not be negative");
    for (const auto& [name, value] : options.default_headers)
        if (auto why = check_header(name, value); !why.empty())
            invalid("default_headers: " + why);
    budget_tokens_ = options.retry.budget_tokens;
    origin = parse_origin(options);
    proxy = parse_proxy(options);
    headers.defaults = header_lines(options.default_headers);
    events = events_of(options);
    headers.authorization = "Bearer " + options.api_key;
    headers.user_agent = std::string("wacht-cpp/") + wacht::version;
    if (!options.user_agent_extra.empty())
        headers.user_agent += " " + options.user_agent_extra;
    transport = make_transport(*this);
}

client_impl::client_impl(boost::asio::any_io_executor ex, client_options opts, anonymous_t)
    : executor(std::move(ex)), options(std::move(opts))
{
    options.api_key.clear();
    origin = parse_origin(options);
    proxy = parse_proxy(options);
    headers.user_agent = std::string("wacht-cpp/") + wacht::version;
    transport = make_transport(*this);
}

client_impl::~client_impl() = default;

bool client_impl::take_retry_token()
{
    std::lock_guard lock(budget_mutex_);
    if (budget_tokens_ < 1)
        return false;
    budget_tokens_ -= 1;
    return true;
}

double client_impl::retry_budget() const
{
    std::lock_guard lock(budget_mutex_);
    return budget_tokens_;
}

void client_impl::on_success()
{
    // Only the client's own policy sizes the bucket: a call's .retry() chooses attempts and backoff.
    std::lock_guard lock(budget_mutex_);
    budget_tokens_ =
        std::min(options.retry.budget_tokens, budget_tokens_ + options.retry.budget_refill_per_success);
}

} // namespace detail

client_options client_options::from_env()
{
    client_options options;
    if (const char* key = std::getenv("WACHT_API_KEY"))
        options.api_key = key;
    if (const char* url = std::getenv("WACHT_API_URL"); url && *url)
        options.base_url = url;
    if (const char* ca = std::getenv("WACHT_CA_FILE"); ca && *ca)
        options.tls.ca_file = ca;
    return options;
}

client::client(executor_type executor, client_options options)
    : impl_(std::make_shared<detail::client_impl>(std::move(executor), std::move(options)))
{}

client::executor_type client::get_executor() const noexcept
{
    return impl_->executor;
}

pool_statistics client::pool_statistics() const
{
    auto figures = impl_->transport->statistics();
    figures.retry_budget = impl_->retry_budget();
    return figures;
}

} // namespace wacht
