#pragma once
// VerifierDetail.h — private to flow_bytecode: the verifier entry point that
// also says which function failed, so the Reader can report the byte offset
// of that function's record instead of a vague "somewhere in the file".
#include <optional>

#include "flow/bytecode/Verifier.h"

namespace flow::bytecode::detail {

// As verifyModule; on a per-function failure *badFunction is its index, else -1.
std::optional<VerifyError> verifyModuleDetailed(const Module& m, long* badFunction);

} // namespace flow::bytecode::detail
