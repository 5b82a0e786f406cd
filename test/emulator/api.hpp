// The emulated Wacht backend API: routing, auth, validation and the in-memory store, with no I/O.
// The server feeds it parsed requests; tests may call it directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wacht::emulator {

/// A sign-up field's setting in the deployment (DeploymentAuthSettings).
struct field_setting
{
    bool enabled = true;
    /// Empty means null in the deployment row; stage A reads null as true, stage B as false.
    std::optional<bool> required;
};

/// The deployment's auth settings; the defaults are DeploymentAuthSettings::default().
struct auth_settings
{
    field_setting first_name{true, false};
    field_setting last_name{true, false};
    field_setting email_address{true, true};
    field_setting phone_number{true, false};
    field_setting username{true, false};
    std::size_t username_min_length = 3;
    std::size_t username_max_length = 30;
    bool password_enabled = true;
    std::size_t password_min_length = 8;
    bool password_requires_lowercase = true;
    bool password_requires_uppercase = true;
    bool password_requires_number = true;
    bool password_requires_special = true;
    /// The database's unique constraints are unknown (contract section 5): when true, a duplicate email
    /// address or username on create gives 409 "Resource already exists".
    bool unique_identifiers = true;

    /// Reads a JSON object with any of the members above (same names); throws std::runtime_error.
    static auth_settings from_json(std::string_view text);
};

/// A fault to inject (issue 4): what happens instead of the normal answer, for which requests, how
/// often. Faults are checked in the order they were added; the first that fires wins, and the request
/// then never reaches a handler (no side effects), though it counts in request_count().
struct fault
{
    enum class kind
    {
        latency,             // answer normally, `delay` later
        status,              // answer `status` with the normalized error body
        rate_limit,          // 429 "Rate limit exceeded. Retry after {retry_after_seconds} seconds"
        close_before_answer, // close the connection without a byte of response
        close_after_headers, // send the status line and headers, then close
        close_mid_body,      // send the headers and half the body, then close
        malformed_json,      // 200 with a body that is not JSON
        oversized_body,      // 200 with `body_size` bytes of JSON
        stall_headers,       // send nothing for `delay`, then close
    };
    kind type = kind::status;
    /// Which requests: "" matches any method; the path must start with `path_prefix`.
    std::string method;
    std::string path_prefix;
    /// The chance that a matching request gets the fault, and how many times it may fire.
    double probability = 1.0;
    std::uint64_t times = UINT64_MAX;
    int status = 503;
    std::chrono::milliseconds delay{0};
    std::uint32_t retry_after_seconds = 60;
    std::size_t body_size = 16 * 1024 * 1024;

    /// Parses "kind[:key=value,...]" with keys method, path, probability, times, status, delay_ms,
    /// retry_after, body_size; e.g. "status:status=503,probability=0.05,path=/users". Throws
    /// std::runtime_error.
    static fault parse(std::string_view text);
};

struct api_options
{
    std::string api_key = "wacht-emulator-key";
    auth_settings auth;
    /// Users created at start-up, with deterministic names, emails and some phones and usernames.
    std::size_t seed_users = 0;
    /// The deployment UI's app_name: the TOTP issuer ("Wacht" when empty).
    std::string app_name;
    /// Faults active from the start (see api::add_fault).
    std::vector<fault> faults;
};

struct http_request
{
    std::string method; // upper case
    std::string target; // path and query, as received
    std::string authorization;
    std::string content_type;
    std::string user_agent;
    std::string accept;
    std::string request_id; // X-Request-Id
    std::string body;
    /// The body was over the 2 MiB limit and was not read.
    bool body_too_large = false;
};

struct http_response
{
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    /// Close the connection without answering (the real server's handler panicked).
    bool drop_connection = false;
    /// A transport fault for the server to carry out (close_after_headers, close_mid_body,
    /// stall_headers) and a delay before answering; see fault.
    std::optional<fault::kind> transport_fault;
    std::chrono::milliseconds delay{0};
};

/// Thread-safe: handle() may be called from several threads at once.
class api
{
public:
    static constexpr std::size_t body_limit = 2 * 1024 * 1024;

    explicit api(api_options options);
    ~api();

    http_response handle(const http_request& request);

    /// Calls `observer` with every request before it is handled (from the server's threads; it must be
    /// thread-safe). For tests that check what reached the server.
    void set_observer(std::function<void(const http_request&)> observer);

    /// Adds a fault at run time; thread-safe.
    void add_fault(fault f);
    /// Removes every fault; thread-safe.
    void clear_faults();

    /// Requests handled so far (all routes, all outcomes).
    std::uint64_t request_count() const;

private:
    http_response handle_route(const http_request& request);

    struct state;
    std::unique_ptr<state> state_;
};

} // namespace wacht::emulator
