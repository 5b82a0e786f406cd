// SPDX-License-Identifier: BSL-1.0
// The deployment's auth settings read from JSON (--auth-settings FILE).
#include "wacht/emulator/store.hpp"

#include <boost/json.hpp>

#include <stdexcept>

namespace wacht::emulator {

namespace json = boost::json;

auth_settings auth_settings::from_json(std::string_view text)
{
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object())
        throw std::runtime_error("auth settings must be a JSON object");
    auth_settings s;
    const auto& o = value.get_object();
    const auto field = [&](const char* name, field_setting& out) {
        if (const auto* f = o.if_contains(name); f && f->is_object()) {
            if (const auto* e = f->get_object().if_contains("enabled"); e && e->is_bool())
                out.enabled = e->get_bool();
            if (const auto* r = f->get_object().if_contains("required")) {
                if (r->is_null())
                    out.required.reset();
                else if (r->is_bool())
                    out.required = r->get_bool();
            }
        }
    };
    const auto flag = [&](const char* name, bool& out) {
        if (const auto* v = o.if_contains(name); v && v->is_bool())
            out = v->get_bool();
    };
    const auto size = [&](const char* name, std::size_t& out) {
        if (const auto* v = o.if_contains(name); v && v->is_int64() && v->get_int64() >= 0)
            out = static_cast<std::size_t>(v->get_int64());
    };
    field("first_name", s.first_name);
    field("last_name", s.last_name);
    field("email_address", s.email_address);
    field("phone_number", s.phone_number);
    field("username", s.username);
    size("username_min_length", s.username_min_length);
    size("username_max_length", s.username_max_length);
    flag("password_enabled", s.password_enabled);
    size("password_min_length", s.password_min_length);
    flag("password_requires_lowercase", s.password_requires_lowercase);
    flag("password_requires_uppercase", s.password_requires_uppercase);
    flag("password_requires_number", s.password_requires_number);
    flag("password_requires_special", s.password_requires_special);
    flag("unique_identifiers", s.unique_identifiers);
    return s;
}

} // namespace wacht::emulator
