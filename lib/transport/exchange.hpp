// SPDX-License-Identifier: BSL-1.0
// The HTTP/1.1 exchange on an open connection: writes the request, reads the response head and body
// (a 2xx body straight into the caller's model), skips 1xx interim responses, and reports facts (sent?
// any response byte?) and whether the connection may serve another call. Defined in exchange.cpp.
#pragma once

#include "transport/connection.hpp"

#include <boost/asio/awaitable.hpp>

#include <string_view>

namespace wacht::detail::net {

class exchanger
{
public:
    /// `options`, `where` and `headers` must outlive the exchanger.
    exchanger(const client_options& options, const origin& where, const fixed_headers& headers)
        : options_(options), origin_(where), headers_(headers)
    {}

    /// Sends `spec` on `conn` (which holds a lent read buffer) and reads the response into `outcome`,
    /// each phase bounded by its own timeout and by `deadline`. Returns whether the connection may be
    /// reused: a complete keep-alive response with no byte after it (bytes after a complete response
    /// mean the stream is out of step: a late or unsolicited response). Never throws for network
    /// failures; throws when the awaiting coroutine is cancelled.
    asio::awaitable<bool> run(connection& conn, const request_spec& spec, std::string_view request_id,
                              const slot* model, clock_type::time_point deadline,
                              exchange_outcome& outcome) const;

private:
    void write_head(std::string& out, const request_spec& spec, std::string_view request_id) const;

    template <class Stream>
    asio::awaitable<void> exchange_on(Stream& stream, connection& conn, const request_spec& spec,
                                      const slot* model, clock_type::time_point deadline,
                                      exchange_outcome& outcome, bool& keep_alive) const;

    const client_options& options_;
    const origin& origin_;
    const fixed_headers& headers_;
};

/// What an HTTP proxy answered a CONNECT request.
struct tunnel_answer
{
    error_code failure;       // writing or reading failed, or the answer is not HTTP (a Beast http error)
    int status = 0;           // the answer's status when it was read
    bool extra_bytes = false; // bytes after the answer's head: nothing may come before the client's
};

/// Sends `request` (a CONNECT request) on the connected `socket` and reads the proxy's answer head
/// (nothing after it: a refusal's body is not read, the connection is closed anyway). The caller
/// bounds it with the connection's watchdog. Throws when the awaiting coroutine is cancelled.
asio::awaitable<tunnel_answer> ask_proxy(tcp::socket& socket, const std::string& request);

} // namespace wacht::detail::net
