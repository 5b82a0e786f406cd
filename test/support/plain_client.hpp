// SPDX-License-Identifier: BSL-1.0
// A client for a test server that is not the emulator (a canned or scripted peer), with its own
// io_context, and a way to run one call to completion.
#pragma once

#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <functional>
#include <string>

namespace wacht::test {

struct plain_client
{
    explicit plain_client(const std::string& url, std::function<void(wacht::client_options&)> adjust = {})
        : client(io.get_executor(), [&] {
              wacht::client_options o;
              o.base_url = url;
              o.api_key = "k";
              o.tls.use_system_roots = false;
              if (adjust)
                  adjust(o);
              return o;
          }())
    {}

    /// Runs the builder's try_send() on the io_context until it completes.
    template <class Builder>
    auto attempt(const Builder& b)
    {
        auto future = boost::asio::co_spawn(io, b.try_send(), boost::asio::use_future);
        io.restart();
        io.run();
        return future.get();
    }

    boost::asio::io_context io;
    wacht::client client;
};

} // namespace wacht::test
