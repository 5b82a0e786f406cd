// SPDX-License-Identifier: BSL-1.0
// A request as the emulated api reads it, and its answer; the server does the I/O.
#pragma once

#include "faults.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace wacht::emulator {

struct http_request
{
    std::string method; // upper case
    std::string target; // path and query, as received
    std::string authorization;
    std::string content_type;
    std::string user_agent;
    std::string accept;
    std::string request_id; // X-Request-Id
    std::string body;
    /// The body was over the 2 MiB limit and was not read.
    bool body_too_large = false;
};

struct http_response
{
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    /// Close the connection without answering (the real server's handler panicked).
    bool drop_connection = false;
    /// A transport fault for the server to carry out (close_after_headers, close_mid_body,
    /// stall_headers) and a delay before answering; see fault.
    std::optional<fault::kind> transport_fault;
    std::chrono::milliseconds delay{0};
};

} // namespace wacht::emulator
