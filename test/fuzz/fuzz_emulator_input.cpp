// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: the emulator's parsers of untrusted request input (multipart bodies, query
// strings, paths, UTF-8 text rules), and the whole api on a fuzzed request. None may crash.
#include "multipart.hpp"
#include "text.hpp"
#include "wacht/emulator/api.hpp"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    (void)wacht::emulator::parse_multipart(input, "b");
    (void)wacht::emulator::multipart_boundary(input);
    (void)wacht::emulator::parse_query(input);
    if (auto segments = wacht::emulator::split_path(input))
        for (auto s : *segments)
            (void)wacht::emulator::decode_path_segment(s);
    (void)wacht::emulator::like_match(input, input.substr(0, input.size() / 2));
    (void)wacht::emulator::trim(input); // walks UTF-8 from both ends
    (void)wacht::emulator::is_username_text(input);

    static wacht::emulator::api api({.api_key = "k", .seed_users = 3});
    const auto newline = input.find('\n');
    const std::string target = "/users" + std::string(input.substr(0, std::min<std::size_t>(newline, 64)));
    for (const char* method : {"GET", "POST", "PATCH"})
        (void)api.handle(
            {.method = method,
             .target = target,
             .authorization = "Bearer k",
             .content_type = method[0] == 'P' && method[1] == 'O' ? "multipart/form-data; boundary=b"
                                                                  : "application/json",
             .body = std::string(newline == std::string_view::npos ? "" : input.substr(newline + 1))});
    return 0;
}
