// SPDX-License-Identifier: BSL-1.0
// Parsing response bodies straight into models, without a JSON DOM: Boost.JSON's basic_parser emits
// events, and each event goes to the member it fills through a small table of functions per member
// type (a slot). Bodies are fed in the chunks the transport reads, so nothing is copied into a body
// string first.
//
// Semantics match the DOM reader in json_fields.hpp: unknown keys are skipped, a null empties an
// optional member, a required key (schema.hpp) that is missing or null where null is no value and a
// value of the wrong JSON type are errors naming the key.
#pragma once

#include "schema.hpp"

#include <wacht/timestamp.hpp>

#include <boost/json/value.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wacht::detail {

struct value_ops;

/// Where the next JSON value goes: a member and the functions that fill it. A null `ops` skips the
/// value (an unknown key). `key` names the member in error messages (static storage).
struct slot
{
    void* target = nullptr;
    const value_ops* ops = nullptr;
    std::string_view key;
    /// An object's member, where a null on a non-nullable member counts as the key being absent.
    /// Elsewhere (the body itself, an array element) a null is accepted only by a nullable type, as
    /// the DOM reader does.
    bool member = false;
    /// A member's index in its model's schema (which bit of frame::seen it sets); -1 elsewhere.
    int field = -1;
};

/// An object or array being filled.
struct frame
{
    void* target = nullptr;
    /// Objects: the slot for a key. `hint` is where the next key is looked for first (keys usually
    /// arrive in the order the schema lists them).
    slot (*member)(void* target, std::string_view key, std::size_t& hint) = nullptr;
    /// Arrays: a slot for a new element.
    slot (*element)(void* target, std::string_view key) = nullptr;
    std::size_t hint = 0;
    std::string_view key;
    /// Objects: the fields that arrived (bit i: schema field i), and the first required key that
    /// has not, or "" (checked when the object closes).
    std::uint64_t seen = 0;
    std::string_view (*missing)(std::uint64_t seen) = nullptr;
};

/// What a member accepts. A function returns false when the JSON value has the wrong type or range.
struct value_ops
{
    const char* expected; // "a string", "an array", ... for error messages
    bool captures_json;   // a boost::json::value member: the whole value is kept as a DOM
    bool nullable;        // std::optional or boost::json::value: null is a value
    bool (*string)(void*, std::string_view);
    bool (*int64)(void*, std::int64_t);
    bool (*uint64)(void*, std::uint64_t);
    bool (*number)(void*, double);
    bool (*boolean)(void*, bool);
    bool (*null)(void*);
    bool (*object)(void*, frame&);
    bool (*array)(void*, frame&);
};

template <class M>
struct codec; // how each member type takes each kind of JSON value; specialised below

template <class M>
constexpr value_ops make_ops();

template <class M>
inline constexpr value_ops ops_of = make_ops<M>();

template <class M>
slot slot_of(M& member, std::string_view key = {})
{
    return {&member, &ops_of<M>, key};
}

// ---- codecs: the default refuses every kind of value ---------------------------------------------------

struct refuse_all
{
    static constexpr bool captures_json = false;
    static constexpr bool nullable = false;
    template <class M>
    static bool string(M&, std::string_view)
    {
        return false;
    }
    template <class M>
    static bool int64(M&, std::int64_t)
    {
        return false;
    }
    template <class M>
    static bool uint64(M&, std::uint64_t)
    {
        return false;
    }
    template <class M>
    static bool number(M&, double)
    {
        return false;
    }
    template <class M>
    static bool boolean(M&, bool)
    {
        return false;
    }
    template <class M>
    static bool null(M&)
    {
        return true;
    } // null leaves a member as it is
    template <class M>
    static bool object(M&, frame&)
    {
        return false;
    }
    template <class M>
    static bool array(M&, frame&)
    {
        return false;
    }
};

template <>
struct codec<std::string> : refuse_all
{
    static constexpr const char* expected = "a string";
    using refuse_all::string;
    static bool string(std::string& m, std::string_view s)
    {
        m.clear();
        m.append(s.data(), s.size()); // append's path is shorter than assign's
        return true;
    }
};

template <>
struct codec<bool> : refuse_all
{
    static constexpr const char* expected = "a boolean";
    using refuse_all::boolean;
    static bool boolean(bool& m, bool b)
    {
        m = b;
        return true;
    }
};

/// Signed integers of any width, range-checked.
template <class I>
requires std::is_integral_v<I> && std::is_signed_v<I>
struct codec<I> : refuse_all
{
    static constexpr const char* expected =
        sizeof(I) == 4 ? "an integer in the 32-bit range" : "an integer in the 64-bit range";
    using refuse_all::int64;
    using refuse_all::uint64;
    static bool int64(I& m, std::int64_t n)
    {
        if (n < std::numeric_limits<I>::min() || n > std::numeric_limits<I>::max())
            return false;
        m = static_cast<I>(n);
        return true;
    }
    static bool uint64(I& m, std::uint64_t n)
    {
        if (n > static_cast<std::uint64_t>(std::numeric_limits<I>::max()))
            return false;
        m = static_cast<I>(n);
        return true;
    }
};

template <>
struct codec<std::uint64_t> : refuse_all
{
    static constexpr const char* expected = "a non-negative integer";
    using refuse_all::int64;
    using refuse_all::uint64;
    static bool int64(std::uint64_t& m, std::int64_t n)
    {
        if (n < 0)
            return false;
        m = static_cast<std::uint64_t>(n);
        return true;
    }
    static bool uint64(std::uint64_t& m, std::uint64_t n)
    {
        m = n;
        return true;
    }
};

template <>
struct codec<timestamp> : refuse_all
{
    static constexpr const char* expected = "an RFC 3339 timestamp";
    using refuse_all::string;
    static bool string(timestamp& m, std::string_view s)
    {
        const auto t = parse_timestamp(s);
        if (t)
            m = *t;
        return t.has_value();
    }
};

/// Metadata: any JSON. Scalars are stored directly; objects and arrays are built by the decoder.
template <>
struct codec<boost::json::value>
{
    static constexpr const char* expected = "JSON";
    static constexpr bool captures_json = true;
    static constexpr bool nullable = true;
    static bool string(boost::json::value& m, std::string_view s)
    {
        m = s;
        return true;
    }
    static bool int64(boost::json::value& m, std::int64_t n)
    {
        m = n;
        return true;
    }
    static bool uint64(boost::json::value& m, std::uint64_t n)
    {
        m = n;
        return true;
    }
    static bool number(boost::json::value& m, double n)
    {
        m = n;
        return true;
    }
    static bool boolean(boost::json::value& m, bool b)
    {
        m = b;
        return true;
    }
    static bool null(boost::json::value& m)
    {
        m = nullptr;
        return true;
    }
    static bool object(boost::json::value&, frame&) { return false; } // not reached: captured
    static bool array(boost::json::value&, frame&) { return false; }
};

/// Nullable members: a value is decoded into a new M, a null empties the optional.
template <class M>
struct codec<std::optional<M>>
{
    static constexpr const char* expected = codec<M>::expected;
    static constexpr bool captures_json = false;
    static constexpr bool nullable = true;
    static bool string(std::optional<M>& m, std::string_view s) { return codec<M>::string(m.emplace(), s); }
    static bool int64(std::optional<M>& m, std::int64_t n) { return codec<M>::int64(m.emplace(), n); }
    static bool uint64(std::optional<M>& m, std::uint64_t n) { return codec<M>::uint64(m.emplace(), n); }
    static bool number(std::optional<M>& m, double n) { return codec<M>::number(m.emplace(), n); }
    static bool boolean(std::optional<M>& m, bool b) { return codec<M>::boolean(m.emplace(), b); }
    static bool null(std::optional<M>& m)
    {
        m.reset();
        return true;
    }
    static bool object(std::optional<M>& m, frame& f) { return codec<M>::object(m.emplace(), f); }
    static bool array(std::optional<M>& m, frame& f) { return codec<M>::array(m.emplace(), f); }
};

template <class M>
struct codec<std::vector<M>> : refuse_all
{
    static constexpr const char* expected = "an array";
    using refuse_all::array;
    static bool array(std::vector<M>& m, frame& f)
    {
        m.clear();
        // Pages hold models by the ten or hundred: skip the first few doublings of the vector.
        if constexpr (has_schema<M>)
            m.reserve(16);
        f.target = &m;
        f.element = [](void* target, std::string_view key) {
            return slot_of(static_cast<std::vector<M>*>(target)->emplace_back(), key);
        };
        return true;
    }
};

/// The slot of each field of a model, in schema order.
template <class T>
struct field_table
{
    struct entry
    {
        std::string_view key;
        bool required;
        slot (*get)(void* model);
    };
    static constexpr auto entries = std::apply(
        [](const auto&... fields) {
            return std::array<entry, sizeof...(fields)>{
                entry{fields.key, fields.required, [](void* model) {
                          using F = std::remove_cvref_t<decltype(fields)>;
                          return slot_of(static_cast<T*>(model)->*F::member);
                      }}...};
        },
        schema<T>::fields);
    static_assert(entries.size() <= 64, "frame::seen has one bit per field");

    static std::string_view missing(std::uint64_t seen)
    {
        for (std::size_t i = 0; i < entries.size(); ++i)
            if (entries[i].required && !(seen >> i & 1))
                return entries[i].key;
        return {};
    }

    static slot find(void* model, std::string_view key, std::size_t& hint)
    {
        constexpr auto n = entries.size();
        for (std::size_t i = 0, j = hint; i < n; ++i, ++j) {
            if (j >= n)
                j = 0;
            if (entries[j].key == key) {
                hint = j + 1;
                auto s = entries[j].get(model);
                s.key = entries[j].key;
                s.member = true;
                s.field = static_cast<int>(j);
                return s;
            }
        }
        return {}; // unknown key: skipped
    }
};

template <has_schema M>
struct codec<M> : refuse_all
{
    static constexpr const char* expected = "an object";
    using refuse_all::object;
    static bool object(M& m, frame& f)
    {
        f.target = &m;
        f.member = &field_table<M>::find;
        f.missing = &field_table<M>::missing;
        return true;
    }
};

template <class M>
constexpr value_ops make_ops()
{
    using C = codec<M>;
    return {C::expected,
            C::captures_json,
            C::nullable,
            [](void* m, std::string_view s) { return C::string(*static_cast<M*>(m), s); },
            [](void* m, std::int64_t n) { return C::int64(*static_cast<M*>(m), n); },
            [](void* m, std::uint64_t n) { return C::uint64(*static_cast<M*>(m), n); },
            [](void* m, double n) { return C::number(*static_cast<M*>(m), n); },
            [](void* m, bool b) { return C::boolean(*static_cast<M*>(m), b); },
            [](void* m) { return C::null(*static_cast<M*>(m)); },
            [](void* m, frame& f) { return C::object(*static_cast<M*>(m), f); },
            [](void* m, frame& f) { return C::array(*static_cast<M*>(m), f); }};
}

/// A streaming JSON parser that fills the model behind a root slot. Reused: begin() starts a new
/// document. Not thread-safe; one body at a time.
class model_parser
{
public:
    model_parser();
    ~model_parser();
    model_parser(const model_parser&) = delete;
    model_parser& operator=(const model_parser&) = delete;

    /// Starts a document that fills `root`.
    void begin(slot root);
    /// Feeds the next bytes; false once the body is known to be bad (error() says why).
    bool write(std::string_view chunk);
    /// Ends the document; false if it is incomplete or bad.
    bool finish();
    /// Why decoding failed ("body is not JSON: ...", "field 'x': expected a string").
    const std::string& error() const;
    /// The first bytes of the body, for diagnostics.
    std::string_view head() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace wacht::detail
