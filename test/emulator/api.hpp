// The emulated Wacht backend API: routing, auth, validation and the in-memory store, with no I/O.
// The server feeds it parsed requests; tests may call it directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

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

struct api_options
{
    std::string api_key = "wacht-emulator-key";
    auth_settings auth;
    /// Users created at start-up, with deterministic names, emails and some phones and usernames.
    std::size_t seed_users = 0;
    /// The deployment UI's app_name: the TOTP issuer ("Wacht" when empty).
    std::string app_name;
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

    /// Requests handled so far (all routes, all outcomes).
    std::uint64_t request_count() const;

private:
    struct state;
    std::unique_ptr<state> state_;
};

} // namespace wacht::emulator
