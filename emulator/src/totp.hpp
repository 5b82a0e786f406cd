// SPDX-License-Identifier: BSL-1.0
// TOTP provisioning as the Wacht server does it (contract E24): its secret normalization, its base32
// decoder's rules and the otpauth URL's percent-encoding. The emulator's own code: the SDK's pre-check
// is written separately, so that the two can disagree and a test can see it.
#pragma once

#include <string>
#include <string_view>

namespace wacht::emulator {

/// Every Unicode whitespace character (Rust's char::is_whitespace, so U+00A0 too) and every '-'
/// removed, ASCII letters upper-cased; other bytes kept as they are. `secret` is UTF-8.
std::string normalize_totp_secret(std::string_view secret);

enum class totp_secret_check
{
    ok,
    invalid,   // a character outside A-Z 2-7 ('=' padding included): 400 "invalid base32 secret"
    too_short, // decodes to fewer than 16 bytes (fewer than 26 characters): 400 "secret too short — ..."
};

/// base32 0.5.1 decode(Rfc4648 { padding: false }) on a normalized secret: strict about the alphabet,
/// lenient about length (n characters give floor(5n/8) bytes), then the 16-byte minimum.
totp_secret_check check_totp_secret(std::string_view normalized) noexcept;

/// urlencoding::encode: every byte except A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex).
std::string url_encode(std::string_view text);

} // namespace wacht::emulator
