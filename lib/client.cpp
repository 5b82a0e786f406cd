// Client construction: option validation, base URL parsing, environment.
#include "detail/client_impl.hpp"
#include "detail/encoding.hpp"

#include <wacht/client.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cstdlib>

namespace wacht {
namespace detail {
namespace {

[[noreturn]] void invalid(std::string what)
{
    throw api_error(wacht::error{errc::invalid_argument, {.detail = std::move(what)}});
}

} // namespace

origin parse_origin(const client_options& options)
{
    std::string_view url = options.base_url;
    origin o;
    if (url.starts_with("https://")) {
        url.remove_prefix(8);
        o.port = "443";
    } else if (url.starts_with("http://")) {
        o.tls = false;
        url.remove_prefix(7);
        o.port = "80";
    } else {
        invalid("base_url must start with https:// or http://");
    }
    if (has_control_char(url) || url.find_first_of("?#@ ") != std::string_view::npos)
        invalid("base_url must be scheme://host[:port][/path] without query, fragment or credentials");
    const auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
    while (path.ends_with('/'))
        path.remove_suffix(1);
    o.path_prefix = std::string(path);

    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos)
            invalid("base_url has an unterminated IPv6 literal");
        host = authority.substr(1, close - 1);
        const auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                invalid("base_url has text after the IPv6 literal");
            port = rest.substr(1);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty())
        invalid("base_url has no host");
    if (!port.empty()) {
        int value = 0;
        for (char c : port) {
            if (c < '0' || c > '9' || (value = value * 10 + (c - '0')) > 65535)
                invalid("base_url has an invalid port");
        }
        if (value == 0)
            invalid("base_url has an invalid port");
        o.port = std::string(port);
    }
    o.host = std::string(host);
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(o.host, ec);
    o.host_is_ip = !ec;
    const bool default_port = (o.tls && o.port == "443") || (!o.tls && o.port == "80");
    o.host_header = (o.host_is_ip && address.is_v6()) ? "[" + o.host + "]" : o.host;
    if (!default_port)
        o.host_header += ":" + o.port;
    return o;
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
    origin = parse_origin(options);
    headers.authorization = "Bearer " + options.api_key;
    headers.user_agent = std::string("wacht-cpp/") + wacht::version;
    if (!options.user_agent_extra.empty())
        headers.user_agent += " " + options.user_agent_extra;
    transport = make_transport(*this);
}

client_impl::~client_impl() = default;

bool client_impl::take_retry_token(const retry_policy& policy)
{
    std::lock_guard lock(budget_mutex_);
    auto& tokens = budget_tokens_.emplace(budget_tokens_.value_or(policy.budget_tokens));
    if (tokens < 1)
        return false;
    tokens -= 1;
    return true;
}

void client_impl::on_success(const retry_policy& policy)
{
    std::lock_guard lock(budget_mutex_);
    auto& tokens = budget_tokens_.emplace(budget_tokens_.value_or(policy.budget_tokens));
    tokens = std::min(policy.budget_tokens, tokens + policy.budget_refill_per_success);
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

} // namespace wacht
