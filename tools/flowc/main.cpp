// flowc — MINIMAL (owner: infra/CLI helper replaces it with the full CLI).
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "flow/bytecode/Disassembler.h"
#include "flow/bytecode/Writer.h"
#include "flow/compiler/Compiler.h"

int main(int argc, char** argv) {
    using namespace flow::compiler;
    std::string input, output, emit;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-o") && i + 1 < argc) output = argv[++i];
        else if (!std::strncmp(argv[i], "--emit=", 7)) emit = argv[i] + 7;
        else input = argv[i];
    }
    if (input.empty()) {
        std::fprintf(stderr, "usage: flowc FILE.flow [-o OUT.flowc] [--emit=ast|ir]\n");
        return 2;
    }
    CompileOptions opts;
    if (emit == "ast") opts.stopAfter = Stage::Parse;
    auto c = compileFile(input, opts);
    if (!c->ok()) return 1;
    if (emit == "ast") {
        for (auto& f : c->files) std::fputs(dumpAst(*f, c->sources).c_str(), stdout);
        return 0;
    }
    if (emit == "ir") {
        std::fputs(flow::bytecode::disassemble(*c->module).c_str(), stdout);
        return 0;
    }
    auto bytes = flow::bytecode::writeModule(*c->module);
    std::ofstream out(output.empty() ? "a.flowc" : output, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return 0;
}
