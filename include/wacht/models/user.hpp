// SPDX-License-Identifier: BSL-1.0
// The user models of the Users API (contract section 3.1 to 3.6) and the paged list wrapper.
// All are plain aggregates; JSON conversion is through Boost.JSON's value_to / value_from.
// Decoding ignores unknown keys; a missing or null nullable key (std::optional) is an empty optional;
// every other key the contract always writes is required: missing (or null), like a key of the wrong
// JSON type, it is a decode error (errc::decode_failed) naming the key.
#pragma once

#include <wacht/export.hpp>
#include <wacht/timestamp.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// A list item (GET /users) or a create response (POST /users). Ids are decimal strings.
struct user
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// First name.
    std::string first_name;
    /// Last name.
    std::string last_name;
    /// The list writes "" for a user without a username; create writes null. Both mean "none".
    std::optional<std::string> username;
    /// "" when unset; always "" in a create response.
    std::string profile_picture_url;
    /// The primary email address, if any.
    std::optional<std::string> primary_email_address;
    /// In the list: country code and number joined; in a create response: the number as sent.
    std::optional<std::string> primary_phone_number;
};

/// An email address of a user.
struct user_email
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// The deployment it belongs to.
    std::string deployment_id;
    /// The user it belongs to.
    std::string user_id;
    /// The address.
    std::string email;
    /// Whether it is the user's primary address.
    bool is_primary = false;
    /// Whether the address is verified.
    bool verified = false;
    /// Never null on the wire: the server substitutes "now" for unverified addresses.
    timestamp verified_at{};
    /// otp, oauth_google, oauth_github, ... kept as text so new strategies decode.
    std::string verification_strategy;
};

/// A phone number of a user. The server sends no is_primary here; see user_details.
struct user_phone
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// The user it belongs to.
    std::string user_id;
    /// The number without the country code.
    std::string phone_number;
    /// Country code, opaque text (e.g. "+1").
    std::string country_code;
    /// Whether the number is verified.
    bool verified = false;
    /// When it was verified.
    timestamp verified_at{};
};

/// A linked OAuth account. access_token and refresh_token are secrets.
struct social_connection
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// The user it belongs to.
    std::string user_id;
    /// The user email address the connection is linked to.
    std::string user_email_address_id;
    /// x_oauth, github_oauth, google_oauth, ... kept as text.
    std::string provider;
    /// The provider account's email address.
    std::string email_address;
    /// OAuth access token: a secret (redacted by operator<<).
    std::string access_token;
    /// OAuth refresh token: a secret (redacted by operator<<).
    std::string refresh_token;
};

/// A segment the user belongs to.
struct segment
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    std::optional<timestamp> created_at;
    /// When it was last changed.
    std::optional<timestamp> updated_at;
    /// The server omits the key when null (and so does encoding).
    std::optional<timestamp> deleted_at;
    /// The deployment it belongs to.
    std::string deployment_id;
    /// Name.
    std::string name;
    /// "user", "organization" or "workspace".
    std::string type;
};

/// GET /users/{id}/details and PATCH /users/{id}.
struct user_details
{
    /// The id (a decimal string).
    std::string id;
    /// When it was created.
    timestamp created_at{};
    /// When it was last changed.
    timestamp updated_at{};
    /// First name.
    std::string first_name;
    /// Last name.
    std::string last_name;
    /// The username, if any.
    std::optional<std::string> username;
    /// "" when unset.
    std::string profile_picture_url;
    /// The schema version of the user record.
    std::string schema_version;
    /// True when the user is disabled (banned).
    bool disabled = false;
    /// "none", "optional" or "enforced".
    std::string second_factor_policy;
    /// The availability text the server stores for the user.
    std::string availability;
    /// Last password reset, if any.
    std::optional<timestamp> last_password_reset_at;
    /// The active organization membership, if any.
    std::optional<std::string> active_organization_membership_id;
    /// The active workspace membership, if any.
    std::optional<std::string> active_workspace_membership_id;
    /// The deployment it belongs to.
    std::string deployment_id;
    /// Metadata readable by the frontend; any JSON value.
    boost::json::value public_metadata;
    /// Metadata for the backend only; any JSON value.
    boost::json::value private_metadata;
    /// The primary email address id, if any.
    std::optional<std::string> primary_email_address_id;
    /// The primary email address, if any.
    std::optional<std::string> primary_email_address;
    /// The primary phone number id, if any.
    std::optional<std::string> primary_phone_number_id;
    /// The bare number, without the country code (unlike the list).
    std::optional<std::string> primary_phone_number;
    /// The user's email addresses.
    std::vector<user_email> email_addresses;
    /// The user's phone numbers.
    std::vector<user_phone> phone_numbers;
    /// The user's linked OAuth accounts (tokens are secrets).
    std::vector<social_connection> social_connections;
    /// The segments the user belongs to.
    std::vector<segment> segments;
    /// Whether the user has a password.
    bool has_password = false;
    /// Whether backup codes exist.
    bool has_backup_codes = false;
};

/// One page of a paged list (users, invitations, waitlist), or a whole unpaged list (the other list
/// endpoints return everything with has_more false). limit and offset are echoed only by the three
/// paged endpoints.
template <class T>
struct page
{
    /// The items, in the order the server returned them.
    std::vector<T> data;
    /// True when more items follow this page.
    bool has_more = false;
    /// The page size the server used (paged endpoints only).
    std::optional<std::int32_t> limit;
    /// The offset the server used (paged endpoints only).
    std::optional<std::int32_t> offset;
};

using user_page = page<user>;
using social_connection_list = page<social_connection>;

// Boost.JSON conversions (defined in the library): value_to throws boost::system::system_error naming
// the field on a type mismatch; value_from never fails. operator<< prints the model as JSON with every
// secret (OAuth tokens, backup codes, TOTP URLs, invitation tokens) replaced by "[redacted]".
#define WACHT_DECLARE_JSON_CONVERSIONS(T)                                                                    \
    WACHT_API void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const T& v);              \
    WACHT_API T tag_invoke(boost::json::value_to_tag<T>, const boost::json::value& jv);                      \
    WACHT_API std::ostream& operator<<(std::ostream& os, const T& v);

WACHT_DECLARE_JSON_CONVERSIONS(user)
WACHT_DECLARE_JSON_CONVERSIONS(user_email)
WACHT_DECLARE_JSON_CONVERSIONS(user_phone)
WACHT_DECLARE_JSON_CONVERSIONS(social_connection)
WACHT_DECLARE_JSON_CONVERSIONS(segment)
WACHT_DECLARE_JSON_CONVERSIONS(user_details)
WACHT_DECLARE_JSON_CONVERSIONS(user_page)
WACHT_DECLARE_JSON_CONVERSIONS(social_connection_list)

} // namespace wacht
