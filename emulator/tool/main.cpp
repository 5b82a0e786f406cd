// SPDX-License-Identifier: BSL-1.0
// wacht-emulator: the Wacht backend API (users, per the wire contract) on loopback, for tests and demos.
#include "wacht/emulator/server.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: wacht-emulator [options]
  --address A          listen address (default 127.0.0.1)
  --port N             listen port; 0 picks a free one and prints it (default 3001)
  --api-key K          the API key to accept (default wacht-emulator-key)
  --seed N             create N users at start-up
  --http               serve plain HTTP instead of HTTPS
  --cert FILE --key FILE   serve this certificate chain and key (default: generate a CA and certificate)
  --ca-out FILE        write the CA certificate clients must trust to FILE
  --auth-settings FILE deployment auth settings as JSON (see wacht/emulator/store.hpp)
  --threads N          server threads (default 1)
  --keep-alive-ms N    close keep-alive connections idle for N ms (default 60000)
  --seed-file FILE     load a JSON fixture at start-up (the body of POST /_emulator/seed; docs/emulator.md)
  --fault SPEC         inject a fault, e.g. status:status=503,probability=0.05,path=/users
                       kinds: latency status rate_limit close_before_answer close_after_headers
                       close_mid_body malformed_json oversized_body stall_headers; options: method
                       path probability times status delay_ms retry_after body_size (repeatable)
  --webhook-url URL    deliver signed webhooks of the emulator's events (user.created, user.updated,
                       user.deleted) to this http:// URL, with Wacht's retry schedule
  --webhook-secret S   their signing secret, whsec_ + base64 (default: a random one, printed)
Prints "listening on <url>", then "publishable key pk_test_..." (its Frontend API: JWKS and session
tokens) and, with --webhook-url, "webhook secret whsec_..." when ready; stops on SIGINT or SIGTERM.
)";

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

int main(int argc, char** argv)
{
    wacht::emulator::server_options options;
    options.port = 3001;
    std::string ca_out;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg = argv[i];
            const auto value = [&]() -> std::string {
                if (i + 1 >= argc)
                    throw std::runtime_error(std::string(arg) + " needs a value");
                return argv[++i];
            };
            if (arg == "--address")
                options.address = value();
            else if (arg == "--port")
                options.port = static_cast<std::uint16_t>(std::stoul(value()));
            else if (arg == "--api-key")
                options.api.api_key = value();
            else if (arg == "--seed")
                options.api.seed_users = std::stoul(value());
            else if (arg == "--seed-file")
                options.api.seed_fixtures.push_back(read_file(value()));
            else if (arg == "--http")
                options.tls = false;
            else if (arg == "--cert")
                options.cert_pem = read_file(value());
            else if (arg == "--key")
                options.key_pem = read_file(value());
            else if (arg == "--ca-out")
                ca_out = value();
            else if (arg == "--auth-settings")
                options.api.auth = wacht::emulator::auth_settings::from_json(read_file(value()));
            else if (arg == "--threads")
                options.threads = std::stoul(value());
            else if (arg == "--keep-alive-ms")
                options.keep_alive_timeout = std::chrono::milliseconds(std::stoul(value()));
            else if (arg == "--fault")
                options.api.faults.push_back(wacht::emulator::fault::parse(value()));
            else if (arg == "--webhook-url") {
                if (!options.api.webhook)
                    options.api.webhook.emplace();
                options.api.webhook->url = value();
            } else if (arg == "--webhook-secret") {
                if (!options.api.webhook)
                    options.api.webhook.emplace();
                options.api.webhook->signing_secret = value();
            } else if (arg == "--help" || arg == "-h") {
                std::cout << usage;
                return 0;
            } else
                throw std::runtime_error("unknown option " + std::string(arg));
        }
        if (options.api.webhook && options.api.webhook->url.empty())
            throw std::runtime_error("--webhook-secret needs --webhook-url");
        if (options.tls && options.cert_pem.empty() != options.key_pem.empty())
            throw std::runtime_error("--cert and --key go together");

        // Block the stop signals before threads start, so that only sigwait below receives them.
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGINT);
        sigaddset(&signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &signals, nullptr);

        wacht::emulator::server server(options);
        if (!ca_out.empty()) {
            std::ofstream out(ca_out, std::ios::binary | std::ios::trunc);
            out << server.ca_pem();
            if (!out)
                throw std::runtime_error("cannot write " + ca_out);
        }
        std::cout << "listening on " << server.base_url() << std::endl;
        std::cout << "publishable key " << server.publishable_key() << std::endl;
        if (const auto endpoint = server.backend().webhook_endpoint())
            std::cout << "webhook secret " << endpoint->signing_secret << std::endl;
        if (!ca_out.empty())
            std::cout << "ca file " << ca_out << std::endl;
        int received = 0;
        sigwait(&signals, &received);
        server.stop();
        std::cout << "stopped after " << server.backend().request_count() << " requests" << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "wacht-emulator: " << e.what() << "\n" << usage;
        return 2;
    }
}
