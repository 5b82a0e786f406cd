// SPDX-License-Identifier: BSL-1.0
// Test harness: an in-process emulator on 127.0.0.1:0 over TLS, an io_context and a client trusting
// the emulator's CA, plus a way to run a coroutine to completion.
#pragma once

#include "wacht/emulator/server.hpp"

#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <string>

namespace wacht::test {

/// The fixture files from the contract, copied into test/data (harness.cpp).
std::string read_data(const std::string& name);

/// The emulator's options of most tests: the default deployment with a fixed API key.
emulator::server_options default_server_options();

struct harness
{
    explicit harness(emulator::server_options server_options = default_server_options(),
                     std::function<void(client_options&)> adjust = {})
        : server(std::move(server_options)), client(io.get_executor(), make_options(adjust))
    {}

    client_options make_options(const std::function<void(client_options&)>& adjust)
    {
        client_options o;
        o.base_url = server.base_url();
        o.api_key = server.api_key();
        o.tls.use_system_roots = false;
        o.tls.ca_pem = server.ca_pem();
        if (adjust)
            adjust(o);
        return o;
    }

    /// Runs `task` on the io_context until it completes; rethrows what it throws.
    template <class T>
    T run(boost::asio::awaitable<T> task)
    {
        auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
        io.restart();
        io.run();
        return future.get();
    }

    emulator::server server;
    boost::asio::io_context io;
    wacht::client client;
};

/// A user the default deployment settings accept.
inline const create_user_params jane{.first_name = "Jane",
                                     .last_name = "Smith",
                                     .email_address = "jane@example.com",
                                     .password = "S3cure!pass"};

/// The error of a result that must have failed.
template <class T>
wacht::error error_of(const result<T>& r)
{
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

/// The server's single errors[] message.
inline std::string message_of(const wacht::error& e)
{
    REQUIRE(e.diagnostics.server_messages.size() == 1);
    return e.diagnostics.server_messages[0].message;
}

/// Seeds through the emulator's /_emulator routes (what no backend route creates), bypassing the
/// network; returns the created item.
inline boost::json::object seed(harness& h, const std::string& target, const boost::json::object& body)
{
    const auto r = h.server.backend().handle({.method = "POST",
                                              .target = target,
                                              .authorization = "Bearer " + h.server.api_key(),
                                              .content_type = "application/json",
                                              .body = boost::json::serialize(body)});
    INFO(r.body);
    REQUIRE(r.status == 200);
    return boost::json::parse(r.body).as_object();
}

} // namespace wacht::test
