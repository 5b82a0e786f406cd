// SPDX-License-Identifier: BSL-1.0
// The SDK's TLS layer over a Beast stream: OpenSSL driven through a BIO over two plain buffers.
// Used by the transport (lib/transport/); the emulator serves TLS with Asio's ssl::stream instead. Heavy
// Asio/Beast templates: include it only from those translation units.
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/buffers_range.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace wacht::detail {

/// Which end of the TLS connection a stream is.
enum class tls_role
{
    client,
    server,
};

/// A TLS stream over a Beast basic_stream (`NextLayer`), for the pool and the emulator. OpenSSL reads
/// and writes ciphertext through a BIO whose callbacks use this stream's own two buffers, so a record
/// is copied once on each side, and an idle connection can hold no buffers at all: they may be lent for
/// an exchange and given back after it. (Asio's ssl::stream keeps about 68 KiB of fixed buffers per
/// connection, and goes through a BIO pair and several composed operations per record.)
/// Not thread-safe; one read and one write at a time, as Asio streams. Errors are Asio's ssl category
/// (the OpenSSL error queue), boost::asio::error::eof for a close_notify,
/// boost::asio::ssl::error::stream_truncated for a connection that ended without one, or the socket's own.
template <class NextLayer>
class basic_tls_stream
{
public:
    using executor_type = typename NextLayer::executor_type;
    using next_layer_type = NextLayer;

    /// `next_layer` constructs the NextLayer (an executor, or a connected socket). `context` must outlive
    /// the stream. Throws std::bad_alloc.
    template <class Arg>
    basic_tls_stream(Arg&& next_layer, SSL_CTX* context, tls_role role = tls_role::client)
        : tcp_(std::forward<Arg>(next_layer)), ssl_(SSL_new(context))
    {
        if (!ssl_)
            throw std::bad_alloc();
        BIO* bio = BIO_new(bio_method());
        if (!bio) {
            SSL_free(ssl_);
            throw std::bad_alloc();
        }
        BIO_set_data(bio, this);
        BIO_set_init(bio, 1);
        SSL_set_bio(ssl_, bio, bio); // the SSL owns the BIO
        if (role == tls_role::client)
            SSL_set_connect_state(ssl_);
        else
            SSL_set_accept_state(ssl_);
    }
    ~basic_tls_stream() { SSL_free(ssl_); }
    basic_tls_stream(const basic_tls_stream&) = delete;
    basic_tls_stream& operator=(const basic_tls_stream&) = delete;

    executor_type get_executor() { return tcp_.get_executor(); }
    NextLayer& next_layer() { return tcp_; }
    SSL* native_handle() { return ssl_; }

    /// Whether no ciphertext is pending in either direction, so the buffers may go.
    bool quiet() const { return in_begin_ == in_end_ && out_.empty(); }
    /// Whether anything received is not read yet: ciphertext OpenSSL has not taken, or plaintext it
    /// has decrypted and holds. After a complete HTTP response this means the peer said more.
    bool has_unread_input() const { return in_begin_ != in_end_ || SSL_pending(ssl_) > 0; }
    /// The ciphertext buffers, moved out when quiet (else left in place) and moved back in.
    void lend_buffers(std::vector<char>& in, std::string& out)
    {
        if (in_.empty())
            in_ = std::move(in);
        if (out_.capacity() == 0)
            out_ = std::move(out);
    }
    void return_buffers(std::vector<char>& in, std::string& out)
    {
        if (!quiet())
            return;
        in_begin_ = in_end_ = 0;
        in = std::move(in_);
        in_ = {};
        out = std::move(out_);
        out_ = {};
    }

    /// The handshake of the stream's role. Completes with (error_code, 0).
    template <class Token>
    auto async_handshake(Token&& token)
    {
        return start([](SSL* ssl, std::size_t&) { return SSL_do_handshake(ssl); }, token);
    }

    /// Sends a close_notify, without waiting for the peer's. Completes with (error_code, 0).
    template <class Token>
    auto async_shutdown(Token&& token)
    {
        return start([](SSL* ssl, std::size_t&) { return SSL_shutdown(ssl) >= 0 ? 1 : -1; }, token);
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token)
    {
        const auto buffer = boost::beast::buffers_front(buffers);
        return start(
            [buffer](SSL* ssl, std::size_t& got) {
                return buffer.size() == 0 ? 1 : SSL_read_ex(ssl, buffer.data(), buffer.size(), &got);
            },
            token);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token)
    {
        // The BIO takes every byte, so SSL_write never waits: the operation then sends the ciphertext.
        const auto buffer = boost::beast::buffers_front(buffers);
        return start(
            [buffer](SSL* ssl, std::size_t& written) {
                return buffer.size() == 0
                           ? 1
                           : SSL_write_ex(ssl, buffer.data(), std::min(buffer.size(), max_write), &written);
            },
            token);
    }

private:
    // Starts the operation that runs `call` (see ssl_op) to completion.
    template <class Call, class Token>
    auto start(Call call, Token& token)
    {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            ssl_op<Call>{*this, std::move(call)}, token, tcp_);
    }

    // Room for one whole TLS record (at most 16 KiB of plaintext plus 256 bytes) at first, grown up to
    // several records when a read fills it (a large response then comes off the socket in few reads).
    // Buffers move between connections with what they learnt, and most exchanges (small responses)
    // never touch the rest: 64 busy connections hold about 3 MiB less than with 64 KiB each.
    static constexpr std::size_t initial_input_size = 16 * 1024 + 512;
    static constexpr std::size_t input_size = 64 * 1024;
    // Plaintext taken by one write_some, so that the ciphertext buffer stays small for large bodies.
    static constexpr std::size_t max_write = 64 * 1024;

    static BIO_METHOD* bio_method()
    {
        static BIO_METHOD* method = [] {
            BIO_METHOD* m =
                BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "wacht basic_tls_stream");
            BIO_meth_set_write(m, [](BIO* b, const char* data, int size) {
                static_cast<basic_tls_stream*>(BIO_get_data(b))
                    ->out_.append(data, static_cast<std::size_t>(size));
                return size;
            });
            BIO_meth_set_read(m, [](BIO* b, char* data, int size) {
                auto& self = *static_cast<basic_tls_stream*>(BIO_get_data(b));
                BIO_clear_retry_flags(b);
                const auto n = std::min(static_cast<std::size_t>(size), self.in_end_ - self.in_begin_);
                if (n == 0) {
                    BIO_set_retry_read(b);
                    return -1;
                }
                std::memcpy(data, self.in_.data() + self.in_begin_, n);
                self.in_begin_ += n;
                return static_cast<int>(n);
            });
            BIO_meth_set_ctrl(
                m, [](BIO*, int command, long, void*) -> long { return command == BIO_CTRL_FLUSH ? 1 : 0; });
            return m;
        }();
        return method;
    }

    // The error of a failed SSL call: the OpenSSL error queue as Asio's ssl category, or end of stream.
    static boost::system::error_code ssl_failure(int result_code)
    {
        const unsigned long e = ERR_get_error();
        if (e != 0)
            return boost::system::error_code(static_cast<int>(e), boost::asio::error::get_ssl_category());
        if (result_code == SSL_ERROR_ZERO_RETURN)
            return boost::asio::error::eof; // close_notify
        return boost::asio::ssl::error::stream_truncated;
    }

    // Room after the pending ciphertext for one more read from the socket.
    boost::asio::mutable_buffer input_space()
    {
        if (in_.size() < initial_input_size)
            in_.resize(initial_input_size);
        if (in_begin_ == in_end_)
            in_begin_ = in_end_ = 0;
        else if (in_end_ == in_.size()) {
            std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
            in_end_ -= in_begin_;
            in_begin_ = 0;
        }
        return boost::asio::buffer(in_.data() + in_end_, in_.size() - in_end_);
    }

    // What to do after an SSL call that returned `result`: finished, flush ciphertext, read more.
    enum class next
    {
        done,
        flush,
        read,
        fail,
    };

    // A failure is read from OpenSSL at once (SSL_get_error and the error queue belong to the call just
    // made) and set in `ec` even when output is pending (an alert): that is flushed first, then the
    // operation fails with the saved reason rather than with how the connection ended afterwards.
    next after(int result, bool ok, boost::system::error_code& ec)
    {
        if (!ok) {
            const int code = SSL_get_error(ssl_, result);
            if (code != SSL_ERROR_WANT_READ)
                ec = ssl_failure(code);
        }
        if (!out_.empty())
            return next::flush; // always send what OpenSSL produced before anything else
        if (ok)
            return next::done;
        return ec ? next::fail : next::read;
    }

    // What an operation is waiting for on the socket, so that its completion can be accounted for.
    enum class pending
    {
        none,
        flush,
        fill,
    };

    // Runs an SSL call (the handshake, a read or a write) until it succeeds and what OpenSSL wrote is
    // sent; when it wants more input the socket is read.
    template <class Call>
    struct ssl_op
    {
        basic_tls_stream& s;
        Call call; // int(SSL*, std::size_t& transferred): 1 on success
        std::size_t transferred = 0;
        bool finished = false;
        pending waiting = pending::none;
        boost::system::error_code failure; // set when the alert that reports it is being flushed

        template <class Self>
        void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0)
        {
            if (failure)
                return self.complete(failure, 0);
            if (ec)
                return self.complete(ec, 0);
            s.settle(waiting, n);
            if (finished && s.out_.empty())
                return self.complete({}, transferred);
            // SSL_get_error needs an empty error queue; it almost always is, and checking is far cheaper
            // than OpenSSL 3's ERR_clear_error, which rewrites every slot of the queue.
            if (ERR_peek_error() != 0)
                ERR_clear_error();
            const int result = call(s.ssl_, transferred);
            finished = result == 1;
            switch (s.after(result, finished, ec)) {
            case next::done:
                return self.complete({}, transferred);
            case next::flush: // a handshake message, or a post-handshake reply: sent before anything else
                failure = ec;
                waiting = pending::flush;
                return s.flush(std::move(self));
            case next::read:
                waiting = pending::fill;
                return s.fill(std::move(self));
            case next::fail:
                return self.complete(ec, 0);
            }
        }
    };

    // A socket operation an operation waited for has completed: a flush empties the output buffer,
    // a fill extends the input.
    void settle(pending& waiting, std::size_t n)
    {
        if (waiting == pending::flush)
            out_.clear();
        else if (waiting == pending::fill) {
            in_end_ += n;
            if (in_end_ == in_.size() && in_.size() < input_size) // more is likely waiting
                in_.resize(std::min(in_.size() * 2, input_size));
        }
        waiting = pending::none;
    }

    // The caller sets its operation's `waiting` first: the operation moves with `self`.
    template <class Self>
    void flush(Self self)
    {
        boost::asio::async_write(tcp_, boost::asio::buffer(out_), std::move(self));
    }

    template <class Self>
    void fill(Self self)
    {
        tcp_.async_read_some(input_space(), std::move(self));
    }

    NextLayer tcp_;
    SSL* ssl_;
    std::vector<char> in_; // ciphertext received: [in_begin_, in_end_) not yet read by OpenSSL
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    std::string out_; // ciphertext OpenSSL wrote, not yet sent
};
} // namespace wacht::detail
