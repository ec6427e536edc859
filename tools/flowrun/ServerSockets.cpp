// ServerSockets.cpp — see ServerSockets.h.
#include "ServerSockets.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace flowrun {

void exclusiveListenOptions(int fd) {
    int yes = 1;
    // SO_REUSEADDR: a restarted serve binds at once while the connections of
    // the previous one are in TIME_WAIT; an active listener still refuses it.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

void widenBacklog(int fd) {
    ::listen(fd, SOMAXCONN);
}

namespace {

// The local port of a connected (not listening) TCP socket, or -1.
int acceptedPort(int fd) {
    int listening = 0;
    socklen_t len = sizeof(listening);
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening) return -1;
    sockaddr_storage addr{};
    len = sizeof(addr);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
    if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    return -1;
}

} // namespace

int endIdleConnections(int port) {
    // cpp-httplib keeps its connections' descriptors to itself; this process's
    // descriptor table has them. Only sockets the server accepted have `port`
    // as their LOCAL port (an http task's connection to this very server has
    // an ephemeral one), and the listener is closed, so no new one appears.
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return 0;
    int reached = 0;
    while (dirent* e = ::readdir(dir)) {
        char* end = nullptr;
        long fd = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || fd == ::dirfd(dir)) continue;
        // The duplicate pins the socket: if another thread closes `fd` and
        // reuses the number meanwhile, what is checked is what is shut down.
        int pinned = ::fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, 0);
        if (pinned < 0) continue;
        // SHUT_RD: the connection's thread sees end-of-input when it next
        // waits for a request (cpp-httplib then closes it); a response being
        // written is unaffected.
        if (acceptedPort(pinned) == port && ::shutdown(pinned, SHUT_RD) == 0) ++reached;
        ::close(pinned);
    }
    ::closedir(dir);
    return reached;
}

} // namespace flowrun
