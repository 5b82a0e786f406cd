// The user models of the Users API (contract section 3.1 to 3.6) and the paged list wrapper.
// All are plain aggregates; JSON conversion is through Boost.JSON's value_to / value_from.
// Decoding ignores unknown keys; a missing or null key leaves the member at its default (an empty
// optional for nullable fields); a key of the wrong JSON type is a decode error.
#pragma once

#include <wacht/timestamp.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace wacht {

/// A list item (GET /users) or a create response (POST /users). Ids are decimal strings.
struct user
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string first_name;
    std::string last_name;
    /// The list writes "" for a user without a username; create writes null. Both mean "none".
    std::optional<std::string> username;
    /// "" when unset; always "" in a create response.
    std::string profile_picture_url;
    std::optional<std::string> primary_email_address;
    /// In the list: country code and number joined; in a create response: the number as sent.
    std::optional<std::string> primary_phone_number;
};

/// An email address of a user.
struct user_email
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string deployment_id;
    std::string user_id;
    std::string email;
    bool is_primary = false;
    bool verified = false;
    /// Never null on the wire: the server substitutes "now" for unverified addresses.
    timestamp verified_at{};
    /// otp, oauth_google, oauth_github, ... kept as text so new strategies decode.
    std::string verification_strategy;
};

/// A phone number of a user. The server sends no is_primary here; see user_details.
struct user_phone
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string user_id;
    std::string phone_number;
    std::string country_code;
    bool verified = false;
    timestamp verified_at{};
};

/// A linked OAuth account. access_token and refresh_token are secrets.
struct social_connection
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string user_id;
    std::string user_email_address_id;
    /// x_oauth, github_oauth, google_oauth, ... kept as text.
    std::string provider;
    std::string email_address;
    std::string access_token;
    std::string refresh_token;
};

/// A segment the user belongs to.
struct segment
{
    std::string id;
    std::optional<timestamp> created_at;
    std::optional<timestamp> updated_at;
    /// The server omits the key when null (and so does encoding).
    std::optional<timestamp> deleted_at;
    std::string deployment_id;
    std::string name;
    /// "user", "organization" or "workspace".
    std::string type;
};

/// GET /users/{id}/details and PATCH /users/{id}.
struct user_details
{
    std::string id;
    timestamp created_at{};
    timestamp updated_at{};
    std::string first_name;
    std::string last_name;
    std::optional<std::string> username;
    std::string profile_picture_url;
    std::string schema_version;
    bool disabled = false;
    /// "none", "optional" or "enforced".
    std::string second_factor_policy;
    std::string availability;
    std::optional<timestamp> last_password_reset_at;
    std::optional<std::string> active_organization_membership_id;
    std::optional<std::string> active_workspace_membership_id;
    std::string deployment_id;
    boost::json::value public_metadata;
    boost::json::value private_metadata;
    std::optional<std::string> primary_email_address_id;
    std::optional<std::string> primary_email_address;
    std::optional<std::string> primary_phone_number_id;
    /// The bare number, without the country code (unlike the list).
    std::optional<std::string> primary_phone_number;
    std::vector<user_email> email_addresses;
    std::vector<user_phone> phone_numbers;
    std::vector<social_connection> social_connections;
    std::vector<segment> segments;
    bool has_password = false;
    bool has_backup_codes = false;
};

/// One page of a paged list (users, invitations, waitlist), or a whole unpaged list (the other list
/// endpoints return everything with has_more false). limit and offset are echoed only by the three
/// paged endpoints.
template <class T>
struct page
{
    std::vector<T> data;
    bool has_more = false;
    std::optional<std::int32_t> limit;
    std::optional<std::int32_t> offset;
};

using user_page = page<user>;
using social_connection_list = page<social_connection>;

// Boost.JSON conversions (defined in the library): value_to throws boost::system::system_error naming
// the field on a type mismatch; value_from never fails. operator<< prints the model as JSON with every
// secret (OAuth tokens, backup codes, TOTP URLs, invitation tokens) replaced by "[redacted]".
#define WACHT_DECLARE_JSON_CONVERSIONS(T)                                                                    \
    void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const T& v);                        \
    T tag_invoke(boost::json::value_to_tag<T>, const boost::json::value& jv);                                \
    std::ostream& operator<<(std::ostream& os, const T& v);

WACHT_DECLARE_JSON_CONVERSIONS(user)
WACHT_DECLARE_JSON_CONVERSIONS(user_email)
WACHT_DECLARE_JSON_CONVERSIONS(user_phone)
WACHT_DECLARE_JSON_CONVERSIONS(social_connection)
WACHT_DECLARE_JSON_CONVERSIONS(segment)
WACHT_DECLARE_JSON_CONVERSIONS(user_details)
WACHT_DECLARE_JSON_CONVERSIONS(user_page)
WACHT_DECLARE_JSON_CONVERSIONS(social_connection_list)

} // namespace wacht
