// SPDX-License-Identifier: BSL-1.0
// Requests handed to an in-process emulator api as data (no sockets), for the emulator's own tests.
#pragma once

#include <wacht/emulator/api.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

namespace wacht::test {

/// An emulator api that accepts `api_key`, seeded with `seed` users.
inline emulator::api make_emulator_api(const std::string& api_key, std::size_t seed = 0,
                                       emulator::auth_settings auth = {})
{
    emulator::api_options o;
    o.api_key = api_key;
    o.seed_users = seed;
    o.auth = auth;
    return emulator::api(o);
}

/// One request to `a` with this Authorization header value.
inline emulator::http_response emulator_call(emulator::api& a, std::string authorization, std::string method,
                                             std::string target, std::string body, std::string content_type)
{
    return a.handle({.method = std::move(method),
                     .target = std::move(target),
                     .authorization = std::move(authorization),
                     .content_type = std::move(content_type),
                     .body = std::move(body)});
}

/// The single message of an error body, checking the {"errors":[{"message","code"}]} shape.
inline std::string message_of(const emulator::http_response& r)
{
    const auto body = boost::json::parse(r.body).as_object();
    const auto& errors = body.at("errors").as_array();
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].at("code").as_int64() == r.status);
    return std::string(errors[0].at("message").as_string());
}

/// The content type of a multipart() body.
inline const std::string form_type = "multipart/form-data; boundary=b";

/// A multipart/form-data body of text fields, with the boundary of form_type.
inline std::string multipart(const std::vector<std::pair<std::string, std::string>>& fields)
{
    std::string body;
    for (const auto& [name, value] : fields)
        body += "--b\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    return body + "--b--\r\n";
}

} // namespace wacht::test
