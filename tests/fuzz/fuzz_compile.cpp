// fuzz_compile — libFuzzer target: the whole compiler pipeline on arbitrary
// text must end in diagnostics or a module, never a crash. A module it does
// produce must pass the bytecode verifier (a compiler bug otherwise).
#include <cstdlib>
#include <string>

#include "flow/bytecode/Verifier.h"
#include "flow/compiler/Compiler.h"

using namespace flow;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    compiler::CompileOptions opts;
    std::string text(reinterpret_cast<const char*>(data), size);
    auto c = compiler::compileSource("fuzz.flow", std::move(text), opts,
                                     [](std::string_view) {}); // diagnostics: discarded
    if (c->ok() && c->module && bytecode::verifyModule(*c->module)) std::abort();
    return 0;
}
