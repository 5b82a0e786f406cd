// SPDX-License-Identifier: BSL-1.0
// Invitations and the waitlist (E29 to E33).
#include "store.hpp"

namespace wacht::emulator {

wacht::invitation api::state::invitation_model(const invitation_row& i)
{
    return {id_text(i.id),   i.created_at, i.updated_at, id_text(deployment_id), i.first_name, i.last_name,
            i.email_address, i.token,      i.expiry};
}

wacht::waitlist_user api::state::waitlist_model(const waitlist_row& w)
{
    return {id_text(w.id),   w.created_at, w.updated_at, id_text(deployment_id),
            w.email_address, w.first_name, w.last_name};
}

http_response api::state::list_invitations(const query_map& query)
{
    return paged_list(
        query, {"created_at", "email"}, invitations,
        [](const invitation_row& i, std::string_view key) -> std::optional<sort_value> {
            return key == "email" ? sort_value(i.email_address) : sort_time(i.created_at);
        },
        [](const invitation_row& i, const std::string& pattern) {
            return like_match(to_lower(i.first_name), pattern) ||
                   like_match(to_lower(i.last_name), pattern) ||
                   like_match(to_lower(i.email_address), pattern);
        },
        [](const invitation_row& i) { return invitation_model(i); });
}

// Inserts an invitation; the response's timestamps are "now" with nanoseconds.
http_response api::state::create_invitation(std::string first_name, std::string last_name, std::string email,
                                            std::int64_t expiry_days)
{
    const auto now = clock_now();
    // chrono panics (and the connection drops) past its range of about +-262,000 years.
    if (expiry_days > 95'000'000 || expiry_days < -95'000'000)
        return {500, "application/json", "", true};
    const auto expiry = now + std::chrono::days(expiry_days);
    const auto id = new_id();
    invitation_row row{id,
                       db_time(now),
                       db_time(now),
                       std::move(first_name),
                       std::move(last_name),
                       std::move(email),
                       "dep." + random_text("0123456789abcdef", 64),
                       db_time(expiry)};
    invitations[id] = row;
    row.created_at = row.updated_at = now;
    row.expiry = expiry;
    return model_response(invitation_model(row));
}

http_response api::state::invite(const http_request& request)
{
    body_fields body(request);
    auto first_name = body.required_string("first_name");
    auto last_name = body.required_string("last_name");
    auto email = body.required_string("email_address");
    const auto days = body.optional_int("expiry_days").value_or(7);
    if (auto rejected = body.rejected())
        return *rejected;
    std::lock_guard lock(mutex); // no validation of any kind, duplicates included
    return create_invitation(std::move(first_name), std::move(last_name), std::move(email), days);
}

http_response api::state::delete_invitation(id_type invitation_id)
{
    std::lock_guard lock(mutex);
    if (invitations.erase(invitation_id) == 0)
        return error_response(404, "Invitation not found");
    return empty_success();
}

http_response api::state::list_waitlist(const query_map& query)
{
    return paged_list(
        query, {"created_at", "email"}, waitlist,
        [](const waitlist_row& w, std::string_view key) -> std::optional<sort_value> {
            return key == "email" ? sort_value(w.email_address) : sort_time(w.created_at);
        },
        [](const waitlist_row& w, const std::string& pattern) {
            return like_match(to_lower(w.first_name.value_or("")), pattern) ||
                   like_match(to_lower(w.last_name.value_or("")), pattern) ||
                   like_match(to_lower(w.email_address), pattern);
        },
        [](const waitlist_row& w) { return waitlist_model(w); });
}

http_response api::state::approve_waitlist_user(id_type waitlist_id)
{
    std::lock_guard lock(mutex);
    auto it = waitlist.find(waitlist_id);
    if (it == waitlist.end())
        return error_response(404, "Waitlist user not found");
    auto entry = std::move(it->second);
    waitlist.erase(it); // in the same transaction as the invitation
    return create_invitation(entry.first_name.value_or(""), entry.last_name.value_or(""),
                             std::move(entry.email_address), 7);
}

} // namespace wacht::emulator
