// The state shared by a client and its copies, and the transport interface the pipeline uses.
#pragma once

#include <wacht/error.hpp>
#include <wacht/options.hpp>
#include <wacht/request.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace wacht::detail {

struct slot; // model_decoder.hpp

/// Where requests go, parsed once from client_options::base_url.
struct origin
{
    bool tls = true;
    std::string host; // without brackets for IPv6
    std::string port;
    bool host_is_ip = false;
    std::string host_header; // host[:port], brackets for IPv6
    std::string path_prefix; // "" or "/prefix" (no trailing slash)
};

/// A complete HTTP response, or the transport failure that prevented one.
struct exchange_outcome
{
    // Transport failure (errc value); empty when a response was received.
    std::error_code code;
    std::error_code cause;
    std::string detail;
    // Whether any byte of the request was written, and any byte of a response read: a request that
    // was never sent may be retried whatever its method.
    bool request_sent = false;
    bool response_started = false;
    // The response, when code is empty. A 2xx body that was decoded into a model is not kept: then
    // decode_error says why decoding failed (empty on success) and body_head holds its first bytes.
    int status = 0;
    std::string body;
    std::optional<std::chrono::seconds> retry_after_header;
    std::string decode_error;
    std::string body_head;
};

/// The headers every request carries besides the per-call ones.
struct fixed_headers
{
    std::string authorization; // "Bearer <key>"; never logged
    std::string user_agent;
};

class transport;

class client_impl
{
public:
    client_impl(boost::asio::any_io_executor executor, client_options options);
    ~client_impl();

    void log(log_level level, std::string_view line) const
    {
        if (options.logger)
            options.logger(level, line);
    }

    boost::asio::any_io_executor executor;
    client_options options;
    struct origin origin;
    fixed_headers headers;
    std::unique_ptr<detail::transport> transport;

    /// The retry budget: spends a token if one is left. Thread-safe.
    bool take_retry_token(const retry_policy& policy);
    /// Refills the budget after a success. Thread-safe.
    void on_success(const retry_policy& policy);

private:
    std::mutex budget_mutex_;
    std::optional<double> budget_tokens_; // starts full
};

/// Validates options and parses the base URL; throws api_error(invalid_argument). Never mentions the key.
origin parse_origin(const client_options& options);

/// The transport: connection pool and HTTP exchange. Defined in transport.cpp.
class transport
{
public:
    virtual ~transport() = default;
    /// Sends the request to the origin (its path prefix before spec.target) and reads the response.
    /// A 2xx body is parsed into `model` as it arrives when `model` is not null (nothing else may
    /// touch the model until the call returns); other bodies are kept in the outcome. Thread-safe.
    /// Never throws for network failures.
    virtual boost::asio::awaitable<exchange_outcome> exchange(const request_spec& spec,
                                                              std::string_view request_id,
                                                              std::chrono::steady_clock::time_point deadline,
                                                              const slot* model) = 0;
};

/// The error for a non-2xx response: status, the server's errors[] (when the body has that shape),
/// retry-after from a 429's message or the Retry-After header, and a snippet of any other body.
/// Never throws for any body.
wacht::error http_error(const exchange_outcome& outcome, std::string request_id);

/// Builds the Beast/OpenSSL transport; throws api_error(tls_handshake_failed) when a CA cannot be loaded.
std::unique_ptr<transport> make_transport(const client_impl& impl);

} // namespace wacht::detail
