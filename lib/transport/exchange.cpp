// SPDX-License-Identifier: BSL-1.0
// The HTTP exchange: the request head written in place, the response read with a field-less Beast
// parser, 1xx responses skipped, and the leftover-byte check that keeps an out-of-step connection out
// of the pool. The only translation unit that instantiates Beast's HTTP parser and the TLS reads/writes.
#include "transport/exchange.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/verb.hpp>

#include <charconv>

namespace wacht::detail::net {
namespace {

namespace http = beast::http;

// Reads a response without storing its header fields: the status, keep-alive and Retry-After are
// all the SDK uses. A 2xx body goes straight into the model parser; any other body is kept as text
// for the error.
class response_reader final : public http::basic_parser<false>
{
public:
    /// With `timed`, notes when the response head was parsed and the time spent decoding the body.
    response_reader(exchange_outcome& outcome, model_parser& json, const slot* model, bool timed)
        : outcome_(outcome), json_(json), model_(model), timed_(timed)
    {}

    /// When the (last) response head was parsed; set only when timed.
    clock_type::time_point head_at() const { return head_at_; }

private:
    void on_request_impl(http::verb, beast::string_view, beast::string_view, int, error_code&) override {}

    void on_response_impl(int code, beast::string_view, int, error_code&) override
    {
        if (timed_)
            head_at_ = clock_type::now();
        outcome_.status = code;
        decoding_ = model_ && code >= 200 && code < 300;
        if (decoding_)
            json_.begin(*model_);
    }

    void on_field_impl(http::field name, beast::string_view, beast::string_view value, error_code&) override
    {
        if (name != http::field::retry_after)
            return;
        std::uint32_t seconds = 0;
        if (std::from_chars(value.data(), value.data() + value.size(), seconds).ec == std::errc{})
            outcome_.retry_after_header = std::chrono::seconds(seconds);
    }

    void on_header_impl(error_code&) override {}

    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override
    {
        if (!decoding_ && length)
            outcome_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, 1 << 20)));
    }

    std::size_t on_body_impl(beast::string_view body, error_code&) override
    {
        consume(body);
        return body.size();
    }

    void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}

    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override
    {
        consume(body);
        return body.size();
    }

    void on_finish_impl(error_code&) override
    {
        if (!decoding_)
            return;
        if (decode_ok_)
            decode_ok_ = timed([&] { return json_.finish(); });
        if (!decode_ok_) {
            outcome_.decode_error = json_.error();
            outcome_.body_head = json_.head();
        }
    }

    void consume(std::string_view body)
    {
        if (!decoding_)
            outcome_.body.append(body.data(), body.size());
        else if (decode_ok_)
            decode_ok_ = timed([&] { return json_.write(body); }); // after a failure the rest is dropped
    }

    // Runs a step of the model parser, adding its time to the decode phase when timed.
    template <class Step>
    bool timed(Step step)
    {
        if (!timed_)
            return step();
        const auto start = clock_type::now();
        const bool ok = step();
        outcome_.timings.decode += clock_type::now() - start;
        return ok;
    }

    exchange_outcome& outcome_;
    model_parser& json_;
    const slot* model_;
    bool timed_ = false;
    clock_type::time_point head_at_{};
    bool decoding_ = false;
    bool decode_ok_ = true;
};

http::verb to_verb(http_method m)
{
    switch (m) {
    case http_method::get:
        return http::verb::get;
    case http_method::post:
        return http::verb::post;
    case http_method::patch:
        return http::verb::patch;
    case http_method::delete_:
        return http::verb::delete_;
    }
    return http::verb::get;
}

// A small body travels in the same TLS record as the headers.
constexpr std::size_t small_body_size = 8 * 1024;

} // namespace

asio::awaitable<bool> exchanger::run(connection& conn, const request_spec& spec, std::string_view request_id,
                                     const slot* model, clock_type::time_point deadline,
                                     exchange_outcome& outcome) const
{
    bool keep_alive = false;
    write_head(conn.request_head, spec, request_id);
    if (conn.secure)
        co_await exchange_on(*conn.secure, conn, spec, model, deadline, outcome, keep_alive);
    else
        co_await exchange_on(*conn.plain, conn, spec, model, deadline, outcome, keep_alive);
    conn.trim_buffers();
    // Bytes after a complete response (plaintext, or ciphertext OpenSSL has not read) mean the
    // stream is out of step: a late or unsolicited response. Never reuse it. Bytes that arrive
    // later, while it is idle, are seen by the pool before it hands the connection out.
    if (conn.buffer.size() != 0 || (conn.secure && conn.secure->has_unread_input()))
        keep_alive = false;
    co_return !outcome.code && keep_alive;
}

// The request line and headers, written into the connection's reused buffer. Every piece is
// already checked: targets are percent-encoded and header values were validated with the options.
void exchanger::write_head(std::string& out, const request_spec& spec, std::string_view request_id) const
{
    out.clear();
    out += http::to_string(to_verb(spec.method));
    out += ' ';
    out += origin_.path_prefix;
    out += spec.target;
    out += " HTTP/1.1\r\nHost: ";
    out += origin_.host_header;
    if (!headers_.authorization.empty()) { // empty for anonymous clients
        out += "\r\nAuthorization: ";
        out += headers_.authorization;
    }
    out += "\r\nUser-Agent: ";
    out += headers_.user_agent;
    out += "\r\nAccept: application/json\r\nX-Request-Id: ";
    out += request_id;
    out += spec.extra_headers ? *spec.extra_headers : headers_.defaults; // checked when they were set
    if (!spec.content_type.empty()) {
        out += "\r\nContent-Type: ";
        out += spec.content_type;
    }
    if (!spec.content_type.empty() || spec.method != http_method::get) {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, spec.body.size()).ptr;
        out += "\r\nContent-Length: ";
        out.append(digits, end);
    }
    out += "\r\n\r\n";
    if (spec.body.size() <= small_body_size)
        out += spec.body;
}

template <class Stream>
asio::awaitable<void> exchanger::exchange_on(Stream& stream, connection& conn, const request_spec& spec,
                                             const slot* model, clock_type::time_point deadline,
                                             exchange_outcome& outcome, bool& keep_alive) const
{
    // Phases are timed for the events only when the pipeline asks (an observer is attached).
    const auto write_started = spec.timed ? clock_type::now() : clock_type::time_point{};
    auto [write_limit, write_deadline_bound] = phase_limit(options_.timeouts.write, deadline);
    conn.arm(write_limit);
    // From here on the request may reach the server, even if the write fails part-way.
    outcome.request_sent = true;
    // A large body follows in a write of its own: one buffer per write (a two-buffer write through
    // beast::ssl_stream left the oversized-upload test waiting for the body).
    auto [write_ec, written] =
        co_await asio::async_write(stream, asio::buffer(conn.request_head), nothrow_awaitable);
    outcome.bytes_sent = written;
    if (!write_ec && spec.body.size() > small_body_size) {
        std::tie(write_ec, written) =
            co_await asio::async_write(stream, asio::buffer(spec.body), nothrow_awaitable);
        outcome.bytes_sent += written;
    }
    const auto write_ended = spec.timed ? clock_type::now() : clock_type::time_point{};
    outcome.timings.write = write_ended - write_started;
    if (conn.disarm()) // the socket is shut down, even if the write got through
        write_ec = asio::error::timed_out;
    if (write_ec) {
        outcome.code = phase_error(write_ec, errc::write_failed, errc::write_timeout, write_deadline_bound);
        outcome.cause = write_ec;
        co_return;
    }

    auto [read_limit, read_deadline_bound] = phase_limit(options_.timeouts.read, deadline);
    conn.arm(read_limit);
    error_code read_ec;
    for (;;) {
        response_reader reader(outcome, conn.json, model, spec.timed);
        reader.body_limit(options_.max_response_body);
        reader.header_limit(static_cast<std::uint32_t>(options_.max_response_header));
        const auto buffered_before = conn.buffer.size();
        std::size_t read = 0;
        std::tie(read_ec, read) = co_await http::async_read(stream, conn.buffer, reader, nothrow_awaitable);
        outcome.bytes_received += read;
        if (spec.timed && reader.head_at() != clock_type::time_point{}) {
            outcome.timings.first_byte = reader.head_at() - write_ended;
            outcome.timings.read = clock_type::now() - reader.head_at();
        }
        outcome.response_started |= read > 0 || conn.buffer.size() > buffered_before || reader.got_some();
        keep_alive = !read_ec && reader.keep_alive(); // (Beast asserts on a header not read)
        // 1xx interim responses (100 Continue, 103 Early Hints) come before the final one and are
        // skipped (RFC 9110 section 15.2); 101 would switch protocols, which no call asked for.
        if (read_ec || outcome.status < 100 || outcome.status > 199)
            break;
        if (outcome.status == 101) {
            outcome.code = errc::invalid_response;
            outcome.detail = "unexpected 101 Switching Protocols";
            outcome.status = 0;
            keep_alive = false;
            break;
        }
        outcome.retry_after_header.reset();
    }
    if (conn.disarm()) { // a complete response still counts; the shut-down socket does not
        keep_alive = false;
        if (read_ec)
            read_ec = asio::error::timed_out;
    }
    if (outcome.code)
        co_return;
    if (read_ec) {
        keep_alive = false;
        outcome.cause = read_ec;
        outcome.status = 0;
        if (read_ec == http::error::body_limit) {
            outcome.code = errc::body_limit_exceeded;
            outcome.detail = "limit " + std::to_string(options_.max_response_body) + " bytes";
        } else if (read_ec == http::error::end_of_stream || read_ec == http::error::partial_message) {
            outcome.code = errc::read_failed;
            outcome.detail = outcome.response_started ? "connection closed in the middle of the response"
                                                      : "connection closed before a response";
        } else if (read_ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
            outcome.code = errc::invalid_response;
            outcome.detail = "malformed response";
        } else {
            outcome.code = phase_error(read_ec, errc::read_failed, errc::read_timeout, read_deadline_bound);
        }
        co_return;
    }
}

asio::awaitable<tunnel_answer> ask_proxy(tcp::socket& socket, const std::string& request)
{
    tunnel_answer answer;
    auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(request), nothrow_awaitable);
    if (write_ec) {
        answer.failure = write_ec;
        co_return answer;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    parser.skip(true); // the answer to CONNECT has no body to wait for (RFC 9110 section 9.3.6)
    parser.header_limit(8 * 1024);
    auto [read_ec, read] = co_await http::async_read_header(socket, buffer, parser, nothrow_awaitable);
    if (read_ec) {
        answer.failure = read_ec;
        co_return answer;
    }
    answer.status = static_cast<int>(parser.get().result_int());
    answer.extra_bytes = buffer.size() != 0;
    co_return answer;
}

} // namespace wacht::detail::net
