// SPDX-License-Identifier: BSL-1.0
// Each model's fields, listed once in wire order. The DOM reader and writer (value_to / value_from) and
// the streaming decoder that parses response bodies straight into models are all driven by these
// lists, so that a field is added in one place.
//
// Presence: a field the contract always writes is required. Every member that is not a std::optional
// is required (the contract writes null explicitly for empty optionals, but a missing nullable key is
// read as null); limit and offset are required on the three paged lists only. A body without a
// required key, or with null in a required non-nullable one, is not the model: decode_failed.
#pragma once

#include <wacht/models/invitation.hpp>
#include <wacht/models/membership.hpp>
#include <wacht/models/mfa.hpp>
#include <wacht/models/passkey.hpp>
#include <wacht/models/session.hpp>
#include <wacht/models/user.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace wacht::detail {

template <class>
struct member_traits;
template <class Owner, class Member>
struct member_traits<Member Owner::*>
{
    using owner = Owner;
    using type = Member;
};

template <class>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;

/// One field: its key and the member it maps to. `omit_when_null`: the server leaves the key out
/// instead of writing null, and so does encoding. `required`: a body without the key is refused.
template <auto Member>
struct field
{
    using type = typename member_traits<decltype(Member)>::type;
    static constexpr auto member = Member;
    std::string_view key;
    bool omit_when_null = false;
    bool required = !is_optional<type>;
};

/// schema<T>::fields is a tuple of field<&T::member>. Defined for every model below.
template <class T>
struct schema;

template <class T>
concept has_schema = requires
{
    schema<T>::fields;
};

template <>
struct schema<user>
{
    static constexpr std::tuple fields{
        field<&user::id>{"id"},
        field<&user::created_at>{"created_at"},
        field<&user::updated_at>{"updated_at"},
        field<&user::first_name>{"first_name"},
        field<&user::last_name>{"last_name"},
        field<&user::username>{"username"},
        field<&user::profile_picture_url>{"profile_picture_url"},
        field<&user::primary_email_address>{"primary_email_address"},
        field<&user::primary_phone_number>{"primary_phone_number"},
    };
};

template <>
struct schema<user_email>
{
    static constexpr std::tuple fields{
        field<&user_email::id>{"id"},
        field<&user_email::created_at>{"created_at"},
        field<&user_email::updated_at>{"updated_at"},
        field<&user_email::deployment_id>{"deployment_id"},
        field<&user_email::user_id>{"user_id"},
        field<&user_email::email>{"email"},
        field<&user_email::is_primary>{"is_primary"},
        field<&user_email::verified>{"verified"},
        field<&user_email::verified_at>{"verified_at"},
        field<&user_email::verification_strategy>{"verification_strategy"},
    };
};

template <>
struct schema<user_phone>
{
    static constexpr std::tuple fields{
        field<&user_phone::id>{"id"},
        field<&user_phone::created_at>{"created_at"},
        field<&user_phone::updated_at>{"updated_at"},
        field<&user_phone::user_id>{"user_id"},
        field<&user_phone::phone_number>{"phone_number"},
        field<&user_phone::country_code>{"country_code"},
        field<&user_phone::verified>{"verified"},
        field<&user_phone::verified_at>{"verified_at"},
    };
};

template <>
struct schema<social_connection>
{
    static constexpr std::tuple fields{
        field<&social_connection::id>{"id"},
        field<&social_connection::created_at>{"created_at"},
        field<&social_connection::updated_at>{"updated_at"},
        field<&social_connection::user_id>{"user_id"},
        field<&social_connection::user_email_address_id>{"user_email_address_id"},
        field<&social_connection::provider>{"provider"},
        field<&social_connection::email_address>{"email_address"},
        field<&social_connection::access_token>{"access_token"},
        field<&social_connection::refresh_token>{"refresh_token"},
    };
};

template <>
struct schema<segment>
{
    static constexpr std::tuple fields{
        field<&segment::id>{"id"},
        field<&segment::created_at>{"created_at"},
        field<&segment::updated_at>{"updated_at"},
        field<&segment::deleted_at>{"deleted_at", true},
        field<&segment::deployment_id>{"deployment_id"},
        field<&segment::name>{"name"},
        field<&segment::type>{"type"},
    };
};

template <>
struct schema<user_details>
{
    static constexpr std::tuple fields{
        field<&user_details::id>{"id"},
        field<&user_details::created_at>{"created_at"},
        field<&user_details::updated_at>{"updated_at"},
        field<&user_details::first_name>{"first_name"},
        field<&user_details::last_name>{"last_name"},
        field<&user_details::username>{"username"},
        field<&user_details::profile_picture_url>{"profile_picture_url"},
        field<&user_details::schema_version>{"schema_version"},
        field<&user_details::disabled>{"disabled"},
        field<&user_details::second_factor_policy>{"second_factor_policy"},
        field<&user_details::availability>{"availability"},
        field<&user_details::last_password_reset_at>{"last_password_reset_at"},
        field<&user_details::active_organization_membership_id>{"active_organization_membership_id"},
        field<&user_details::active_workspace_membership_id>{"active_workspace_membership_id"},
        field<&user_details::deployment_id>{"deployment_id"},
        field<&user_details::public_metadata>{"public_metadata"},
        field<&user_details::private_metadata>{"private_metadata"},
        field<&user_details::primary_email_address_id>{"primary_email_address_id"},
        field<&user_details::primary_email_address>{"primary_email_address"},
        field<&user_details::primary_phone_number_id>{"primary_phone_number_id"},
        field<&user_details::primary_phone_number>{"primary_phone_number"},
        field<&user_details::email_addresses>{"email_addresses"},
        field<&user_details::phone_numbers>{"phone_numbers"},
        field<&user_details::social_connections>{"social_connections"},
        field<&user_details::segments>{"segments"},
        field<&user_details::has_password>{"has_password"},
        field<&user_details::has_backup_codes>{"has_backup_codes"},
    };
};

template <>
struct schema<sign_in>
{
    static constexpr std::tuple fields{
        field<&sign_in::id>{"id"},
        field<&sign_in::created_at>{"created_at"},
        field<&sign_in::updated_at>{"updated_at"},
        field<&sign_in::session_id>{"session_id"},
        field<&sign_in::user_id>{"user_id"},
        field<&sign_in::active_organization_membership_id>{"active_organization_membership_id"},
        field<&sign_in::active_workspace_membership_id>{"active_workspace_membership_id"},
        field<&sign_in::expires_at>{"expires_at"},
        field<&sign_in::last_active_at>{"last_active_at"},
        field<&sign_in::ip_address>{"ip_address"},
        field<&sign_in::browser>{"browser"},
        field<&sign_in::device>{"device"},
        field<&sign_in::city>{"city"},
        field<&sign_in::region>{"region"},
        field<&sign_in::region_code>{"region_code"},
        field<&sign_in::country>{"country"},
        field<&sign_in::country_code>{"country_code"},
    };
};

template <>
struct schema<revoke_all_result>
{
    static constexpr std::tuple fields{field<&revoke_all_result::revoked>{"revoked"}};
};

template <>
struct schema<passkey>
{
    static constexpr std::tuple fields{
        field<&passkey::id>{"id"},
        field<&passkey::created_at>{"created_at"},
        field<&passkey::updated_at>{"updated_at"},
        field<&passkey::user_id>{"user_id"},
        field<&passkey::name>{"name"},
        field<&passkey::sign_count>{"sign_count"},
        field<&passkey::transports>{"transports"},
        field<&passkey::last_used_at>{"last_used_at"},
        field<&passkey::backed_up>{"backed_up"},
        field<&passkey::device_type>{"device_type"},
    };
};

template <>
struct schema<authenticator_created>
{
    static constexpr std::tuple fields{
        field<&authenticator_created::id>{"id"},
        field<&authenticator_created::otp_url>{"otp_url"},
    };
};

template <>
struct schema<backup_codes>
{
    static constexpr std::tuple fields{field<&backup_codes::codes>{"backup_codes"}};
};

template <>
struct schema<role>
{
    static constexpr std::tuple fields{
        field<&role::id>{"id"},
        field<&role::created_at>{"created_at"},
        field<&role::updated_at>{"updated_at"},
        field<&role::name>{"name"},
        field<&role::permissions>{"permissions"},
        field<&role::is_deployment_level>{"is_deployment_level"},
    };
};

template <>
struct schema<organization>
{
    static constexpr std::tuple fields{
        field<&organization::id>{"id"},
        field<&organization::created_at>{"created_at"},
        field<&organization::updated_at>{"updated_at"},
        field<&organization::name>{"name"},
        field<&organization::image_url>{"image_url"},
        field<&organization::description>{"description"},
        field<&organization::member_count>{"member_count"},
        field<&organization::public_metadata>{"public_metadata"},
        field<&organization::private_metadata>{"private_metadata"},
    };
};

template <>
struct schema<organization_membership>
{
    static constexpr std::tuple fields{
        field<&organization_membership::id>{"id"},
        field<&organization_membership::created_at>{"created_at"},
        field<&organization_membership::updated_at>{"updated_at"},
        field<&organization_membership::organization_id>{"organization_id"},
        field<&organization_membership::user_id>{"user_id"},
        field<&organization_membership::public_metadata>{"public_metadata"},
        field<&organization_membership::roles>{"roles"},
        field<&organization_membership::organization>{"organization"},
    };
};

template <>
struct schema<workspace_membership>
{
    static constexpr std::tuple fields{
        field<&workspace_membership::id>{"id"},
        field<&workspace_membership::created_at>{"created_at"},
        field<&workspace_membership::updated_at>{"updated_at"},
        field<&workspace_membership::workspace_id>{"workspace_id"},
        field<&workspace_membership::organization_id>{"organization_id"},
        field<&workspace_membership::organization_membership_id>{"organization_membership_id"},
        field<&workspace_membership::user_id>{"user_id"},
        field<&workspace_membership::public_metadata>{"public_metadata"},
        field<&workspace_membership::roles>{"roles"},
        field<&workspace_membership::workspace>{"workspace"},
    };
};

template <>
struct schema<invitation>
{
    static constexpr std::tuple fields{
        field<&invitation::id>{"id"},
        field<&invitation::created_at>{"created_at"},
        field<&invitation::updated_at>{"updated_at"},
        field<&invitation::deployment_id>{"deployment_id"},
        field<&invitation::first_name>{"first_name"},
        field<&invitation::last_name>{"last_name"},
        field<&invitation::email_address>{"email_address"},
        field<&invitation::token>{"token"},
        field<&invitation::expiry>{"expiry"},
    };
};

template <>
struct schema<waitlist_user>
{
    static constexpr std::tuple fields{
        field<&waitlist_user::id>{"id"},
        field<&waitlist_user::created_at>{"created_at"},
        field<&waitlist_user::updated_at>{"updated_at"},
        field<&waitlist_user::deployment_id>{"deployment_id"},
        field<&waitlist_user::email_address>{"email_address"},
        field<&waitlist_user::first_name>{"first_name"},
        field<&waitlist_user::last_name>{"last_name"},
    };
};

/// Whether page<T> is one of the three paged lists (GET /users, /invitations, /waitlist), which
/// always echo limit and offset; the other lists omit both.
template <class T>
inline constexpr bool is_paged_list =
    std::is_same_v<T, user> || std::is_same_v<T, invitation> || std::is_same_v<T, waitlist_user>;

/// Pages and whole lists. A page without limit would end a pager early, so there it is required.
template <class T>
struct schema<page<T>>
{
    static constexpr std::tuple fields{
        field<&page<T>::data>{"data"},
        field<&page<T>::has_more>{"has_more"},
        field<&page<T>::limit>{"limit", true, is_paged_list<T>},
        field<&page<T>::offset>{"offset", true, is_paged_list<T>},
    };
};

/// The message both decoders give for a required key that is absent (or null where null is no value).
inline std::string missing_field_message(std::string_view key)
{
    return "field '" + std::string(key) + "' is missing";
}

/// Calls f(field) for each field of T, in wire order.
template <class T, class F>
constexpr void for_each_field(F&& f)
{
    std::apply([&](const auto&... fields) { (f(fields), ...); }, schema<T>::fields);
}

} // namespace wacht::detail
