// SPDX-License-Identifier: BSL-1.0
// Fault specs ("kind:key=value,...") and the fault_control handle; the faults themselves fire in
// api::handle.
#include "wacht/emulator/faults.hpp"
#include "wacht/emulator/api.hpp"

#include "store.hpp"
#include "text.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <stdexcept>

namespace wacht::emulator {

namespace {

// fault::parse without exceptions: the fault, or nullopt with `error` set.
std::optional<fault> parse_fault(std::string_view text, std::string& error)
{
    static const std::pair<std::string_view, fault::kind> kinds[] = {
        {"latency", fault::kind::latency},
        {"status", fault::kind::status},
        {"rate_limit", fault::kind::rate_limit},
        {"close_before_answer", fault::kind::close_before_answer},
        {"close_after_headers", fault::kind::close_after_headers},
        {"close_mid_body", fault::kind::close_mid_body},
        {"malformed_json", fault::kind::malformed_json},
        {"oversized_body", fault::kind::oversized_body},
        {"stall_headers", fault::kind::stall_headers},
    };
    const auto colon = text.find(':');
    const auto name = text.substr(0, colon);
    fault f;
    const auto* found =
        std::find_if(std::begin(kinds), std::end(kinds), [&](const auto& k) { return k.first == name; });
    if (found == std::end(kinds)) {
        error = "unknown fault kind " + std::string(name);
        return std::nullopt;
    }
    f.type = found->second;
    auto rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            error = "fault option without a value: " + std::string(item);
            return std::nullopt;
        }
        const auto key = item.substr(0, eq);
        const auto value = item.substr(eq + 1);
        static constexpr std::string_view numeric_keys[] = {"times", "status", "delay_ms", "retry_after",
                                                            "body_size"};
        if (key == "method") {
            f.method = value;
        } else if (key == "path") {
            f.path_prefix = value;
        } else if (key == "probability") {
            const auto last = value.data() + value.size();
            if (const auto [end, ec] = std::from_chars(value.data(), last, f.probability);
                ec != std::errc{} || end != last) {
                error = "fault option probability needs a number";
                return std::nullopt;
            }
        } else if (std::find(std::begin(numeric_keys), std::end(numeric_keys), key) !=
                   std::end(numeric_keys)) {
            const auto n = parse_unsigned(value);
            if (!n) {
                error = "fault option " + std::string(key) + " needs a number";
                return std::nullopt;
            }
            if (key == "times")
                f.times = *n;
            else if (key == "status")
                f.status = static_cast<int>(*n);
            else if (key == "delay_ms")
                f.delay = std::chrono::milliseconds(*n);
            else if (key == "retry_after")
                f.retry_after_seconds = static_cast<std::uint32_t>(*n);
            else
                f.body_size = *n;
        } else {
            error = "unknown fault option " + std::string(key);
            return std::nullopt;
        }
    }
    return f;
}

} // namespace

fault fault::parse(std::string_view text)
{
    std::string error;
    auto f = parse_fault(text, error);
    if (!f)
        throw std::runtime_error(error);
    return *f;
}

void fault_control::add(fault f)
{
    api_->add_fault(std::move(f));
}

void fault_control::add(std::string_view spec)
{
    api_->add_fault(fault::parse(spec));
}

void fault_control::clear()
{
    api_->clear_faults();
}

std::vector<fault> fault_control::list() const
{
    return api_->faults();
}

std::string fault::spec() const
{
    static constexpr std::string_view names[] = {
        "latency",        "status",         "rate_limit",     "close_before_answer", "close_after_headers",
        "close_mid_body", "malformed_json", "oversized_body", "stall_headers"};
    std::string out(names[static_cast<int>(type)]);
    out += ":probability=" + std::to_string(probability);
    if (!method.empty())
        out += ",method=" + method;
    if (!path_prefix.empty())
        out += ",path=" + path_prefix;
    if (times != UINT64_MAX)
        out += ",times=" + std::to_string(times);
    out += ",status=" + std::to_string(status) + ",delay_ms=" + std::to_string(delay.count()) +
           ",retry_after=" + std::to_string(retry_after_seconds) + ",body_size=" + std::to_string(body_size);
    return out;
}

// The first fault that fires for this request, if any (takes the lock).
std::optional<fault> api::state::pick_fault(const http_request& request)
{
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::lock_guard lock(mutex);
    for (auto& f : faults) {
        if (f.times == 0 || (!f.method.empty() && f.method != request.method) ||
            !request.target.starts_with(f.path_prefix))
            continue;
        if (f.probability < 1.0 && std::uniform_real_distribution<double>(0, 1)(generator) >= f.probability)
            continue;
        --f.times;
        return f;
    }
    return std::nullopt;
}

// What a fired fault answers; the handler does not run.
http_response api::state::fault_response(const fault& f)
{
    using kind = fault::kind;
    switch (f.type) {
    case kind::status:
        return normalized_error(f.status);
    case kind::rate_limit:
        return error_response(429, "Rate limit exceeded. Retry after " +
                                       std::to_string(f.retry_after_seconds) + " seconds");
    case kind::close_before_answer:
        return {500, "application/json", "", true};
    case kind::malformed_json:
        return {200, "application/json", "{\"data\": [", false};
    case kind::oversized_body: {
        std::string body = "{\"data\":[],\"pad\":\"";
        body.append(f.body_size, 'x');
        return {200, "application/json", body + "\"}", false};
    }
    default: {
        http_response r = normalized_error(500); // stand-in body for the transport faults
        r.transport_fault = f.type;
        r.delay = f.delay;
        return r;
    }
    }
}

// GET /_emulator/faults.
http_response api::state::list_faults()
{
    json::array out;
    std::lock_guard lock(mutex);
    for (const auto& f : faults)
        out.push_back(json::value(f.spec()));
    return json_response(200, json::object{{"faults", std::move(out)}});
}

// POST /_emulator/faults {"spec": "status:status=503,path=/users"} (the --fault syntax).
http_response api::state::add_fault_spec(const http_request& request)
{
    body_fields body(request);
    const auto spec = body.required_string("spec");
    if (auto rejected = body.rejected())
        return *rejected;
    std::string error;
    const auto f = parse_fault(spec, error);
    if (!f)
        return error_response(400, error);
    std::lock_guard lock(mutex);
    faults.push_back(*f);
    return json_response(200, json::object{{"spec", f->spec()}});
}

} // namespace wacht::emulator
