// SPDX-License-Identifier: BSL-1.0
#include "auth/token.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace wacht::detail {
namespace {

namespace json = boost::json;

json::parse_options strict_json()
{
    json::parse_options options;
    options.max_depth = 64; // §15.4: at least 64 levels
    return options;
}

// Printable ASCII only, at most 64 bytes: header values go into error text and logs.
std::string sanitize(std::string_view text)
{
    std::string out;
    for (char c : text.substr(0, 64))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

bool segment_chars_ok(std::string_view s) noexcept
{
    return !s.empty();
}

// Whether every number is finite: Boost.JSON reads 1e999 as infinity, which §15.4 refuses.
bool finite_numbers(const json::value& v, int depth = 0) noexcept
{
    switch (v.kind()) {
    case json::kind::double_:
        return std::isfinite(v.get_double());
    case json::kind::array:
        for (const auto& item : v.get_array())
            if (!finite_numbers(item, depth + 1))
                return false;
        return true;
    case json::kind::object:
        for (const auto& member : v.get_object())
            if (!finite_numbers(member.value(), depth + 1))
                return false;
        return true;
    default:
        return true;
    }
}

// Decodes a JSON object of one segment with no duplicate top-level names, into `out`'s storage (a
// value parsed into another storage would be copied member by member when assigned to `out`).
bool decode_object(std::string_view segment, std::string& text, json::value& out)
{
    text.clear();
    if (!segment_chars_ok(segment) || !base64url_decode(segment, text))
        return false;
    std::error_code ec;
    out = json::parse(text, ec, out.storage(), strict_json());
    if (ec || !out.is_object())
        return false;
    return top_level_member_count(text) == out.get_object().size() && finite_numbers(out);
}

// An ID claim (§3.3, §15.12): a non-empty string, or a plain non-negative integer literal read exactly.
std::optional<std::string> read_id(const json::value* v, std::string_view name,
                                   const std::function<void(std::string_view)>& note)
{
    if (!v)
        return std::nullopt;
    if (const auto* s = v->if_string()) {
        if (!s->empty())
            return std::string(s->data(), s->size());
    } else if (const auto* i = v->if_int64()) {
        if (*i >= 0)
            return std::to_string(*i);
    } else if (const auto* u = v->if_uint64()) {
        return std::to_string(*u);
    }
    // A double (fraction, exponent or out of the 64-bit range) never stands for an id: digits would be lost.
    if (note) {
        std::string line = "session token claim \"";
        line += name;
        line += "\" ignored: not a string or plain integer id";
        note(line);
    }
    return std::nullopt;
}

std::vector<std::string> read_permissions(const json::value* v)
{
    std::vector<std::string> out;
    if (const auto* a = v ? v->if_array() : nullptr) {
        out.reserve(a->size());
        for (const auto& item : *a)
            if (const auto* s = item.if_string())
                out.emplace_back(s->data(), s->size());
    }
    return out;
}

// -1, 0, 1 as a JSON number compares to an integer, without rounding integers through a double.
int compare(const json::value& number, std::int64_t t) noexcept
{
    if (const auto* i = number.if_int64())
        return *i < t ? -1 : (*i > t ? 1 : 0);
    if (const auto* u = number.if_uint64())
        return (t < 0 || *u > static_cast<std::uint64_t>(t)) ? 1
                                                             : (*u < static_cast<std::uint64_t>(t) ? -1 : 0);
    const double d = number.get_double();
    const double td = static_cast<double>(t);
    return d < td ? -1 : (d > td ? 1 : 0);
}

double as_double(const json::value& number) noexcept
{
    if (const auto* i = number.if_int64())
        return static_cast<double>(*i);
    if (const auto* u = number.if_uint64())
        return static_cast<double>(*u);
    return number.get_double();
}

} // namespace

std::size_t top_level_member_count(std::string_view text) noexcept
{
    std::size_t count = 0;
    int depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            std::size_t j = i + 1;
            while (j < text.size() && text[j] != '"')
                j += text[j] == '\\' ? 2 : 1;
            i = j;
            if (depth == 1) {
                std::size_t k = j + 1;
                while (k < text.size() &&
                       (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r'))
                    ++k;
                if (k < text.size() && text[k] == ':')
                    ++count;
            }
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return count;
}

token_error make_token_error(token_errc code, std::string detail, const parsed_token* token)
{
    token_error e;
    e.code = code;
    e.detail = std::move(detail);
    if (token) {
        e.algorithm = std::string(to_string(token->algorithm));
        if (token->kid)
            e.key_id = sanitize(*token->kid);
    }
    return e;
}

std::variant<parsed_token, token_error> parse_token(std::string_view token, const header_policy& policy)
{
    const auto malformed = [](std::string detail) {
        return make_token_error(token_errc::token_malformed, std::move(detail));
    };
    if (token.size() > policy.max_token_bytes)
        return malformed("longer than the configured maximum");
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return malformed("not three dot-separated segments");
    const auto header_segment = token.substr(0, dot1);
    const auto payload_segment = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const auto signature_segment = token.substr(dot2 + 1);
    if (header_segment.empty() || payload_segment.empty() || signature_segment.empty())
        return malformed("an empty segment");

    parsed_token parsed;
    const auto size = base64url_decode(signature_segment, parsed.signature);
    if (!size)
        return malformed("the signature segment is not canonical base64url");
    parsed.signature_size = *size;

    // The header is small: parsed in a stack buffer, so the warm path allocates only the result.
    unsigned char buffer[2048];
    json::monotonic_resource resource(buffer, sizeof buffer);
    thread_local std::string header_text;
    json::value header(&resource);
    if (!decode_object(header_segment, header_text, header))
        return malformed("the header is not a base64url JSON object without duplicate names");
    // The claims become the result's raw_claims: parsed into one block of a monotonic resource that
    // they own (two allocations, not one per member, name and string).
    thread_local std::string payload_text;
    auto& claims = parsed.claims.emplace(
        json::make_shared_resource<json::monotonic_resource>(payload_segment.size() * 3 + 512));
    if (!decode_object(payload_segment, payload_text, claims))
        return malformed("the payload is not a base64url JSON object without duplicate names");
    const auto& h = header.get_object();
    std::string seen_alg;
    if (const auto* alg = h.if_contains("alg"); alg && alg->is_string())
        seen_alg = sanitize(alg->get_string());
    if (const auto* kid = h.if_contains("kid")) {
        if (!kid->is_string()) {
            auto e = malformed("kid is not a string");
            e.algorithm = seen_alg;
            return e;
        }
        parsed.kid = std::string(kid->get_string().data(), kid->get_string().size());
    }
    const auto* alg_value = h.if_contains("alg");
    const auto alg = alg_value && alg_value->is_string()
                         ? parse_algorithm(std::string_view(alg_value->get_string().data(),
                                                            alg_value->get_string().size()))
                         : std::nullopt;
    if (!alg || !policy.allowed[static_cast<std::size_t>(*alg)]) {
        token_error e =
            make_token_error(token_errc::algorithm_not_allowed, alg_value ? "alg is not allowed" : "no alg");
        e.algorithm = seen_alg;
        if (parsed.kid)
            e.key_id = sanitize(*parsed.kid);
        return e;
    }
    parsed.algorithm = *alg;
    if (h.contains("crit"))
        return make_token_error(token_errc::unsupported_critical_header, "crit is not supported", &parsed);
    parsed.signing_input = token.substr(0, dot2);
    parsed.payload_segment = payload_segment;
    return parsed;
}

verify_result check_claims(parsed_token& token, const claim_policy& policy, std::int64_t now,
                           const std::function<void(std::string_view)>& note)
{
    const auto fail = [&](token_errc code, std::string detail) -> verify_result {
        return make_token_error(code, std::move(detail), &token);
    };
    auto& claims = token.claims->get_object();

    const auto* iss = claims.if_contains("iss");
    if (!iss || !iss->is_string() || iss->get_string() != policy.issuer)
        return fail(token_errc::issuer_invalid, "iss is not the expected issuer");
    const auto* exp = claims.if_contains("exp");
    if (!exp || !exp->is_number())
        return fail(token_errc::claims_invalid, "exp is missing or not a number");
    if (compare(*exp, now - policy.leeway_seconds) <= 0)
        return fail(token_errc::token_expired, "token expired");
    const auto* nbf = claims.if_contains("nbf");
    if (nbf && !nbf->is_number())
        return fail(token_errc::claims_invalid, "nbf is not a number");
    if (nbf && compare(*nbf, now + policy.leeway_seconds) > 0)
        return fail(token_errc::token_not_yet_valid, "token not valid yet (nbf)");
    const auto* iat = claims.if_contains("iat");
    if (iat && !iat->is_number())
        return fail(token_errc::claims_invalid, "iat is not a number");
    auto user = read_id(claims.if_contains("sub"), "sub", {});
    if (!user)
        return fail(token_errc::not_a_session_token, "no sub: not a session token");
    if (policy.audience) {
        bool match = false;
        if (const auto* aud = claims.if_contains("aud")) {
            if (const auto* s = aud->if_string())
                match = *s == *policy.audience;
            else if (const auto* a = aud->if_array())
                for (const auto& item : *a)
                    match = match || (item.is_string() && item.get_string() == *policy.audience);
        }
        if (!match)
            return fail(token_errc::audience_invalid, "aud does not name the configured audience");
    }
    auto session_id = read_id(claims.if_contains("sid"), "sid", note);
    if (!session_id)
        session_id = read_id(claims.if_contains("sess"), "sess", note);
    if (policy.require_sid && !session_id)
        return fail(token_errc::claims_invalid, "no sid or sess");

    const auto* nested = claims.if_contains("permissions");
    const auto* nested_object = nested ? nested->if_object() : nullptr;
    const auto permissions = [&](std::string_view flat, std::string_view scope) {
        const auto* v = claims.if_contains(flat);
        if (v && v->is_array())
            return read_permissions(v);
        return read_permissions(nested_object ? nested_object->if_contains(scope) : nullptr);
    };
    // Built in one piece so that raw_claims is move-constructed: it keeps the claims' own storage (a
    // move assignment across storages would copy every member).
    return verified_session{
        .user_id = std::move(*user),
        .session_id = std::move(session_id),
        .organization_id = read_id(claims.if_contains("organization"), "organization", note),
        .workspace_id = read_id(claims.if_contains("workspace"), "workspace", note),
        .organization_permissions = permissions("organization_permissions", "organization"),
        .workspace_permissions = permissions("workspace_permissions", "workspace"),
        .expires_at = as_double(*exp),
        .issued_at = iat ? std::optional<double>(as_double(*iat)) : std::nullopt,
        .not_before = nbf ? std::optional<double>(as_double(*nbf)) : std::nullopt,
        .issuer = std::string(iss->get_string().data(), iss->get_string().size()),
        .algorithm = token.algorithm,
        .key_id = std::move(token.kid),
        .raw_claims = json::object(std::move(claims)),
    };
}

} // namespace wacht::detail
