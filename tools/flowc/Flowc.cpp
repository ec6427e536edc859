// Flowc.cpp — compile, then write bytecode or print a dump (see Flowc.h).
#include "Flowc.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "AtomicWrite.h"
#include "flow/bytecode/Disassembler.h"
#include "flow/bytecode/Writer.h"
#include "flow/compiler/Compiler.h"
#include "flow/stdlib/StdSources.h"

namespace flowc {

namespace fs = std::filesystem;
using namespace flow::compiler;

namespace {

Stage stageFor(const Options& o) {
    switch (o.emit) {
    case Emit::Ast:
        return Stage::Parse;
    case Emit::Dot:
    case Emit::Mermaid:
        return Stage::Sema; // the graph is read off the checked AST
    case Emit::Ir:
    case Emit::Bytecode:
        return Stage::Codegen;
    }
    return Stage::Codegen;
}

std::string defaultOutput(const std::string& input) {
    return fs::path(input).replace_extension(".flowc").string();
}

bool sameFile(const std::string& a, const std::string& b) {
    std::error_code ec;
    return fs::equivalent(a, b, ec) && !ec;
}

int usageOrIoError(const std::string& message) {
    std::fprintf(stderr, "flowc: error: %s\n", message.c_str());
    return kUsageOrIo;
}

// Text dumps go to stdout unless -o names a file.
int writeText(const Options& o, DiagnosticEngine& diags, const std::string& text) {
    if (!o.output.empty()) {
        std::string err = writeFileAtomically(o.output, text);
        if (!err.empty()) {
            diags.reportGlobal(DiagId::CannotWriteOutput, {o.output, err});
            return kUsageOrIo;
        }
        return kOk;
    }
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
        diags.reportGlobal(DiagId::CannotWriteOutput, {"<stdout>", std::strerror(errno)});
        return kUsageOrIo;
    }
    return kOk;
}

} // namespace

int run(const Options& o) {
    if (o.help) {
        std::fputs(helpText().c_str(), stdout);
        return kOk;
    }
    if (o.version) {
        std::fputs(versionText().c_str(), stdout);
        return kOk;
    }
    std::string output = o.output;
    if (output.empty() && o.emit == Emit::Bytecode && !o.check) output = defaultOutput(o.input);
    if (!output.empty() && sameFile(output, o.input))
        return usageOrIoError("the output '" + output + "' is the input file");

    CompileOptions copts;
    copts.includeDirs = o.includeDirs;
    copts.stopAfter = stageFor(o);
    copts.errorLimit = o.errorLimit;
    copts.stdSource = [](const std::string& name) -> std::optional<std::string> {
        if (const auto* s = flow::stdlib::findStdSource(name)) return std::string(s->text);
        return std::nullopt;
    };
    std::unique_ptr<Compilation> c = compileFile(o.input, copts);
    // Nothing was loaded: the entry file itself could not be read (FLOW9001/9004).
    if (c->sources.fileCount() == 0) return kUsageOrIo;
    if (!c->ok()) return kProgramError;
    if (o.werror && c->diags->warningCount() > 0) {
        std::fprintf(stderr, "flowc: error: %u warning(s) treated as errors (-Werror)\n",
                     c->diags->warningCount());
        return kProgramError;
    }
    if (o.check) return kOk;

    switch (o.emit) {
    case Emit::Ast: {
        // Files are in dependency order, so the entry file is the last one.
        std::string text = c->files.empty() ? "" : dumpAst(*c->files.back(), c->sources);
        return writeText(o, *c->diags, text);
    }
    case Emit::Dot:
        return writeText(o, *c->diags, emitGraph(*c, GraphFormat::Dot));
    case Emit::Mermaid:
        return writeText(o, *c->diags, emitGraph(*c, GraphFormat::Mermaid));
    case Emit::Ir: {
        (void)flow::bytecode::writeModule(*c->module); // fills in the content hash it prints
        return writeText(o, *c->diags, flow::bytecode::disassemble(*c->module));
    }
    case Emit::Bytecode:
        break;
    }
    std::vector<uint8_t> bytes = flow::bytecode::writeModule(*c->module);
    std::string err = writeFileAtomically(
        output, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    if (!err.empty()) {
        c->diags->reportGlobal(DiagId::CannotWriteOutput, {output, err});
        return kUsageOrIo;
    }
    return kOk;
}

} // namespace flowc
