// SPDX-License-Identifier: BSL-1.0
// The event handler behind model_parser. The only translation unit that instantiates basic_parser.
#include "detail/model_decoder.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>

namespace wacht::detail {
namespace {

constexpr std::size_t max_frames = 16; // models nest at most 6 deep; deeper JSON is refused
constexpr std::size_t head_size = 256; // bytes kept for diagnostics

enum class mode
{
    fill,    // values go to slots
    skip,    // inside an unknown key's object or array
    capture, // inside a boost::json::value member's object or array
};

struct handler
{
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);

    slot root;
    bool root_taken = false;
    std::array<frame, max_frames> frames;
    std::size_t depth = 0; // frames in use
    slot next;             // the slot chosen by the last key
    mode current = mode::fill;
    std::size_t nested = 0; // objects/arrays open inside a skip or capture
    void* capture_target = nullptr;
    boost::json::value_stack capture;
    std::string text; // a key or string that arrived in parts
    std::string error;

    void start(slot s)
    {
        root = s;
        root_taken = false;
        depth = 0;
        next = {};
        current = mode::fill;
        nested = 0;
        capture_target = nullptr;
        text.clear();
        error.clear();
    }

    // The slot the value that starts now goes to.
    slot take()
    {
        if (depth == 0) {
            if (root_taken)
                return {};
            root_taken = true;
            return root;
        }
        auto& f = frames[depth - 1];
        if (f.element)
            return f.element(f.target, f.key);
        auto s = next;
        next = {};
        return s;
    }

    // Records that a member's key arrived with a value (or, for a null where null is no value, that
    // it counts as absent).
    void arrived(const slot& s, bool present = true)
    {
        if (s.field < 0)
            return;
        auto& seen = frames[depth - 1].seen;
        const auto bit = std::uint64_t(1) << s.field;
        seen = present ? (seen | bit) : (seen & ~bit);
    }

    bool mismatch(const slot& s, boost::system::error_code& ec)
    {
        error = s.key.empty() ? std::string("the body is not ") + s.ops->expected
                              : "field '" + std::string(s.key) + "': expected " + s.ops->expected;
        ec = boost::json::error::syntax; // stops the parser; `error` says why
        return false;
    }

    // A scalar in fill mode.
    template <class Apply>
    bool scalar(boost::system::error_code& ec, Apply apply)
    {
        const auto s = take();
        if (!s.ops)
            return true;
        if (!apply(s))
            return mismatch(s, ec);
        arrived(s);
        return true;
    }

    bool open(bool object, boost::system::error_code& ec)
    {
        if (current != mode::fill) {
            ++nested;
            return true;
        }
        const auto s = take();
        if (!s.ops) {
            current = mode::skip;
            nested = 1;
            return true;
        }
        arrived(s);
        if (s.ops->captures_json) {
            current = mode::capture;
            nested = 1;
            capture_target = s.target;
            capture.reset();
            return true;
        }
        if (depth == max_frames) {
            error = "the body nests deeper than any model";
            ec = boost::json::error::too_deep;
            return false;
        }
        frame f;
        f.key = s.key;
        if (!(object ? s.ops->object(s.target, f) : s.ops->array(s.target, f)))
            return mismatch(s, ec);
        frames[depth++] = f;
        return true;
    }

    bool close(bool object, std::size_t n, boost::system::error_code& ec)
    {
        if (current == mode::fill) {
            const auto& f = frames[depth - 1];
            if (f.missing) {
                if (const auto key = f.missing(f.seen); !key.empty()) {
                    error = missing_field_message(key);
                    ec = boost::json::error::syntax; // stops the parser; `error` says why
                    return false;
                }
            }
            --depth;
            return true;
        }
        if (current == mode::capture) {
            if (object)
                capture.push_object(n);
            else
                capture.push_array(n);
        }
        if (--nested == 0) {
            if (current == mode::capture)
                *static_cast<boost::json::value*>(capture_target) = capture.release();
            current = mode::fill;
        }
        return true;
    }

    // ---- basic_parser events ----
    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_object_begin(boost::system::error_code& ec) { return open(true, ec); }
    bool on_object_end(std::size_t n, boost::system::error_code& ec) { return close(true, n, ec); }
    bool on_array_begin(boost::system::error_code& ec) { return open(false, ec); }
    bool on_array_end(std::size_t n, boost::system::error_code& ec) { return close(false, n, ec); }
    // A key or string that arrives in parts (across chunks): the parts are kept until the last one.
    bool part(std::string_view s)
    {
        if (current == mode::capture)
            capture.push_chars(s);
        else if (current == mode::fill)
            text.append(s);
        return true;
    }
    // The whole key or string, given its last part; call text.clear() once it has been used.
    std::string_view whole(std::string_view last)
    {
        if (text.empty())
            return last;
        text.append(last);
        return text;
    }

    bool on_key_part(std::string_view s, std::size_t, boost::system::error_code&) { return part(s); }
    bool on_key(std::string_view s, std::size_t, boost::system::error_code&)
    {
        if (current == mode::capture) {
            capture.push_key(s);
        } else if (current == mode::fill) {
            auto& f = frames[depth - 1];
            next = f.member(f.target, whole(s), f.hint);
            text.clear();
        }
        return true;
    }
    bool on_string_part(std::string_view s, std::size_t, boost::system::error_code&) { return part(s); }
    bool on_string(std::string_view s, std::size_t, boost::system::error_code& ec)
    {
        if (current == mode::capture) {
            capture.push_string(s);
            return true;
        }
        if (current == mode::skip)
            return true;
        const auto value = whole(s);
        const bool ok = scalar(ec, [&](const slot& sl) { return sl.ops->string(sl.target, value); });
        text.clear();
        return ok;
    }
    bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
    bool on_int64(std::int64_t n, std::string_view, boost::system::error_code& ec)
    {
        if (current == mode::capture)
            capture.push_int64(n);
        else if (current == mode::fill)
            return scalar(ec, [&](const slot& s) { return s.ops->int64(s.target, n); });
        return true;
    }
    bool on_uint64(std::uint64_t n, std::string_view, boost::system::error_code& ec)
    {
        if (current == mode::capture)
            capture.push_uint64(n);
        else if (current == mode::fill)
            return scalar(ec, [&](const slot& s) { return s.ops->uint64(s.target, n); });
        return true;
    }
    bool on_double(double n, std::string_view, boost::system::error_code& ec)
    {
        if (current == mode::capture)
            capture.push_double(n);
        else if (current == mode::fill)
            return scalar(ec, [&](const slot& s) { return s.ops->number(s.target, n); });
        return true;
    }
    bool on_bool(bool b, boost::system::error_code& ec)
    {
        if (current == mode::capture)
            capture.push_bool(b);
        else if (current == mode::fill)
            return scalar(ec, [&](const slot& s) { return s.ops->boolean(s.target, b); });
        return true;
    }
    bool on_null(boost::system::error_code& ec)
    {
        if (current == mode::capture)
            capture.push_null();
        else if (current == mode::fill) {
            const auto s = take();
            if (!s.ops)
                return true;
            if (s.ops->nullable) {
                s.ops->null(s.target);
                arrived(s, s.ops->captures_json); // only JSON members hold null as a value
                return true;
            }
            if (!s.member)
                return mismatch(s, ec);
            arrived(s, false); // a required member: null is as good as absent
        }
        return true;
    }
    bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
    bool on_comment(std::string_view, boost::system::error_code&) { return true; }
};

} // namespace

struct model_parser::impl
{
    boost::json::basic_parser<handler> parser{
        boost::json::parse_options{}}; // as boost::json::parse: depth 32
    std::array<char, head_size> head{};
    std::size_t head_length = 0;
    bool failed = false;

    handler& events() { return parser.handler(); }

    bool fail(const boost::system::error_code& ec)
    {
        failed = true;
        if (events().error.empty())
            events().error = "body is not JSON: " + ec.message();
        return false;
    }
};

model_parser::model_parser() : impl_(std::make_unique<impl>()) {}
model_parser::~model_parser() = default;

void model_parser::begin(slot root)
{
    impl_->parser.reset();
    impl_->events().start(root);
    impl_->head_length = 0;
    impl_->failed = false;
}

bool model_parser::write(std::string_view chunk)
{
    if (impl_->failed)
        return false;
    const auto keep = std::min(chunk.size(), head_size - impl_->head_length);
    std::copy_n(chunk.data(), keep, impl_->head.data() + impl_->head_length);
    impl_->head_length += keep;
    boost::system::error_code ec;
    try {
        const auto used = impl_->parser.write_some(true, chunk.data(), chunk.size(), ec);
        if (!ec && used < chunk.size())
            ec = boost::json::error::extra_data;
    } catch (const std::exception& e) { // allocation failure in a member
        impl_->events().error = e.what();
        ec = boost::json::error::exception;
    }
    return ec ? impl_->fail(ec) : true;
}

bool model_parser::finish()
{
    if (impl_->failed)
        return false;
    boost::system::error_code ec;
    try {
        if (!impl_->parser.done())
            impl_->parser.write_some(false, nullptr, 0, ec);
    } catch (const std::exception& e) {
        impl_->events().error = e.what();
        ec = boost::json::error::exception;
    }
    if (!ec && !impl_->parser.done())
        ec = boost::json::error::incomplete;
    return ec ? impl_->fail(ec) : true;
}

const std::string& model_parser::error() const
{
    return impl_->events().error;
}

std::string_view model_parser::head() const
{
    return {impl_->head.data(), impl_->head_length};
}

} // namespace wacht::detail
