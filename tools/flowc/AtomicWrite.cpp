// AtomicWrite.cpp — temporary file + fsync + rename (see AtomicWrite.h).
#include "AtomicWrite.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flowc {

namespace {

std::string errnoText() {
    return std::strerror(errno);
}

bool writeAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        bytes.remove_prefix(size_t(n));
    }
    return true;
}

} // namespace

std::string writeFileAtomically(const std::string& path, std::string_view bytes) {
    namespace fs = std::filesystem;
    // Refuse a directory target up front: rename() would fail anyway, but
    // with a less helpful message.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return "it is a directory";

    fs::path target(path);
    std::string tmp =
        (target.parent_path() / (target.filename().string() + ".tmp." + std::to_string(::getpid())))
            .string();
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return errnoText();
    std::string err;
    if (!writeAll(fd, bytes) || ::fsync(fd) != 0) err = errnoText();
    if (::close(fd) != 0 && err.empty()) err = errnoText();
    if (err.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) err = errnoText();
    if (!err.empty()) {
        ::unlink(tmp.c_str());
        return err;
    }
    // Make the rename itself durable (best effort: some file systems refuse
    // to fsync a directory, which does not make the output wrong).
    std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
    return "";
}

} // namespace flowc
