// Driver.cpp — strings the stages together: load the entry file and, depth
// first, every file it imports (each parsed once), order them so that each
// comes after its imports, then Sema and Codegen over the whole set.
// Stages: Parse < Sema < Codegen; `stopAfter` ends the pipeline early.
//
// Import specifiers:
//   "./x.flow", "../lib/y" — relative to the importing file's directory;
//   "std/name"             — the embedded standard library (opts.stdSource);
//   anything else          — looked up in each -I directory, in order.
// ".flow" may be left off. Files are keyed by canonical path, so two
// spellings of one file (or a symlink) still give one module.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flow/compiler/Compiler.h"

namespace flow::compiler {

namespace fs = std::filesystem;

namespace {

// Sources beyond this are refused (FLOW9004) before they are read in full,
// so a mistaken `flowc /dev/zero` or a huge generated file cannot exhaust memory.
constexpr uint64_t kMaxSourceBytes = 64ull << 20;
// Display path prefix of standard modules (like clang's "<built-in>"): they
// have no file on disk, and a real "std/" directory must not be confused with them.
constexpr std::string_view kStdPrefix = "<std>/";

struct ReadResult {
    enum Status { Ok, NotFound, TooLarge, Failed } status = Failed;
    std::string text;
    std::string error; // strerror text for NotFound/Failed
    uint64_t size = 0; // TooLarge: the size seen
};

ReadResult readSource(const std::string& path) {
    ReadResult r;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        r.status =
            (errno == ENOENT || errno == ENOTDIR) ? ReadResult::NotFound : ReadResult::Failed;
        r.error = std::strerror(errno);
        return r;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        r.error = S_ISDIR(st.st_mode) ? "it is a directory" : std::strerror(errno);
        ::close(fd);
        return r;
    }
    if (S_ISREG(st.st_mode) && uint64_t(st.st_size) > kMaxSourceBytes) {
        r.status = ReadResult::TooLarge;
        r.size = uint64_t(st.st_size);
        ::close(fd);
        return r;
    }
    // Not trusting st_size alone: pipes and /proc files report 0, and a file
    // can grow while we read it.
    if (S_ISREG(st.st_mode)) r.text.reserve(size_t(st.st_size));
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            r.error = std::strerror(errno);
            ::close(fd);
            return r;
        }
        if (n == 0) break;
        if (r.text.size() + size_t(n) > kMaxSourceBytes) {
            r.status = ReadResult::TooLarge;
            r.size = r.text.size() + size_t(n);
            r.text.clear();
            ::close(fd);
            return r;
        }
        r.text.append(buf, size_t(n));
    }
    ::close(fd);
    r.status = ReadResult::Ok;
    return r;
}

bool isRelative(std::string_view spec) {
    return spec.starts_with("./") || spec.starts_with("../") || spec.starts_with("/");
}

bool endsWithFlow(std::string_view s) {
    return s.ends_with(".flow");
}

std::string stdName(std::string_view spec) {
    std::string n(spec);
    if (endsWithFlow(n)) n.resize(n.size() - 5);
    return n;
}

// The identity of a file on disk: its canonical path, or (if that fails) its
// absolute lexical form.
std::string fileKey(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(path, ec);
    if (ec || p.empty()) p = fs::absolute(path, ec).lexically_normal();
    return p.string();
}

// Loads files depth first with an explicit stack (an import chain is as deep
// as users make it; the C++ stack is not).
class Loader {
public:
    Loader(Compilation& c, const CompileOptions& opts) : c_(c), opts_(opts) {}

    void run(const std::string& entryPath, std::string text) {
        uint32_t entry = addFile(fileKey(entryPath), entryPath, std::move(text), false);
        stack_.push_back({entry, 0});
        while (!stack_.empty()) {
            if (c_.diags->limitReached()) return;
            Frame& top = stack_.back();
            Unit& u = units_[top.unit];
            if (top.next < u.imports.size()) {
                ast::Import* imp = u.imports[top.next++];
                visitImport(top.unit, *imp);
                continue;
            }
            u.state = Unit::Done;
            order_.push_back(top.unit);
            stack_.pop_back();
        }
    }

    // Parsed files, each after its imports (entry last).
    std::vector<std::unique_ptr<ast::File>> takeOrdered() {
        std::vector<std::unique_ptr<ast::File>> out;
        for (uint32_t id : order_)
            if (units_[id].ast) out.push_back(std::move(units_[id].ast));
        return out;
    }

private:
    struct Unit {
        enum State { InProgress, Done } state = InProgress;
        bool isStd = false;
        std::unique_ptr<ast::File> ast;
        std::vector<ast::Import*> imports; // top-level imports, in source order
    };
    struct Frame {
        uint32_t unit;
        size_t next;
    };

    uint32_t addFile(const std::string& key, const std::string& path, std::string text,
                     bool isStd) {
        uint32_t id = c_.sources.addFile(path, std::move(text));
        keys_.emplace(key, id);
        if (units_.size() <= id) units_.resize(id + 1);
        Unit& u = units_[id];
        u.isStd = isStd;
        u.ast = parseFile(id, c_.sources, *c_.diags);
        if (u.ast) {
            // Nested imports are not resolved: Sema reports them (FLOW5006).
            for (auto& s : u.ast->body)
                if (auto* imp = s->as<ast::Import>()) u.imports.push_back(imp);
        }
        return id;
    }

    struct Target {
        std::string key, path;
        std::optional<std::string> text; // set for std modules
        bool isStd = false;
    };

    void visitImport(uint32_t from, ast::Import& imp) {
        std::vector<std::string> tried;
        std::optional<Target> t = resolve(from, imp.source, tried);
        if (!t) {
            c_.diags->report(DiagId::ImportNotFound, imp.sourceRange, {imp.source});
            std::string msg = "looked for ";
            if (tried.empty()) {
                msg = isRelative(imp.source) || imp.source.starts_with("std/")
                          ? "no such module"
                          : "no -I directories were given (relative imports start with './')";
            } else {
                for (size_t i = 0; i < tried.size(); ++i)
                    msg += (i ? ", " : "") + tried[i];
            }
            c_.diags->noteGlobal(msg);
            return;
        }
        auto it = keys_.find(t->key);
        if (it != keys_.end()) {
            uint32_t id = it->second;
            if (units_[id].state == Unit::InProgress) {
                reportCycle(id, imp);
                return;
            }
            imp.resolvedFile = id;
            return;
        }
        std::string text;
        if (t->text) {
            text = std::move(*t->text);
        } else {
            ReadResult r = readSource(t->path);
            if (r.status == ReadResult::TooLarge) {
                c_.diags->reportGlobal(DiagId::FileTooLarge, {t->path, std::to_string(r.size),
                                                              std::to_string(kMaxSourceBytes)});
                return;
            }
            if (r.status != ReadResult::Ok) {
                c_.diags->reportGlobal(DiagId::CannotReadFile, {t->path, r.error});
                return;
            }
            text = std::move(r.text);
        }
        uint32_t id = addFile(t->key, t->path, std::move(text), t->isStd);
        imp.resolvedFile = id;
        stack_.push_back({id, 0});
    }

    // Candidate file names for a specifier: "x.flow" as written; "x" as
    // "x.flow" first, then as written.
    static std::vector<fs::path> candidates(const fs::path& base) {
        std::string s = base.string();
        if (endsWithFlow(s)) return {base};
        return {fs::path(s + ".flow"), base};
    }

    std::optional<Target> probe(const fs::path& base, std::vector<std::string>& tried) {
        for (const fs::path& p : candidates(base)) {
            std::string ps = p.lexically_normal().string();
            tried.push_back(ps);
            std::error_code ec;
            if (fs::is_regular_file(p, ec)) return Target{fileKey(ps), ps, std::nullopt, false};
        }
        return std::nullopt;
    }

    std::optional<Target> probeStd(const std::string& name, std::vector<std::string>& tried) {
        tried.push_back("the standard library (" + name + ")");
        if (!opts_.stdSource) return std::nullopt;
        std::optional<std::string> src = opts_.stdSource(name);
        if (!src) return std::nullopt;
        std::string display = std::string(kStdPrefix) + name.substr(4) + ".flow";
        return Target{"std:" + name, display, std::move(src), true};
    }

    std::optional<Target> resolve(uint32_t from, const std::string& spec,
                                  std::vector<std::string>& tried) {
        if (spec.empty()) return std::nullopt;
        const std::string& fromPath = c_.sources.path(from);
        if (isRelative(spec)) {
            if (units_[from].isStd) {
                // Inside std, "./x" names a sibling standard module.
                fs::path rel = (fs::path("std") /
                                fs::path(fromPath.substr(kStdPrefix.size())).parent_path() / spec)
                                   .lexically_normal();
                std::string name = stdName(rel.generic_string());
                if (!name.starts_with("std/")) return std::nullopt;
                return probeStd(name, tried);
            }
            if (spec.starts_with("/")) return probe(fs::path(spec), tried);
            return probe(fs::path(fromPath).parent_path() / spec, tried);
        }
        if (spec.starts_with("std/")) return probeStd(stdName(spec), tried);
        for (const std::string& dir : opts_.includeDirs)
            if (auto t = probe(fs::path(dir) / spec, tried)) return t;
        return std::nullopt;
    }

    void reportCycle(uint32_t target, ast::Import& imp) {
        std::string chain;
        bool in = false;
        for (const Frame& f : stack_) {
            if (f.unit == target) in = true;
            if (in) chain += c_.sources.path(f.unit) + " -> ";
        }
        chain += c_.sources.path(target);
        c_.diags->report(DiagId::ImportCycle, imp.sourceRange, {chain});
    }

    Compilation& c_;
    const CompileOptions& opts_;
    std::map<std::string, uint32_t> keys_;
    std::vector<Unit> units_; // indexed by SourceManager file id
    std::vector<Frame> stack_;
    std::vector<uint32_t> order_;
};

std::unique_ptr<Compilation> newCompilation(const CompileOptions& opts,
                                            DiagnosticEngine::Sink sink) {
    auto c = std::make_unique<Compilation>();
    c->diags = std::make_unique<DiagnosticEngine>(c->sources, std::move(sink));
    c->diags->setErrorLimit(opts.errorLimit);
    return c;
}

// Sema and Codegen run only on a clean parse: a broken AST would give a
// cascade of misleading errors (and every file's syntax errors are already out).
void runLaterStages(Compilation& c, const CompileOptions& opts) {
    if (c.diags->hasErrors() || opts.stopAfter == Stage::Parse) return;
    c.sema = analyze(c.files, *c.diags);
    if (c.diags->hasErrors() || opts.stopAfter == Stage::Sema) return;
    c.module = generate(c.files, *c.sema, c.sources, *c.diags);
    if (c.diags->hasErrors()) c.module.reset();
}

} // namespace

std::unique_ptr<Compilation> compileSource(const std::string& path, std::string text,
                                           const CompileOptions& opts,
                                           DiagnosticEngine::Sink sink) {
    auto c = newCompilation(opts, std::move(sink));
    Loader loader(*c, opts);
    loader.run(path, std::move(text));
    c->files = loader.takeOrdered();
    runLaterStages(*c, opts);
    return c;
}

std::unique_ptr<Compilation> compileFile(const std::string& path, const CompileOptions& opts,
                                         DiagnosticEngine::Sink sink) {
    ReadResult r = readSource(path);
    if (r.status != ReadResult::Ok) {
        auto c = newCompilation(opts, std::move(sink));
        if (r.status == ReadResult::TooLarge)
            c->diags->reportGlobal(DiagId::FileTooLarge,
                                   {path, std::to_string(r.size), std::to_string(kMaxSourceBytes)});
        else
            c->diags->reportGlobal(DiagId::CannotReadFile, {path, r.error});
        return c;
    }
    return compileSource(path, std::move(r.text), opts, std::move(sink));
}

} // namespace flow::compiler
