// Builtins.cpp — the builtin table, generated from Builtins.def.
#include "flow/bytecode/Builtins.h"

namespace flow::bytecode {

namespace {
constexpr BuiltinInfo kBuiltins[] = {
#define FLOW_BUILTIN(Name, Cat, Doc) {#Name, BuiltinCategory::Cat, Doc},
#include "flow/bytecode/Builtins.def"
#undef FLOW_BUILTIN
};
} // namespace

const BuiltinInfo& builtinInfo(Builtin b) { return kBuiltins[static_cast<size_t>(b)]; }

int findBuiltin(std::string_view name) {
    for (unsigned i = 0; i < kBuiltinCount; ++i)
        if (kBuiltins[i].name == name) return int(i);
    return -1;
}

} // namespace flow::bytecode
