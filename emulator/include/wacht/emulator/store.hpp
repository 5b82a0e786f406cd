// SPDX-License-Identifier: BSL-1.0
// The emulated deployment's settings and the typed records tests seed into its store.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
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

/// The emulator's clock: the system clock plus what advance() added.
using time_point = std::chrono::sys_time<std::chrono::nanoseconds>;

/// Records for the typed seeding API (server::seed_user and the others). Each goes in as the matching
/// /_emulator/ route's JSON body would (docs/emulator.md lists the routes and their fields); empty
/// strings and unset optionals are left out.

/// A user as if it had signed up: its email and phone (when given) verified and primary. None of the
/// checks of POST /users apply.
struct user_seed
{
    std::string first_name, last_name, username;
    std::optional<std::string> email_address;
    /// The national number ("4155550123") and its country code.
    std::optional<std::string> phone_number;
    std::string country_code = "+1";
    std::optional<std::string> password;
    /// JSON text of objects; empty means {}.
    std::string public_metadata_json, private_metadata_json;
    std::optional<time_point> created_at;
};

/// A sign-in (what GET /users/{id}/sessions lists). Default: active, expiring a day after now().
struct session_seed
{
    std::optional<time_point> expires_at, last_active_at;
    std::string ip_address, browser, device, city, region, region_code, country, country_code;
};

struct passkey_seed
{
    std::string name = "Passkey";
    std::int32_t sign_count = 0;
    std::vector<std::string> transports;
    bool backed_up = false;
    std::string device_type;
    std::optional<time_point> last_used_at;
};

struct social_connection_seed
{
    std::string provider = "google_oauth";
    /// One of the user's emails; default its primary one.
    std::optional<std::string> email_address;
    std::string access_token, refresh_token;
};

struct role_seed
{
    std::string name;
    std::vector<std::string> permissions;
    bool is_deployment_level = false;
};

struct organization_seed
{
    std::string name;
    std::string description, image_url;
};

struct organization_membership_seed
{
    organization_seed organization;
    std::vector<role_seed> roles;
};

struct workspace_membership_seed
{
    /// The id of one of the user's organization memberships.
    std::string organization_membership_id;
    organization_seed workspace;
    std::vector<role_seed> roles;
};

/// An invitation, as POST /invitations makes it.
struct invitation_seed
{
    std::string first_name, last_name, email_address;
    std::int64_t expiry_days = 7;
};

struct waitlist_seed
{
    std::string email_address;
    std::optional<std::string> first_name, last_name;
};

/// One entry of the request log.
struct logged_request
{
    std::string method;
    std::string target; // path and query, as received
    int status = 0;
    std::string request_id; // the X-Request-Id header, empty when the request had none
};

} // namespace wacht::emulator
