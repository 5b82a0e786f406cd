// SPDX-License-Identifier: BSL-1.0
#include "totp.hpp"
#include "text.hpp"

#include <cstdint>

namespace wacht::emulator {

std::string normalize_totp_secret(std::string_view secret)
{
    std::string out;
    out.reserve(secret.size());
    for (std::size_t i = 0; i < secret.size();) {
        const auto start = i;
        const auto code = next_code_point(secret, i);
        if (code != '-' && !is_white_space(code)) {
            if (code >= 'a' && code <= 'z')
                out += static_cast<char>(code - 'a' + 'A');
            else
                out.append(secret.substr(start, i - start));
        }
    }
    return out;
}

totp_secret_check check_totp_secret(std::string_view normalized) noexcept
{
    for (const char c : normalized)
        if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')))
            return totp_secret_check::invalid;
    return normalized.size() * 5 / 8 < 16 ? totp_secret_check::too_short : totp_secret_check::ok;
}

std::string url_encode(std::string_view text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' ||
            b == '_' || b == '.' || b == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[b >> 4];
            out += hex[b & 0xF];
        }
    }
    return out;
}

} // namespace wacht::emulator
