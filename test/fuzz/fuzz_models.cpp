// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: any bytes as a response body, decoded into every model. Decoding may reject the
// input (a typed error), but must never crash; whatever decodes must encode and decode to the same JSON.
// The streaming decoder must reject what is not JSON, accept exactly what the DOM reader accepts (on
// the canonical text) and give the same model, fed in two pieces, and the text writer must write what
// serialize(value_from) writes.
#include "detail/model_decoder.hpp"
#include "json_text.hpp"

#include <wacht/wacht.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace {

// The streaming decoder's model, or nullopt when it rejects the body.
template <class T>
std::optional<T> stream_decode(std::string_view body, std::size_t split)
{
    static wacht::detail::model_parser parser; // reused, as a pooled connection reuses its own
    T model;
    parser.begin(wacht::detail::slot_of(model));
    if (!parser.write(body.substr(0, split)) || !parser.write(body.substr(split)) || !parser.finish())
        return std::nullopt;
    return model;
}

template <class T>
void check(std::string_view body, const boost::system::error_code& parse_error,
           const boost::json::value& input)
{
    const auto raw = stream_decode<T>(body, body.size() / 2);
    if (parse_error) {
        if (raw)
            std::abort(); // the streaming decoder took what is not JSON
        return;
    }
    // Compared on the canonical text: with duplicate keys the DOM keeps only the last of them.
    const auto canonical = boost::json::serialize(input);
    const auto streamed = stream_decode<T>(canonical, canonical.size() / 3);
    T model;
    try {
        model = boost::json::value_to<T>(input);
    } catch (const boost::system::system_error&) {
        if (streamed)
            std::abort(); // accepted by one decoder and rejected by the other
        return;           // a typed decode error: fine
    }
    if (!streamed)
        std::abort();
    const auto once = boost::json::value_from(model);
    if (boost::json::value_from(*streamed) != once)
        std::abort(); // the two decoders disagree
    const auto twice = boost::json::value_from(boost::json::value_to<T>(once));
    if (once != twice)
        std::abort(); // the encoder and decoder disagree
    std::string text;
    wacht::emulator::append_json(text, model);
    if (text != boost::json::serialize(once))
        std::abort(); // the text writer and the DOM writer disagree
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    boost::system::error_code ec;
    const auto input = boost::json::parse(body, ec);
    check<wacht::user_page>(body, ec, input);
    check<wacht::user>(body, ec, input);
    check<wacht::user_details>(body, ec, input);
    check<wacht::user_email>(body, ec, input);
    check<wacht::user_phone>(body, ec, input);
    check<wacht::social_connection_list>(body, ec, input);
    check<wacht::sign_in_list>(body, ec, input);
    check<wacht::revoke_all_result>(body, ec, input);
    check<wacht::passkey_list>(body, ec, input);
    check<wacht::authenticator_created>(body, ec, input);
    check<wacht::backup_codes>(body, ec, input);
    check<wacht::organization_membership_list>(body, ec, input);
    check<wacht::workspace_membership_list>(body, ec, input);
    check<wacht::invitation>(body, ec, input);
    check<wacht::invitation_page>(body, ec, input);
    check<wacht::waitlist_page>(body, ec, input);
    return 0;
}
