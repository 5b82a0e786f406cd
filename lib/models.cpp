// SPDX-License-Identifier: BSL-1.0
// Boost.JSON conversions of the models: one reader and one writer, driven by each model's schema.
#include "detail/json_fields.hpp"

#include <wacht/models/invitation.hpp>
#include <wacht/models/membership.hpp>
#include <wacht/models/mfa.hpp>
#include <wacht/models/passkey.hpp>
#include <wacht/models/session.hpp>
#include <wacht/models/user.hpp>

#include <boost/json/serialize.hpp>

#include <ostream>

namespace wacht {
namespace detail {

namespace {

// Keys whose values are secrets wherever they appear.
bool is_secret_key(std::string_view key)
{
    return key == "access_token" || key == "refresh_token" || key == "backup_codes" || key == "otp_url" ||
           key == "token" || key == "secret";
}

boost::json::value redacted(const boost::json::value& value)
{
    if (value.is_object()) {
        boost::json::object out;
        for (const auto& [key, item] : value.get_object())
            out[key] = is_secret_key(key) ? boost::json::value("[redacted]") : redacted(item);
        return out;
    }
    if (value.is_array()) {
        boost::json::array out;
        for (const auto& item : value.get_array())
            out.push_back(redacted(item));
        return out;
    }
    return value;
}

} // namespace

void write_redacted(std::ostream& os, const boost::json::value& value)
{
    os << boost::json::serialize(redacted(value));
}

} // namespace detail

// Every model converts through its schema (detail/schema.hpp).
#define WACHT_DEFINE_CONVERSIONS(T)                                                                          \
    void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const T& v)                         \
    {                                                                                                        \
        detail::write_model(jv, v);                                                                          \
    }                                                                                                        \
    T tag_invoke(boost::json::value_to_tag<T>, const boost::json::value& jv)                                 \
    {                                                                                                        \
        return detail::read_model<T>(jv);                                                                    \
    }

WACHT_DEFINE_CONVERSIONS(user)
WACHT_DEFINE_CONVERSIONS(user_email)
WACHT_DEFINE_CONVERSIONS(user_phone)
WACHT_DEFINE_CONVERSIONS(social_connection)
WACHT_DEFINE_CONVERSIONS(segment)
WACHT_DEFINE_CONVERSIONS(user_details)
WACHT_DEFINE_CONVERSIONS(user_page)
WACHT_DEFINE_CONVERSIONS(social_connection_list)
WACHT_DEFINE_CONVERSIONS(sign_in)
WACHT_DEFINE_CONVERSIONS(sign_in_list)
WACHT_DEFINE_CONVERSIONS(revoke_all_result)
WACHT_DEFINE_CONVERSIONS(passkey)
WACHT_DEFINE_CONVERSIONS(passkey_list)
WACHT_DEFINE_CONVERSIONS(authenticator_created)
WACHT_DEFINE_CONVERSIONS(backup_codes)
WACHT_DEFINE_CONVERSIONS(role)
WACHT_DEFINE_CONVERSIONS(organization)
WACHT_DEFINE_CONVERSIONS(organization_membership)
WACHT_DEFINE_CONVERSIONS(workspace_membership)
WACHT_DEFINE_CONVERSIONS(organization_membership_list)
WACHT_DEFINE_CONVERSIONS(workspace_membership_list)
WACHT_DEFINE_CONVERSIONS(invitation)
WACHT_DEFINE_CONVERSIONS(waitlist_user)
WACHT_DEFINE_CONVERSIONS(invitation_page)
WACHT_DEFINE_CONVERSIONS(waitlist_page)

// Every model prints as redacted JSON.
#define WACHT_DEFINE_PRINT(T)                                                                                \
    std::ostream& operator<<(std::ostream& os, const T& v)                                                   \
    {                                                                                                        \
        detail::write_redacted(os, boost::json::value_from(v));                                              \
        return os;                                                                                           \
    }

WACHT_DEFINE_PRINT(user)
WACHT_DEFINE_PRINT(user_email)
WACHT_DEFINE_PRINT(user_phone)
WACHT_DEFINE_PRINT(social_connection)
WACHT_DEFINE_PRINT(segment)
WACHT_DEFINE_PRINT(user_details)
WACHT_DEFINE_PRINT(user_page)
WACHT_DEFINE_PRINT(social_connection_list)
WACHT_DEFINE_PRINT(sign_in)
WACHT_DEFINE_PRINT(sign_in_list)
WACHT_DEFINE_PRINT(revoke_all_result)
WACHT_DEFINE_PRINT(passkey)
WACHT_DEFINE_PRINT(passkey_list)
WACHT_DEFINE_PRINT(authenticator_created)
WACHT_DEFINE_PRINT(backup_codes)
WACHT_DEFINE_PRINT(role)
WACHT_DEFINE_PRINT(organization)
WACHT_DEFINE_PRINT(organization_membership)
WACHT_DEFINE_PRINT(workspace_membership)
WACHT_DEFINE_PRINT(organization_membership_list)
WACHT_DEFINE_PRINT(workspace_membership_list)
WACHT_DEFINE_PRINT(invitation)
WACHT_DEFINE_PRINT(waitlist_user)
WACHT_DEFINE_PRINT(invitation_page)
WACHT_DEFINE_PRINT(waitlist_page)

} // namespace wacht
