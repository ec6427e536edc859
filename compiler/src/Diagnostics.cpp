// Diagnostics.cpp — SourceManager and DiagnosticEngine over llvm::SourceMgr.
// LLVM does the line lookup and the caret/range rendering; we add the stable
// FLOWnnnn code, the error limit and the sink.
#include "flow/compiler/Diagnostics.h"

#include <algorithm>
#include <cstdio>
#include <deque>

#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>

namespace flow::compiler {

namespace {
const DiagInfo kDiagInfos[] = {
#define FLOW_DIAG(Id, Code, Sev, Fmt) {#Id, Code, Severity::Sev, Fmt},
#include "flow/compiler/Diagnostics.def"
#undef FLOW_DIAG
};
} // namespace

const DiagInfo& diagInfo(DiagId id) { return kDiagInfos[static_cast<size_t>(id)]; }

std::string diagCode(DiagId id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "FLOW%04u", diagInfo(id).code);
    return buf;
}

std::string formatMessage(std::string_view format, std::initializer_list<std::string> args) {
    std::string out;
    out.reserve(format.size() + 16);
    for (size_t i = 0; i < format.size(); ++i) {
        char c = format[i];
        if (c == '{' && i + 2 < format.size() && format[i + 2] == '}' && format[i + 1] >= '0' &&
            format[i + 1] <= '9') {
            size_t n = size_t(format[i + 1] - '0');
            if (n < args.size()) out += *(args.begin() + n);
            i += 2;
            continue;
        }
        out += c;
    }
    return out;
}

// ---------------------------------------------------------------- SourceManager

struct SourceManager::Impl {
    llvm::SourceMgr mgr;
    std::deque<std::string> paths; // deque: stable references
    std::vector<unsigned> bufferIds;
};

SourceManager::SourceManager() : impl_(std::make_unique<Impl>()) {}
SourceManager::~SourceManager() = default;

uint32_t SourceManager::addFile(std::string path, std::string text) {
    auto buf = llvm::MemoryBuffer::getMemBufferCopy(text, path);
    unsigned id = impl_->mgr.AddNewSourceBuffer(std::move(buf), llvm::SMLoc());
    impl_->paths.push_back(std::move(path));
    impl_->bufferIds.push_back(id);
    return uint32_t(impl_->bufferIds.size() - 1);
}

size_t SourceManager::fileCount() const { return impl_->bufferIds.size(); }

const std::string& SourceManager::path(uint32_t file) const { return impl_->paths.at(file); }

std::string_view SourceManager::text(uint32_t file) const {
    auto* buf = impl_->mgr.getMemoryBuffer(impl_->bufferIds.at(file));
    return {buf->getBufferStart(), buf->getBufferSize()};
}

std::pair<unsigned, unsigned> SourceManager::lineCol(uint32_t file, uint32_t offset) const {
    auto* buf = impl_->mgr.getMemoryBuffer(impl_->bufferIds.at(file));
    if (offset > buf->getBufferSize()) offset = uint32_t(buf->getBufferSize());
    auto loc = llvm::SMLoc::getFromPointer(buf->getBufferStart() + offset);
    return impl_->mgr.getLineAndColumn(loc, impl_->bufferIds[file]);
}

std::string_view SourceManager::lineText(uint32_t file, unsigned line) const {
    std::string_view t = text(file);
    size_t pos = 0;
    for (unsigned l = 1; l < line; ++l) {
        size_t nl = t.find('\n', pos);
        if (nl == std::string_view::npos) return {};
        pos = nl + 1;
    }
    size_t end = t.find('\n', pos);
    if (end == std::string_view::npos) end = t.size();
    if (end > pos && t[end - 1] == '\r') --end;
    return t.substr(pos, end - pos);
}

// ---------------------------------------------------------------- DiagnosticEngine

DiagnosticEngine::DiagnosticEngine(SourceManager& sm, Sink sink) : sm_(sm), sink_(std::move(sink)) {
    if (!sink_) sink_ = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stderr); };
}

void DiagnosticEngine::emit(std::string_view text) { sink_(text); }

namespace {
// Renders one diagnostic in clang's layout: position, label, message, the
// source line, and a caret with tildes under the rest of the range (first
// line only). LLVM's SourceMgr finds the line; the layout is ours so that the
// "error[FLOW2001]" label fits in.
std::string render(SourceManager& sm, ast::SourceRange r, const std::string& label,
                   const std::string& msg) {
    std::string_view text = sm.text(r.file);
    uint32_t b = std::min<uint32_t>(r.begin, uint32_t(text.size()));
    uint32_t e = std::min<uint32_t>(std::max(r.end, b), uint32_t(text.size()));
    size_t nl = text.find('\n', b);
    if (nl != std::string_view::npos && nl < e) e = uint32_t(nl);
    auto [line, col] = sm.lineCol(r.file, b);
    std::string out = sm.path(r.file) + ":" + std::to_string(line) + ":" + std::to_string(col) +
                      ": " + label + ": " + msg + "\n";
    std::string_view src = sm.lineText(r.file, line);
    // A 10 MB single-line file must not produce a 10 MB diagnostic: show a
    // window of the line around the caret.
    constexpr size_t kWindow = 200;
    size_t from = 0;
    if (col > kWindow) from = col - 1 - kWindow / 2;
    std::string_view shown = src.substr(std::min(from, src.size()), kWindow);
    if (from > 0) out += "...";
    out += shown;
    out += '\n';
    if (from > 0) out += "   ";
    for (size_t i = from; i + 1 < col && i < src.size(); ++i) out += src[i] == '\t' ? '\t' : ' ';
    out += '^';
    for (uint32_t i = b + 1; i < e && (i - b) < kWindow; ++i) out += '~';
    out += '\n';
    return out;
}

const char* sevName(Severity s) {
    switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
    }
    return "error";
}
} // namespace

void DiagnosticEngine::report(DiagId id, ast::SourceRange range,
                              std::initializer_list<std::string> args) {
    const DiagInfo& info = diagInfo(id);
    Severity sev = info.severity;
    if (sev == Severity::Warning && werror_) sev = Severity::Error;
    if (sev == Severity::Error) {
        if (limitReached()) {
            lastDropped_ = true;
            if (!limitPrinted_) {
                limitPrinted_ = true;
                reportGlobal(DiagId::TooManyErrors, {std::to_string(errors_)});
            }
            return;
        }
        ++errors_;
    } else {
        ++warnings_;
    }
    lastDropped_ = false;
    std::string label = std::string(sevName(sev)) + "[" + diagCode(id) + "]";
    emit(render(sm_, range, label, formatMessage(info.format, args)));
}

void DiagnosticEngine::reportGlobal(DiagId id, std::initializer_list<std::string> args) {
    const DiagInfo& info = diagInfo(id);
    if (info.severity == Severity::Error && id != DiagId::TooManyErrors) ++errors_;
    lastDropped_ = false;
    emit("flowc: " + std::string(sevName(info.severity)) + "[" + diagCode(id) +
         "]: " + formatMessage(info.format, args) + "\n");
}

void DiagnosticEngine::note(ast::SourceRange range, std::string_view message) {
    if (lastDropped_) return;
    emit(render(sm_, range, "note", std::string(message)));
}

void DiagnosticEngine::noteGlobal(std::string_view message) {
    if (lastDropped_) return;
    emit("flowc: note: " + std::string(message) + "\n");
}

} // namespace flow::compiler
