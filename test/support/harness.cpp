// SPDX-License-Identifier: BSL-1.0
// The harness's out-of-line parts.
#include "harness.hpp"

#include <fstream>
#include <iterator>

namespace wacht::test {

std::string read_data(const std::string& name)
{
    std::ifstream in(std::string(WACHT_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

emulator::server_options default_server_options()
{
    emulator::server_options o;
    o.api.api_key = "test-key-7f3a9c";
    return o;
}

} // namespace wacht::test
