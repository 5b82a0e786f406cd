// SPDX-License-Identifier: BSL-1.0
// A multipart/form-data reader for the emulator (the server side of the SDK's multipart_writer).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wacht::emulator {

struct form_part
{
    std::string name;         // "" when the Content-Disposition has no name
    std::string filename;     // "" when absent
    std::string content_type; // "" when absent
    std::string data;
};

/// The boundary of a multipart/form-data Content-Type; nullopt when the type is something else or has
/// no boundary (the server's 400 "Bad request").
std::optional<std::string> multipart_boundary(std::string_view content_type);

/// The parts of a body; nullopt when the body is malformed (the server's "Error parsing ..." 400).
std::optional<std::vector<form_part>> parse_multipart(std::string_view body, std::string_view boundary);

} // namespace wacht::emulator
