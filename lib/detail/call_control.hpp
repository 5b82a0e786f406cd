// SPDX-License-Identifier: BSL-1.0
// Per-call control and default headers: checking names and values before anything is sent, and the
// header lines they become. Pure functions; no I/O. Thread-safe.
#pragma once

#include <wacht/request.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wacht::detail {

/// "" when `name: value` may be sent as an extra header, else why not (the value is never quoted:
/// it may be a secret).
std::string check_header(std::string_view name, std::string_view value);

/// "" when `id` may be sent as X-Request-Id, else why not.
std::string check_request_id(std::string_view id);

/// "" when the W3C trace context may be sent, else why not.
std::string check_trace_context(std::string_view traceparent, std::string_view tracestate);

/// "\r\nName: value" for each header (already checked).
std::string header_lines(const std::vector<std::pair<std::string, std::string>>& headers);

/// The header lines of a call with per-call control: the client's defaults that the call does not
/// replace (names compare case-insensitively), then the call's headers and its trace context.
std::string call_header_lines(const std::vector<std::pair<std::string, std::string>>& defaults,
                              const call_control& control);

} // namespace wacht::detail
