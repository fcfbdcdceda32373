// A small HTTP/1.0 server over the library OS's sockets, for the net scenarios: GET / answers a
// short page, GET /big a 1 MiB body whose bytes follow from their position (big_byte; the host
// script computes the same bytes and compares sha256), GET /quit answers and ends serve().
// One connection at a time, in the order accepted; the rest wait in the listen backlog.
#pragma once

#include <exos/console.h>
#include <exos/socket.h>

namespace http_serve {

inline constexpr uint64_t kBigBytes = 1024 * 1024;

// Byte i of /big; tests/qemu/net_clients.py has the same formula.
inline uint8_t big_byte(uint64_t i) {
    return static_cast<uint8_t>((i * 131 + (i >> 10) * 7 + 13) & 0xff);
}

struct Totals {
    uint64_t requests;
    uint64_t bytes;
    uint64_t failed;  // connections that ended in an error
};

namespace detail {

inline bool starts_with(const char* text, const char* prefix) {
    for (; *prefix != 0; ++text, ++prefix) {
        if (*text != *prefix) return false;
    }
    return true;
}

inline size_t length_of(const char* text) {
    size_t length = 0;
    while (text[length] != 0) ++length;
    return length;
}

inline long last_send = 0;  // the last send's result, for the console when one fails

inline bool send_all(int socket, const void* data, size_t length) {
    last_send = exos::net::send(socket, data, length);
    return last_send == long(length);
}

inline bool send_header(int socket, const char* status, uint64_t length) {
    char header[160];
    int used = 0;
    auto append = [&](const char* text) {
        while (*text != 0 && used < int(sizeof(header)) - 1) header[used++] = *text++;
    };
    append("HTTP/1.0 ");
    append(status);
    append("\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n"
           "Content-Length: ");
    char digits[24];
    int count = 0;
    do {
        digits[count++] = char('0' + length % 10);
        length /= 10;
    } while (length != 0);
    while (count > 0 && used < int(sizeof(header)) - 1) header[used++] = digits[--count];
    append("\r\n\r\n");
    return send_all(socket, header, size_t(used));
}

inline uint8_t chunk[16384];

// Serves one connection; true when it asked to quit.
inline bool serve_one(const char* name, int connection, Totals& totals) {
    namespace net = exos::net;
    (void)net::set_timeout(connection, 10000);
    char request[2048];
    size_t have = 0;
    bool complete = false;
    long got = 0;
    while (!complete && have < sizeof(request) - 1) {
        got = net::recv(connection, request + have, sizeof(request) - 1 - have);
        if (got <= 0) break;
        have += size_t(got);
        request[have] = 0;
        for (size_t i = 3; i < have; ++i) {
            if (request[i - 3] == '\r' && request[i - 2] == '\n' && request[i - 1] == '\r' &&
                request[i] == '\n') {
                complete = true;
            }
        }
    }
    request[have] = 0;
    if (!complete) {
        exos::printf("%s: a request cut short after %lu bytes: %s\n", name, have,
                     got == 0 ? "the peer closed" : net::error_name(got));
        ++totals.failed;
        return false;
    }
    ++totals.requests;
    bool ok = true, quit = false;
    if (starts_with(request, "GET /big ")) {
        ok = send_header(connection, "200 OK", kBigBytes);
        for (uint64_t sent = 0; ok && sent < kBigBytes; sent += sizeof(chunk)) {
            for (uint64_t i = 0; i < sizeof(chunk); ++i) chunk[i] = big_byte(sent + i);
            ok = send_all(connection, chunk, sizeof(chunk));
        }
        if (ok) totals.bytes += kBigBytes;
    } else if (starts_with(request, "GET / ") || starts_with(request, "GET /quit ")) {
        quit = starts_with(request, "GET /quit ");
        const char* body = quit ? "bye\n" : "hello from an exos environment\n";
        ok = send_header(connection, "200 OK", length_of(body)) &&
             send_all(connection, body, length_of(body));
    } else {
        const char* body = "not found\n";
        ok = send_header(connection, "404 Not Found", length_of(body)) &&
             send_all(connection, body, length_of(body));
    }
    if (!ok) {
        char line[24];
        size_t length = 0;
        for (; length < sizeof(line) - 1 && request[length] >= ' '; ++length) {
            line[length] = request[length];
        }
        line[length] = 0;
        exos::printf("%s: answering '%s': send %s\n", name, line,
                     last_send < 0 ? exos::net::error_name(last_send) : "cut short");
        ++totals.failed;
    }
    return quit;
}

}  // namespace detail

// Listens on `port` and serves until GET /quit; the totals. Prints "<name>: listening on tcp
// <port>" once it listens (the host script waits for that line).
inline Totals serve(const char* name, uint16_t port) {
    namespace net = exos::net;
    Totals totals{};
    int listener = net::socket(net::SocketType::Stream);
    int result = listener < 0 ? listener : net::bind(listener, {0, port});
    if (result == 0) result = net::listen(listener, 64);
    if (result != 0) {
        exos::printf("%s: listen on tcp %u: %s\n", name, port, net::error_name(result));
        ++totals.failed;
        return totals;
    }
    exos::printf("%s: listening on tcp %u\n", name, port);
    for (;;) {
        net::SocketAddress peer{};
        int connection = net::accept(listener, &peer);
        if (connection < 0) {
            exos::printf("%s: accept: %s\n", name, net::error_name(connection));
            ++totals.failed;
            break;
        }
        bool quit = detail::serve_one(name, connection, totals);
        (void)net::close(connection);
        if (quit) break;
    }
    // The last answer and FIN go out while we still run the stack.
    for (int i = 0; i < 50; ++i) exos::net_interface().wait(10);
    (void)net::close(listener);
    exos::printf("%s: %lu requests, %lu bytes of /big, %lu failed\n", name, totals.requests,
                 totals.bytes, totals.failed);
    return totals;
}

}  // namespace http_serve
