// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: RFC 3339 parsing. Whatever parses must format and parse back to the same instant.
#include <wacht/timestamp.hpp>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto t = wacht::parse_timestamp(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!t)
        return 0;
    const auto again = wacht::parse_timestamp(wacht::format_timestamp(*t));
    if (!again || *again != *t)
        std::abort();
    return 0;
}
