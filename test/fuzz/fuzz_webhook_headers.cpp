// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: webhook header parsing and verification (§10.7). The input is header lines
// "name: value" up to an empty line, then the body. Invariants: nothing crashes, nothing verifies
// without the secret's MAC, and every error maps to a documented status.
#include <wacht/webhook_verifier.hpp>

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const wacht::webhook_verifier verifier(
        {"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, [] {
            wacht::webhook_options o;
            o.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1782734400)); };
            o.max_body_bytes = 4096;
            return o;
        }());
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<wacht::webhook_header> headers;
    while (!input.empty()) {
        const auto eol = input.find('\n');
        const auto line = input.substr(0, eol);
        input = eol == std::string_view::npos ? std::string_view{} : input.substr(eol + 1);
        if (line.empty())
            break;
        const auto colon = line.find(':');
        headers.push_back({line.substr(0, colon),
                           colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1)});
    }
    const auto r = verifier.verify(input, headers);
    if (!r.has_value()) {
        const int status = wacht::recommended_status(r.error().code);
        if (status != 400 && status != 401 && status != 413)
            std::abort();
    } else if (r->raw_body != input) {
        std::abort();
    }
    return 0;
}
