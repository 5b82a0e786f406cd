// SPDX-License-Identifier: BSL-1.0
// docs/retries-deadlines-cancellation.md: per-call deadline and retry policy, and cancellation.
#include <wacht/wacht.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<wacht::user_page> with_deadline_and_retries(wacht::client& client)
{
    wacht::retry_policy patient;
    patient.max_attempts = 5;
    patient.retry_rate_limited = true; // a 429 waits the time the server asked for
    co_return co_await client.users().list().limit(50).deadline(3s).retry(patient).send();
}

asio::awaitable<void> create_once(wacht::client& client, const wacht::create_user_params& params)
{
    // POST: retried only when the request certainly never left (connect failures and timeouts, a
    // 429 refused before any handler ran); never sent twice otherwise.
    const wacht::user created = co_await client.users().create(params).send();
    (void)created;
}

asio::awaitable<void> give_up_after_a_second(wacht::client& client)
{
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(co_await asio::this_coro::executor, 1s);
    // Whichever finishes first cancels the other; a cancelled call ends with errc::cancelled and
    // closes its connection if the exchange had started.
    auto outcome = co_await (client.users().list().try_send() || timer.async_wait(asio::use_awaitable));
    if (outcome.index() == 1)
        co_return; // the timer won
}
