// SPDX-License-Identifier: BSL-1.0
#include "multipart.hpp"

#include "text.hpp"

namespace wacht::emulator {
namespace {

// The value of `param` in a header like `form-data; name="x"; filename="y"`; quoted or token.
std::optional<std::string> header_param(std::string_view header, std::string_view param)
{
    std::size_t pos = 0;
    while ((pos = header.find(';', pos)) != std::string_view::npos) {
        ++pos;
        auto rest = trim_http(header.substr(pos));
        const auto eq = rest.find('=');
        if (eq == std::string_view::npos)
            continue;
        if (to_lower(trim_http(rest.substr(0, eq))) != param)
            continue;
        auto value = trim_http(rest.substr(eq + 1));
        if (value.starts_with('"')) {
            std::string out;
            for (std::size_t i = 1; i < value.size(); ++i) {
                if (value[i] == '\\' && i + 1 < value.size())
                    out += value[++i];
                else if (value[i] == '"')
                    return out;
                else
                    out += value[i];
            }
            return std::nullopt;
        }
        return std::string(value.substr(0, value.find(';')));
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type)
{
    const auto essence = to_lower(trim_http(content_type.substr(0, content_type.find(';'))));
    if (essence != "multipart/form-data")
        return std::nullopt;
    auto boundary = header_param(content_type, "boundary");
    if (!boundary || boundary->empty())
        return std::nullopt;
    return boundary;
}

std::optional<std::vector<form_part>> parse_multipart(std::string_view body, std::string_view boundary)
{
    const std::string delimiter = "--" + std::string(boundary);
    std::vector<form_part> parts;
    auto pos = body.find(delimiter);
    if (pos == std::string_view::npos)
        return std::nullopt;
    pos += delimiter.size();
    for (;;) {
        if (body.substr(pos, 2) == "--")
            return parts; // closing delimiter
        if (body.substr(pos, 2) != "\r\n")
            return std::nullopt;
        pos += 2;
        const auto headers_end = body.find("\r\n\r\n", pos);
        if (headers_end == std::string_view::npos)
            return std::nullopt;
        form_part part;
        auto headers = body.substr(pos, headers_end - pos);
        while (!headers.empty()) {
            const auto eol = headers.find("\r\n");
            const auto line = headers.substr(0, eol);
            headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos)
                return std::nullopt;
            const auto name = to_lower(trim_http(line.substr(0, colon)));
            const auto value = trim_http(line.substr(colon + 1));
            if (name == "content-disposition") {
                part.name = header_param(value, "name").value_or("");
                part.filename = header_param(value, "filename").value_or("");
            } else if (name == "content-type") {
                part.content_type = std::string(value);
            }
        }
        pos = headers_end + 4;
        const auto next = body.find("\r\n" + delimiter, pos);
        if (next == std::string_view::npos)
            return std::nullopt;
        part.data = std::string(body.substr(pos, next - pos));
        parts.push_back(std::move(part));
        pos = next + 2 + delimiter.size();
    }
}

} // namespace wacht::emulator
