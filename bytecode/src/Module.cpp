// Module.cpp — the Module helpers: string interning for the compiler and the
// printable content hash.
#include "flow/bytecode/Module.h"

namespace flow::bytecode {

uint32_t Module::intern(const std::string& s) {
    // The index is rebuilt when `strings` was filled directly (the Reader and
    // tests do that), so interning stays correct whoever built the table.
    if (internIndex_.size() != strings.size()) {
        internIndex_.clear();
        for (uint32_t i = 0; i < strings.size(); ++i)
            internIndex_.emplace(strings[i], i);
    }
    auto [it, inserted] = internIndex_.emplace(s, uint32_t(strings.size()));
    if (inserted) strings.push_back(s);
    return it->second;
}

std::string Module::hashHex() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    out.reserve(7 + 64);
    for (uint8_t b : hash) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

const char* functionKindName(FunctionKind k) {
    switch (k) {
    case FunctionKind::Init:
        return "init";
    case FunctionKind::Function:
        return "function";
    case FunctionKind::Arrow:
        return "arrow";
    case FunctionKind::Method:
        return "method";
    case FunctionKind::Workflow:
        return "workflow";
    case FunctionKind::Trigger:
        return "trigger";
    case FunctionKind::Test:
        return "test";
    }
    return "?";
}

} // namespace flow::bytecode
