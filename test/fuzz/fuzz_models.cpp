// libFuzzer target: any bytes as a response body, decoded into every model. Decoding may reject the
// input (a typed error), but must never crash; whatever decodes must encode and decode to the same JSON.
#include <wacht/wacht.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>

namespace {

template <class T>
void check(const boost::json::value& input)
{
    T model;
    try {
        model = boost::json::value_to<T>(input);
    } catch (const boost::system::system_error&) {
        return; // a typed decode error: fine
    }
    const auto once = boost::json::value_from(model);
    const auto twice = boost::json::value_from(boost::json::value_to<T>(once));
    if (once != twice)
        std::abort(); // the encoder and decoder disagree
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    boost::system::error_code ec;
    const auto input = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
    if (ec)
        return 0;
    check<wacht::user_page>(input);
    check<wacht::user>(input);
    check<wacht::user_details>(input);
    check<wacht::user_email>(input);
    check<wacht::user_phone>(input);
    check<wacht::social_connection_list>(input);
    check<wacht::sign_in_list>(input);
    check<wacht::revoke_all_result>(input);
    check<wacht::passkey_list>(input);
    check<wacht::authenticator_created>(input);
    check<wacht::backup_codes>(input);
    check<wacht::organization_membership_list>(input);
    check<wacht::workspace_membership_list>(input);
    check<wacht::invitation>(input);
    check<wacht::invitation_page>(input);
    check<wacht::waitlist_page>(input);
    return 0;
}
