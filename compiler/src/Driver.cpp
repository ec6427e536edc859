// Driver.cpp — MINIMAL (owner: infra/CLI helper extends it with import
// resolution, -I, std modules, cycles and dependency order).
// Stages: Parse < Sema < Codegen; `stopAfter` ends the pipeline early.
#include <fstream>
#include <sstream>

#include "flow/compiler/Compiler.h"

namespace flow::compiler {

std::unique_ptr<Compilation> compileSource(const std::string& path, std::string text,
                                           const CompileOptions& opts,
                                           DiagnosticEngine::Sink sink) {
    auto c = std::make_unique<Compilation>();
    c->diags = std::make_unique<DiagnosticEngine>(c->sources, std::move(sink));
    c->diags->setErrorLimit(opts.errorLimit);
    uint32_t id = c->sources.addFile(path, std::move(text));
    auto file = parseFile(id, c->sources, *c->diags);
    if (file) c->files.push_back(std::move(file));
    if (c->diags->hasErrors() || opts.stopAfter == Stage::Parse) return c;
    c->sema = analyze(c->files, *c->diags);
    if (c->diags->hasErrors() || opts.stopAfter == Stage::Sema) return c;
    c->module = generate(c->files, *c->sema, c->sources, *c->diags);
    if (c->diags->hasErrors()) c->module.reset();
    return c;
}

std::unique_ptr<Compilation> compileFile(const std::string& path, const CompileOptions& opts,
                                         DiagnosticEngine::Sink sink) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        auto c = std::make_unique<Compilation>();
        c->diags = std::make_unique<DiagnosticEngine>(c->sources, std::move(sink));
        c->diags->reportGlobal(DiagId::CannotReadFile, {path, "no such file or not readable"});
        return c;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return compileSource(path, ss.str(), opts, std::move(sink));
}

} // namespace flow::compiler
