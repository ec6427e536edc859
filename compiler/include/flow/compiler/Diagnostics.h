#pragma once
// Diagnostics.h — source files and the diagnostic engine (llvm::SourceMgr
// behind a pimpl, so LLVM headers stay out of this widely included header).
//
// Output convention (compilers': clang, rustc):
//   app.flow:3:16: error[FLOW2001]: use of undeclared name 'bogus'
//     let x = bogus(1);
//             ^~~~~
//   app.flow:1:5: note: did you mean 'bonus'?
// The engine counts errors, stops reporting at an error limit (then prints
// FLOW9003 once), and never lets a module be emitted after an error.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "flow/compiler/Ast.h"

namespace flow::compiler {

enum class DiagId : uint16_t {
#define FLOW_DIAG(Id, Code, Sev, Fmt) Id,
#include "flow/compiler/Diagnostics.def"
#undef FLOW_DIAG
};

enum class Severity : uint8_t { Error, Warning, Note };

struct DiagInfo {
    std::string_view id;
    unsigned code;
    Severity severity;
    std::string_view format;
};
const DiagInfo& diagInfo(DiagId id);
// "FLOW2001"
std::string diagCode(DiagId id);

// Owns the text of every file of a compilation.
class SourceManager {
public:
    SourceManager();
    ~SourceManager();
    SourceManager(const SourceManager&) = delete;
    SourceManager& operator=(const SourceManager&) = delete;

    uint32_t addFile(std::string path, std::string text);
    size_t fileCount() const;
    const std::string& path(uint32_t file) const;
    std::string_view text(uint32_t file) const;
    // 1-based line and column (column counts bytes, as clang does).
    std::pair<unsigned, unsigned> lineCol(uint32_t file, uint32_t offset) const;
    // The text of a 1-based line, without its newline.
    std::string_view lineText(uint32_t file, unsigned line) const;

    struct Impl;
    Impl& impl() const { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

class DiagnosticEngine {
public:
    using Sink = std::function<void(std::string_view)>;
    // Diagnostics go to `sink` (default: stderr).
    explicit DiagnosticEngine(SourceManager& sm, Sink sink = {});

    void report(DiagId id, ast::SourceRange range, std::initializer_list<std::string> args = {});
    // A diagnostic without a source position: "flowc: error[FLOW9001]: ...".
    void reportGlobal(DiagId id, std::initializer_list<std::string> args = {});
    // A note attached to the previous diagnostic (dropped if that one was).
    void note(ast::SourceRange range, std::string_view message);
    void noteGlobal(std::string_view message);

    unsigned errorCount() const { return errors_; }
    unsigned warningCount() const { return warnings_; }
    bool hasErrors() const { return errors_ > 0; }
    void setErrorLimit(unsigned limit) { limit_ = limit; }
    bool limitReached() const { return limit_ && errors_ >= limit_; }
    void setWarningsAsErrors(bool on) { werror_ = on; }

    SourceManager& sources() { return sm_; }

private:
    void emit(std::string_view text);
    SourceManager& sm_;
    Sink sink_;
    unsigned errors_ = 0, warnings_ = 0, limit_ = 20;
    bool lastDropped_ = false, limitPrinted_ = false, werror_ = false;
};

// Substitutes {0}, {1}, ... in a format.
std::string formatMessage(std::string_view format, std::initializer_list<std::string> args);

} // namespace flow::compiler
