// SPDX-License-Identifier: BSL-1.0
// Faults the emulator injects instead of a normal answer (issue 4).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wacht::emulator {

/// A fault to inject (issue 4): what happens instead of the normal answer, for which requests, how
/// often. Faults are checked in the order they were added; the first that fires wins, and the request
/// then never reaches a handler (no side effects), though it counts in request_count().
struct fault
{
    enum class kind
    {
        latency,             // answer normally, `delay` later
        status,              // answer `status` with the normalized error body
        rate_limit,          // 429 "Rate limit exceeded. Retry after {retry_after_seconds} seconds"
        close_before_answer, // close the connection without a byte of response
        close_after_headers, // send the status line and headers, then close
        close_mid_body,      // send the headers and half the body, then close
        malformed_json,      // 200 with a body that is not JSON
        oversized_body,      // 200 with `body_size` bytes of JSON
        stall_headers,       // send nothing for `delay`, then close
    };
    kind type = kind::status;
    /// Which requests: "" matches any method; the path must start with `path_prefix`.
    std::string method;
    std::string path_prefix;
    /// The chance that a matching request gets the fault, and how many times it may fire.
    double probability = 1.0;
    std::uint64_t times = UINT64_MAX;
    int status = 503;
    std::chrono::milliseconds delay{0};
    std::uint32_t retry_after_seconds = 60;
    std::size_t body_size = 16 * 1024 * 1024;

    /// Parses "kind[:key=value,...]" with keys method, path, probability, times, status, delay_ms,
    /// retry_after, body_size; e.g. "status:status=503,probability=0.05,path=/users". Throws
    /// std::runtime_error.
    static fault parse(std::string_view text);
    /// The same fault in parse()'s syntax, every option written out.
    std::string spec() const;
};

class api;

/// The faults of a running emulator (server::faults()). Thread-safe; a change applies from the next
/// request. Faults never apply to the /_emulator/ routes.
class fault_control
{
public:
    explicit fault_control(api& backend) : api_(&backend) {}
    void add(fault f);
    /// fault::parse(spec); throws std::runtime_error on a bad spec.
    void add(std::string_view spec);
    /// Removes every fault.
    void clear();
    /// The faults in the order they are checked; `times` counts down as they fire.
    std::vector<fault> list() const;

private:
    api* api_;
};

} // namespace wacht::emulator
