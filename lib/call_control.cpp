// SPDX-License-Identifier: BSL-1.0
// Per-call control (.request_id(), .header(), .trace_context()) and default headers: every name and
// value is checked before anything is sent, so that no header can inject a line or reframe the message.
#include "detail/call_control.hpp"

#include <algorithm>
#include <array>
#include <memory>

namespace wacht::detail {
namespace {

constexpr std::size_t max_header_value = 8 * 1024;
constexpr std::size_t max_request_id = 128;

char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool same_name(std::string_view a, std::string_view b)
{
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

// RFC 9110 section 5.6.2: tchar.
bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), is_tchar);
}

// Headers the SDK writes itself, that frame the message, or that have a setter of their own.
constexpr std::array<std::string_view, 18> reserved_names = {
    "authorization",     "host",       "content-length", "content-type",
    "transfer-encoding", "connection", "keep-alive",     "te",
    "trailer",           "upgrade",    "expect",         "proxy-authorization",
    "proxy-connection",  "user-agent", "accept",         "x-request-id",
    "traceparent",       "tracestate"};

bool is_lower_hex(std::string_view text)
{
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zero(std::string_view text)
{
    return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

// W3C Trace Context section 3.2: version "-" trace-id "-" parent-id "-" trace-flags; a later version
// may append "-" and more, which is kept as it is.
std::string check_traceparent(std::string_view value)
{
    constexpr std::size_t v0_size = 55;
    const auto bad = [](std::string_view why) { return "traceparent " + std::string(why); };
    if (value.size() < v0_size || value[2] != '-' || value[35] != '-' || value[52] != '-')
        return bad("must be version-traceid-parentid-flags (00-<32 hex>-<16 hex>-<2 hex>)");
    const auto version = value.substr(0, 2), trace_id = value.substr(3, 32), parent_id = value.substr(36, 16),
               flags = value.substr(53, 2);
    if (!is_lower_hex(version) || !is_lower_hex(trace_id) || !is_lower_hex(parent_id) || !is_lower_hex(flags))
        return bad("must be lower-case hexadecimal");
    if (version == "ff")
        return bad("version ff is invalid");
    if (all_zero(trace_id) || all_zero(parent_id))
        return bad("trace-id and parent-id must not be all zeros");
    if (version == "00" && value.size() != v0_size)
        return bad("of version 00 must be 55 characters");
    if (value.size() > v0_size &&
        (value[v0_size] != '-' ||
         std::any_of(value.begin() + v0_size, value.end(), [](char c) { return c < 0x21 || c > 0x7E; })))
        return bad("has a malformed extension");
    return {};
}

// W3C Trace Context section 3.3: list-members "key=value" separated by commas (optional spaces), at
// most 32, keys lower-case (with an optional tenant "@" system part), values printable ASCII without
// ',' and '='.
std::string check_tracestate(std::string_view value)
{
    const auto bad = [](std::string_view why) { return "tracestate " + std::string(why); };
    if (value.size() > 512)
        return bad("must be at most 512 characters");
    std::size_t members = 0;
    for (std::string_view rest = value; !rest.empty();) {
        auto member = rest.substr(0, rest.find(','));
        rest.remove_prefix(std::min(rest.size(), member.size() + 1));
        while (!member.empty() && (member.front() == ' ' || member.front() == '\t'))
            member.remove_prefix(1);
        while (!member.empty() && (member.back() == ' ' || member.back() == '\t'))
            member.remove_suffix(1);
        if (member.empty())
            continue;
        if (++members > 32)
            return bad("must have at most 32 members");
        const auto equals = member.find('=');
        if (equals == std::string_view::npos || equals == 0 || equals + 1 == member.size())
            return bad("members must be key=value");
        const auto key = member.substr(0, equals), item = member.substr(equals + 1);
        const bool key_ok = key.size() <= 256 &&
                            ((key[0] >= 'a' && key[0] <= 'z') || (key[0] >= '0' && key[0] <= '9')) &&
                            std::all_of(key.begin(), key.end(), [](char c) {
                                return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                                       c == '-' || c == '*' || c == '/' || c == '@';
                            });
        if (!key_ok)
            return bad("has an invalid key");
        const bool value_ok =
            item.size() <= 256 && item.back() != ' ' && std::all_of(item.begin(), item.end(), [](char c) {
                return c >= 0x20 && c <= 0x7E && c != ',' && c != '=';
            });
        if (!value_ok)
            return bad("has an invalid value");
    }
    return {};
}

call_control& writable(call_settings& settings)
{
    // Copied on write: copies of a builder share the control they had when copied.
    auto copy = settings.control ? std::make_shared<call_control>(*settings.control)
                                 : std::make_shared<call_control>();
    auto& control = *copy;
    settings.control = std::move(copy);
    return control;
}

void keep_first(std::string& slot, std::string error)
{
    if (slot.empty())
        slot = std::move(error);
}

} // namespace

std::string check_header(std::string_view name, std::string_view value)
{
    if (!is_token(name))
        return "header name must be a token (RFC 9110: letters, digits and !#$%&'*+-.^_`|~)";
    for (const auto reserved : reserved_names)
        if (same_name(name, reserved))
            return "header " + std::string(name) + " is reserved (the SDK sets it, or it has its own setter)";
    if (value.size() > max_header_value)
        return "header " + std::string(name) + " is longer than 8 KiB";
    // Field values: visible ASCII, obs-text, and inner spaces or tabs; never CR, LF, NUL or another
    // control character, which would end the line or confuse a parser.
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7F)
            return "header " + std::string(name) + " has a control character (CR, LF, NUL...) in its value";
    }
    if (!value.empty() &&
        (value.front() == ' ' || value.front() == '\t' || value.back() == ' ' || value.back() == '\t'))
        return "header " + std::string(name) + " has leading or trailing whitespace in its value";
    return {};
}

std::string check_request_id(std::string_view id)
{
    if (id.empty() || id.size() > max_request_id)
        return "request_id must be 1 to 128 characters";
    if (!std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7F; }))
        return "request_id must be visible ASCII without spaces";
    return {};
}

std::string check_trace_context(std::string_view traceparent, std::string_view tracestate)
{
    auto error = check_traceparent(traceparent);
    if (error.empty())
        error = check_tracestate(tracestate);
    return error;
}

std::string header_lines(const std::vector<std::pair<std::string, std::string>>& headers)
{
    std::string out;
    for (const auto& [name, value] : headers) {
        out += "\r\n";
        out += name;
        out += ": ";
        out += value;
    }
    return out;
}

std::string call_header_lines(const std::vector<std::pair<std::string, std::string>>& defaults,
                              const call_control& control)
{
    std::string out;
    for (const auto& header : defaults) { // (no structured binding: clang 14 cannot capture one)
        const bool replaced =
            std::any_of(control.headers.begin(), control.headers.end(),
                        [&](const auto& own) { return same_name(own.first, header.first); });
        if (!replaced)
            out += "\r\n" + header.first + ": " + header.second;
    }
    out += header_lines(control.headers);
    if (!control.traceparent.empty())
        out += "\r\ntraceparent: " + control.traceparent;
    if (!control.tracestate.empty())
        out += "\r\ntracestate: " + control.tracestate;
    return out;
}

void set_retry(call_settings& settings, const retry_policy& policy)
{
    writable(settings).retry = policy;
}

void set_request_id(call_settings& settings, std::string_view id)
{
    auto& control = writable(settings);
    auto error = check_request_id(id);
    if (!error.empty()) {
        keep_first(control.argument_error, std::move(error));
        return;
    }
    control.request_id = id;
}

void add_header(call_settings& settings, std::string_view name, std::string_view value)
{
    auto& control = writable(settings);
    auto error = check_header(name, value);
    if (!error.empty()) {
        keep_first(control.argument_error, std::move(error));
        return;
    }
    control.headers.emplace_back(name, value);
}

void set_trace_context(call_settings& settings, std::string_view traceparent, std::string_view tracestate)
{
    auto& control = writable(settings);
    auto error = check_trace_context(traceparent, tracestate);
    if (!error.empty()) {
        keep_first(control.argument_error, std::move(error));
        return;
    }
    control.traceparent = traceparent;
    control.tracestate = tracestate;
}

} // namespace wacht::detail
