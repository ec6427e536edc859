// ServerSockets.h — what `flowrun serve` needs of its listening socket and
// its connections that cpp-httplib 0.11 (Debian 12's, a compiled library)
// does not offer: an exclusive port, a real listen backlog, and closing idle
// keep-alive connections at shutdown.
#pragma once

namespace flowrun {

// The listening socket's options (cpp-httplib's socket_options hook, applied
// before bind): SO_REUSEADDR only. The library's default is SO_REUSEPORT,
// which let a second `flowrun serve` bind the same port and have the kernel
// split the clients between two servers (and two databases).
void exclusiveListenOptions(int fd);

// The library listens with a backlog of 5; a burst of clients connecting at
// once queues in the kernel instead: listen() again with the system maximum
// (Linux updates the backlog of a listening socket).
void widenBacklog(int fd);

// After the listening socket is closed: shuts down the read side of every
// accepted connection on `port` still open in this process, so that a
// connection idle in keep-alive ends at once instead of holding shutdown for
// the keep-alive timeout; a request being answered still gets its response.
// Returns how many connections it reached.
int endIdleConnections(int port);

} // namespace flowrun
