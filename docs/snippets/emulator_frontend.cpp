// SPDX-License-Identifier: BSL-1.0
// docs/emulator.md, "Session tokens and webhooks": a token minted by the emulator, verified by the SDK.
#include <wacht/emulator/server.hpp>
#include <wacht/session_verifier.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>

void mint_and_verify(boost::asio::io_context& io)
{
    wacht::emulator::server emulator({});
    const auto user = emulator.seed_user({.first_name = "Ada"});
    const auto minted = emulator.mint_session_token({.user_id = user, .lifetime = std::chrono::seconds(60)});

    wacht::session_verifier_options o;
    o.publishable_key = emulator.publishable_key();
    o.tls.ca_pem = emulator.ca_pem();
    o.clock = [&] {
        return std::chrono::time_point_cast<std::chrono::system_clock::duration>(emulator.now());
    };
    wacht::session_verifier verifier(io.get_executor(), o); // co_await verifier.verify_async(minted.token)
    emulator.advance(std::chrono::seconds(65));             // now token_expired
}
