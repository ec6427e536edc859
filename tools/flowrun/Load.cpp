// Load.cpp — .flowc through Reader+Verifier (with a version check first, so
// a newer file gets "format vN" rather than a generic corruption message),
// .flow through the compiler with the embedded standard library.
#include "Load.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "Commands.h"
#include "flow/bytecode/Format.h"
#include "flow/bytecode/Reader.h"
#include "flow/compiler/Compiler.h"
#include "flow/stdlib/StdSources.h"

namespace flowrun {

namespace {
bool endsWith(const std::string& s, const char* suffix) {
    std::string x(suffix);
    return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

LoadOutcome loadFlowc(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "flowrun: error: cannot read '%s'\n", path.c_str());
        return {std::nullopt, kBadInput};
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    using namespace flow::bytecode;
    if (auto v = peekFormatVersion(bytes);
        v && (*v > kFormatVersionMax || *v < kFormatVersionMin)) {
        std::fprintf(stderr,
                     "flowrun: error: '%s' is bytecode format v%u; this flowrun reads v%u..v%u "
                     "(recompile it with this version's flowc)\n",
                     path.c_str(), *v, kFormatVersionMin, kFormatVersionMax);
        return {std::nullopt, kBadInput};
    }
    LoadResult r = readModule(bytes);
    if (!r.ok()) {
        std::fprintf(stderr, "flowrun: error: cannot load '%s': %s\n", path.c_str(),
                     r.error.str().c_str());
        return {std::nullopt, kBadInput};
    }
    return {std::move(r.module), kOk};
}

LoadOutcome loadFlow(const std::string& path, std::function<void(std::string_view)> sink) {
    using namespace flow::compiler;
    CompileOptions opts;
    opts.stdSource = [](const std::string& name) -> std::optional<std::string> {
        if (const auto* s = flow::stdlib::findStdSource(name)) return std::string(s->text);
        return std::nullopt;
    };
    auto c = compileFile(path, opts, std::move(sink));
    if (c->sources.fileCount() == 0) return {std::nullopt, kBadInput}; // unreadable (reported)
    if (!c->ok() || !c->module) return {std::nullopt, kProgramFailed};
    return {std::move(c->module), kOk};
}
} // namespace

LoadOutcome loadProgram(const std::string& path, std::function<void(std::string_view)> diagSink) {
    if (endsWith(path, ".flowc")) return loadFlowc(path);
    return loadFlow(path, std::move(diagSink));
}

} // namespace flowrun
