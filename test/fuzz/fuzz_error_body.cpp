// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: any bytes as the body of an error response. The error model must keep the status
// and never crash or throw, whatever the body.
#include "detail/client_impl.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    wacht::detail::exchange_outcome outcome;
    outcome.status = size > 0 ? 400 + data[0] % 200 : 500;
    outcome.body.assign(reinterpret_cast<const char*>(data), size);
    const auto e = wacht::detail::http_error(outcome, "request-id");
    if (e.diagnostics.http_status != outcome.status || e.diagnostics.body_snippet.size() > 256)
        std::abort();
    (void)e.message();
    return 0;
}
