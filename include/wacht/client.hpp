// SPDX-License-Identifier: BSL-1.0
// wacht::client: the entry point. A cheap, copyable handle over shared state (options, TLS context,
// connection pool).
#pragma once

#include <wacht/export.hpp>
#include <wacht/invitations.hpp>
#include <wacht/observer.hpp>
#include <wacht/options.hpp>
#include <wacht/users.hpp>
#include <wacht/version.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace WACHT_VISIBLE_NAMESPACE wacht {

/// A Wacht backend API client bound to one executor (normally an io_context's).
///
/// Thread-safety: a client and its copies may be used from any number of threads at once, including
/// when the io_context runs on several threads; the pool is internally synchronised. The TLS context
/// is configured once at construction and never changed.
///
/// Lifetime: copies share one pool. Calls in flight keep the shared state alive, so a client may be
/// destroyed while its calls are still running; the io_context must outlive them.
class WACHT_API client
{
public:
    /// The executor the client's connections and timers run on.
    using executor_type = boost::asio::any_io_executor;

    /// Validates the options and builds the TLS context. Throws api_error with
    /// errc::invalid_argument for an empty API key or one with control characters, an unparsable
    /// or non-http(s) base URL, an invalid user_agent_extra or zero max_connections, and with
    /// errc::tls_handshake_failed when a CA file or PEM cannot be loaded. Sends nothing.
    client(executor_type executor, client_options options);

    /// The executor given at construction. Thread-safe.
    executor_type get_executor() const noexcept;

    /// A snapshot of the connection pool (open, idle, busy, waiting calls, connections opened and
    /// closed by reason, TLS sessions resumed) and of the retry budget. Thread-safe: may be called at
    /// any time, from any thread, while calls run; the figures are read under the pool's lock, so they
    /// agree with each other, and the retry budget is read just after. Sends nothing.
    wacht::pool_statistics pool_statistics() const;

    /// The users resource (client.users().list(), .details(id), ...).
    users_resource users() const { return users_resource(impl_); }
    /// The invitations resource.
    invitations_resource invitations() const { return invitations_resource(impl_); }
    /// The waitlist resource.
    waitlist_resource waitlist() const { return waitlist_resource(impl_); }

private:
    std::shared_ptr<detail::client_impl> impl_;
};

} // namespace wacht
