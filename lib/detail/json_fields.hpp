// SPDX-License-Identifier: BSL-1.0
// The one reader and one writer behind every model conversion.
//
// Reading: unknown keys are ignored; a missing or null optional key leaves the member empty; a
// required key (schema.hpp) that is missing, or null where null is not a value, and a key of the wrong
// JSON type throw boost::system::system_error naming the key.
#pragma once

#include "schema.hpp"

#include <wacht/timestamp.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/system/system_error.hpp>

#include <cstdint>
#include <iosfwd>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wacht::detail {

[[noreturn]] inline void throw_field_error(boost::json::error code, std::string_view key)
{
    throw boost::system::system_error(make_error_code(code), "field '" + std::string(key) + "'");
}

[[noreturn]] inline void throw_missing_field(std::string_view key)
{
    throw boost::system::system_error(make_error_code(boost::json::error::not_found),
                                      missing_field_message(key));
}

class field_reader
{
public:
    explicit field_reader(const boost::json::value& jv)
    {
        if (!jv.is_object())
            throw_field_error(boost::json::error::not_object, "<root>");
        object_ = &jv.get_object();
    }

    void get(std::string_view key, std::string& out) const
    {
        if (const auto* v = find(key))
            out = as_string(*v, key);
    }
    void get(std::string_view key, std::optional<std::string>& out) const
    {
        if (const auto* v = find(key))
            out = as_string(*v, key);
    }
    void get(std::string_view key, bool& out) const
    {
        if (const auto* v = find(key)) {
            if (!v->is_bool())
                throw_field_error(boost::json::error::not_bool, key);
            out = v->get_bool();
        }
    }
    void get(std::string_view key, std::int64_t& out) const
    {
        if (const auto* v = find(key))
            out = as_int(*v, key, std::numeric_limits<std::int64_t>::min(),
                         std::numeric_limits<std::int64_t>::max());
    }
    void get(std::string_view key, std::int32_t& out) const
    {
        if (const auto* v = find(key))
            out = static_cast<std::int32_t>(as_int(*v, key, std::numeric_limits<std::int32_t>::min(),
                                                   std::numeric_limits<std::int32_t>::max()));
    }
    void get(std::string_view key, std::uint64_t& out) const
    {
        const auto* v = find(key);
        if (!v)
            return;
        if (v->is_uint64())
            out = v->get_uint64();
        else if (v->is_int64() && v->get_int64() >= 0)
            out = static_cast<std::uint64_t>(v->get_int64());
        else
            throw_field_error(boost::json::error::not_exact, key);
    }
    void get(std::string_view key, std::optional<bool>& out) const
    {
        bool value = false;
        if (find(key)) {
            get(key, value);
            out = value;
        }
    }
    template <class T>
    void get(std::string_view key, std::optional<std::vector<T>>& out) const
    {
        if (find(key))
            get(key, out.emplace());
    }
    /// A nested model.
    template <has_schema T>
    void get(std::string_view key, T& out) const
    {
        if (const auto* v = find(key))
            out = boost::json::value_to<T>(*v);
    }
    void get(std::string_view key, std::optional<std::int32_t>& out) const
    {
        if (const auto* v = find(key))
            out = static_cast<std::int32_t>(as_int(*v, key, std::numeric_limits<std::int32_t>::min(),
                                                   std::numeric_limits<std::int32_t>::max()));
    }
    void get(std::string_view key, timestamp& out) const
    {
        if (const auto* v = find(key))
            out = as_timestamp(*v, key);
    }
    void get(std::string_view key, std::optional<timestamp>& out) const
    {
        if (const auto* v = find(key))
            out = as_timestamp(*v, key);
    }
    void get(std::string_view key, boost::json::value& out) const
    {
        if (const auto* v = find(key))
            out = *v;
    }
    template <class T>
    void get(std::string_view key, std::vector<T>& out) const
    {
        const auto* v = find(key);
        if (!v)
            return;
        if (!v->is_array())
            throw_field_error(boost::json::error::not_array, key);
        out.clear();
        out.reserve(v->get_array().size());
        for (const auto& item : v->get_array())
            out.push_back(boost::json::value_to<T>(item));
    }

    /// Whether the key is there, and not null unless `null_is_value`.
    bool present(std::string_view key, bool null_is_value) const
    {
        const auto* v = object_->if_contains(key);
        return v && (null_is_value || !v->is_null());
    }

private:
    // nullptr for a missing key or null.
    const boost::json::value* find(std::string_view key) const
    {
        const auto* v = object_->if_contains(key);
        return (v && !v->is_null()) ? v : nullptr;
    }
    static std::string as_string(const boost::json::value& v, std::string_view key)
    {
        if (!v.is_string())
            throw_field_error(boost::json::error::not_string, key);
        return std::string(v.get_string());
    }
    static std::int64_t as_int(const boost::json::value& v, std::string_view key, std::int64_t lo,
                               std::int64_t hi)
    {
        std::int64_t n = 0;
        if (v.is_int64())
            n = v.get_int64();
        else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(hi))
            n = static_cast<std::int64_t>(v.get_uint64());
        else
            throw_field_error(boost::json::error::not_exact, key);
        if (n < lo || n > hi)
            throw_field_error(boost::json::error::not_exact, key);
        return n;
    }
    static timestamp as_timestamp(const boost::json::value& v, std::string_view key)
    {
        if (!v.is_string())
            throw_field_error(boost::json::error::not_string, key);
        auto t = parse_timestamp(v.get_string());
        if (!t)
            throw_field_error(boost::json::error::not_exact, key);
        return *t;
    }

    const boost::json::object* object_ = nullptr;
};

class field_writer
{
public:
    explicit field_writer(boost::json::value& jv) : object_(jv.emplace_object()) {}

    void put(std::string_view key, const std::string& v) { object_[key] = v; }
    void put(std::string_view key, bool v) { object_[key] = v; }
    void put(std::string_view key, std::int64_t v) { object_[key] = v; }
    void put(std::string_view key, std::int32_t v) { object_[key] = v; }
    void put(std::string_view key, std::uint64_t v) { object_[key] = v; }
    void put(std::string_view key, timestamp v) { object_[key] = format_timestamp(v); }
    void put(std::string_view key, const boost::json::value& v) { object_[key] = v; }
    /// null when empty.
    template <class T>
    void put(std::string_view key, const std::optional<T>& v)
    {
        if (v)
            put(key, *v);
        else
            object_[key] = nullptr;
    }
    /// A nested model.
    template <has_schema T>
    void put(std::string_view key, const T& v)
    {
        object_[key] = boost::json::value_from(v);
    }
    template <class T>
    void put(std::string_view key, const std::vector<T>& v)
    {
        object_[key] = boost::json::value_from(v);
    }

private:
    boost::json::object& object_;
};

/// Writes `value` as JSON with the values of secret keys replaced by "[redacted]".
void write_redacted(std::ostream& os, const boost::json::value& value);

/// value_to for every model: each field of its schema read in turn.
template <class T>
T read_model(const boost::json::value& jv)
{
    field_reader r(jv);
    T v;
    for_each_field<T>([&](const auto& f) {
        using M = typename std::remove_cvref_t<decltype(f)>::type;
        if (f.required && !r.present(f.key, std::is_same_v<M, boost::json::value>))
            throw_missing_field(f.key);
        r.get(f.key, v.*f.member);
    });
    return v;
}

/// value_from for every model. A field marked omit_when_null is left out when empty.
template <class T>
void write_model(boost::json::value& jv, const T& v)
{
    field_writer w(jv);
    for_each_field<T>([&](const auto& f) {
        const auto& member = v.*f.member;
        if constexpr (is_optional<std::remove_cvref_t<decltype(member)>>)
            if (f.omit_when_null && !member)
                return;
        w.put(f.key, member);
    });
}

} // namespace wacht::detail
