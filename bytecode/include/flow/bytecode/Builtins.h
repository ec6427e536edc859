#pragma once
// Builtins.h — the builtin globals (Builtins.def) as an enum and a table.
#include <cstdint>
#include <string_view>

namespace flow::bytecode {

enum class BuiltinCategory : uint8_t { BC_VALUE, BC_OBJECT, BC_FUNCTION, BC_CTOR, BC_WAIT, BC_FLOW, BC_TEST };

enum class Builtin : uint16_t {
#define FLOW_BUILTIN(Name, Cat, Doc) Name,
#include "flow/bytecode/Builtins.def"
#undef FLOW_BUILTIN
};

inline constexpr unsigned kBuiltinCount = 0
#define FLOW_BUILTIN(Name, Cat, Doc) +1
#include "flow/bytecode/Builtins.def"
#undef FLOW_BUILTIN
    ;

struct BuiltinInfo {
    std::string_view name;
    BuiltinCategory category;
    std::string_view doc;
};

const BuiltinInfo& builtinInfo(Builtin b);
// The builtin with this global name, or -1.
int findBuiltin(std::string_view name);

} // namespace flow::bytecode
