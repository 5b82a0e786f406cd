// SPDX-License-Identifier: BSL-1.0
// Timestamps as the server writes them: RFC 3339, UTC, 0 to 9 fractional digits.
#pragma once

#include <wacht/export.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// A UTC instant with nanosecond precision.
using timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

/// Parses "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+hh:mm|-hh:mm)"; nullopt when malformed. Thread-safe.
WACHT_API std::optional<timestamp> parse_timestamp(std::string_view text) noexcept;

/// Formats like the server (chrono's SecondsFormat::AutoSi with a Z): no fraction when the
/// nanoseconds are 0, else 3, 6 or 9 digits, the fewest that are exact. Thread-safe.
WACHT_API std::string format_timestamp(timestamp t);

} // namespace wacht
