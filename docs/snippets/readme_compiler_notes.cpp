// SPDX-License-Identifier: BSL-1.0
// README.md "Compiler notes". The README block elides the fields ({...}) and shows a line that must
// not compile, so it is kept here as a comment; the code after it is the same with the fields filled
// in. That create({...}) is refused is asserted by test/integration/natural_code_test.cpp.
#include <wacht/wacht.hpp>

namespace {

/*
const wacht::create_user_params jane{...};             // fine
auto u = co_await client.users().create(jane).send();  // fine
// co_await client.users().create({...}).send();       // does not compile (a double free on GCC 12)
*/

[[maybe_unused]] boost::asio::awaitable<void> named_parameters(wacht::client& client)
{
    const wacht::create_user_params jane{
        .first_name = "Jane", .last_name = "Smith", .email_address = "jane@example.com"}; // fine
    auto u = co_await client.users().create(jane).send();                                 // fine
    (void)u;
}

} // namespace
