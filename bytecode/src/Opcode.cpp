// Opcode.cpp — the OpInfo table, generated from Opcodes.def.
#include "flow/bytecode/Opcode.h"

namespace flow::bytecode {

namespace {
constexpr OpInfo kOpInfos[] = {
#define FLOW_OP(Name, Fmt, KA, KB, KC, KAux, Win, Flags, Syn, Doc) \
    {#Name, Format::Fmt, Kind::KA, Kind::KB, Kind::KC, Kind::KAux, Window::Win, Flags, Syn, Doc},
#include "flow/bytecode/Opcodes.def"
#undef FLOW_OP
};
static_assert(sizeof(kOpInfos) / sizeof(kOpInfos[0]) == kOpCount);
} // namespace

const OpInfo& opInfo(Op op) { return kOpInfos[static_cast<size_t>(op)]; }

} // namespace flow::bytecode
