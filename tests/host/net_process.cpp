// The stack-per-process harness (net_process.h).
#include "net_process.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>

namespace nettest {

namespace {

void write_line(int descriptor, const char* format, va_list arguments) {
    char line[512];
    int length = vsnprintf(line, sizeof(line) - 1, format, arguments);
    if (length < 0) return;
    if (length > static_cast<int>(sizeof(line)) - 2) length = sizeof(line) - 2;
    line[length++] = '\n';
    (void)!write(descriptor, line, static_cast<size_t>(length));
}

}  // namespace

void Report::note(const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    write_line(descriptor_, format, arguments);
    va_end(arguments);
}

bool Report::check(bool ok, const char* format, ...) {
    if (ok) return true;
    ++failures_;
    va_list arguments;
    va_start(arguments, format);
    write_line(descriptor_, format, arguments);
    va_end(arguments);
    return false;
}

Child spawn(StackProgram program, int descriptor, int other, exos::MacAddress mac,
            unsigned seconds) {
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0) return {-1, -1};
    fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        ::close(pipe_ends[0]);
        if (other >= 0) ::close(other);
        alarm(seconds);
        static HostLink* link;  // the child's one stack: static, as lwIP's own state is
        link = new HostLink(descriptor, mac);
        Report report(pipe_ends[1]);
        program(*link, report);
        _exit(report.failures() > 100 ? 100 : report.failures());
    }
    ::close(pipe_ends[1]);
    return {pid, pipe_ends[0]};
}

std::string finish(Child child, int* status) {
    std::string text;
    char buffer[1024];
    for (;;) {
        ssize_t length = read(child.report, buffer, sizeof(buffer));
        if (length <= 0) break;
        text.append(buffer, static_cast<size_t>(length));
    }
    ::close(child.report);
    int raw = 0;
    if (waitpid(child.pid, &raw, 0) != child.pid) {
        *status = -1;
    } else if (WIFEXITED(raw)) {
        *status = WEXITSTATUS(raw);
    } else {
        *status = 128 + WTERMSIG(raw);
    }
    return text;
}

bool start_stack(HostLink& link, Report& report, uint32_t address) {
    exos::NetConfig config;
    config.address = address;
    config.gateway = exos::ipv4(10, 0, 2, 2);
    abi::Error error = exos::net_interface().start(link, config);
    return report.check(error == abi::Error::Ok, "start: error %d", static_cast<int>(error));
}

}  // namespace nettest
