#pragma once
// AtomicWrite.h — write a whole file or nothing: the bytes go to a temporary
// file in the target's directory, are fsync'ed, then renamed over the target.
// A reader (or a build system) never sees a half-written .flowc, and a failure
// leaves no temporary behind.
#include <string>
#include <string_view>

namespace flowc {

// Returns "" on success, else the reason (strerror text).
std::string writeFileAtomically(const std::string& path, std::string_view bytes);

} // namespace flowc
