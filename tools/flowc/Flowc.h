#pragma once
// Flowc.h — what flowc does once its arguments are parsed.
#include "Options.h"

namespace flowc {

// Exit status: 0 success, 1 errors in the program, 2 usage or I/O error.
enum Exit { kOk = 0, kProgramError = 1, kUsageOrIo = 2 };

int run(const Options& opts);

} // namespace flowc
