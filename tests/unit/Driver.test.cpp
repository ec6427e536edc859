// Driver.test.cpp — the compiler driver: import resolution (relative, -I,
// std), dependency order, one parse per file, cycles, missing modules, and
// stopping after parse errors. The CLI end of it is in tests/compiler/driver.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "flow/compiler/Compiler.h"

using namespace flow::compiler;
namespace fs = std::filesystem;

namespace {

// A scratch directory of .flow files, removed at the end of the test.
struct Tree {
    fs::path root;
    Tree() {
        root = fs::temp_directory_path() / ("flow-driver-test-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(counter()++));
        fs::create_directories(root);
    }
    ~Tree() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
    std::string put(const std::string& rel, const std::string& text) {
        fs::path p = root / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }
};

struct Result {
    std::unique_ptr<Compilation> c;
    std::string diags;
};

Result compile(const std::string& path, CompileOptions opts = {}) {
    Result r;
    r.c = compileFile(path, opts, [&r](std::string_view s) { r.diags += s; });
    return r;
}

std::vector<std::string> fileNames(const Compilation& c) {
    std::vector<std::string> out;
    for (auto& f : c.files)
        out.push_back(fs::path(f->path).filename().string());
    return out;
}

} // namespace

TEST_CASE("Driver: files come in dependency order, each parsed once") {
    Tree t;
    // a -> b, c; b -> c (a diamond): c once, before b, a last.
    t.put("c.flow", "export const c = 1\n");
    t.put("lib/b.flow", "import { c } from \"../c.flow\"\nexport const b = c + 1\n");
    std::string a = t.put("a.flow", "import { b } from \"./lib/b\"\n"
                                    "import { c } from \"./c.flow\"\n"
                                    "export const a = b + c\n");
    Result r = compile(a);
    INFO(r.diags);
    CHECK(r.c->ok());
    CHECK(fileNames(*r.c) == std::vector<std::string>{"c.flow", "b.flow", "a.flow"});
    CHECK(r.c->sources.fileCount() == 3);
    // Every import knows its file.
    for (auto& f : r.c->files)
        for (auto& s : f->body)
            if (auto* imp = s->as<flow::ast::Import>()) {
                REQUIRE(imp->resolvedFile < r.c->sources.fileCount());
                CHECK(fs::path(r.c->sources.path(imp->resolvedFile)).stem() ==
                      fs::path(imp->source).stem());
            }
}

TEST_CASE("Driver: two spellings of one file are one module") {
    Tree t;
    t.put("x.flow", "export const x = 1\n");
    std::string m = t.put("m.flow", "import { x } from \"./x\"\n"
                                    "import { x as y } from \"./sub/../x.flow\"\n"
                                    "export const z = x + y\n");
    fs::create_directories(t.root / "sub");
    Result r = compile(m);
    INFO(r.diags);
    CHECK(r.c->ok());
    CHECK(r.c->sources.fileCount() == 2);
}

TEST_CASE("Driver: -I directories are searched in order; std comes from stdSource") {
    Tree t;
    t.put("one/u.flow", "export const first = 1\n");
    t.put("two/u.flow", "export const second = 2\n");
    std::string m = t.put("m.flow", "import { first } from \"u\"\n"
                                    "import { hi } from \"std/greeting\"\n"
                                    "export const v = first + hi\n");
    CompileOptions o;
    o.includeDirs = {(t.root / "one").string(), (t.root / "two").string()};
    std::vector<std::string> asked;
    o.stdSource = [&asked](const std::string& name) -> std::optional<std::string> {
        asked.push_back(name);
        if (name == "std/greeting") return std::string("export const hi = 2\n");
        return std::nullopt;
    };
    Result r = compile(m, o);
    INFO(r.diags);
    CHECK(r.c->ok());
    CHECK(asked == std::vector<std::string>{"std/greeting"});
    CHECK(fileNames(*r.c) == std::vector<std::string>{"u.flow", "greeting.flow", "m.flow"});
    CHECK(r.c->files[1]->path == "<std>/greeting.flow");
}

TEST_CASE("Driver: a missing module is FLOW5001 with the paths tried") {
    Tree t;
    std::string m = t.put("m.flow", "import { q } from \"./nope\"\nexport const v = q\n");
    Result r = compile(m);
    CHECK_FALSE(r.c->ok());
    CHECK(r.diags.find("m.flow:1:19: error[FLOW5001]: cannot find module './nope'") !=
          std::string::npos);
    CHECK(r.diags.find("flowc: note: looked for " + (t.root / "nope.flow").string() + ", " +
                       (t.root / "nope").string()) != std::string::npos);
    CHECK(r.c->sema == nullptr); // nothing after a failed load
}

TEST_CASE("Driver: an import cycle is FLOW5002 at the import that closes it") {
    Tree t;
    t.put("b.flow", "import { c } from \"./c.flow\"\nexport const b = 1\n");
    t.put("c.flow", "import { a } from \"./a.flow\"\nexport const c = 1\n");
    std::string a = t.put("a.flow", "import { b } from \"./b.flow\"\nexport const a = 1\n");
    Result r = compile(a);
    CHECK_FALSE(r.c->ok());
    std::string A = (t.root / "a.flow").string(), B = (t.root / "b.flow").string(),
                C = (t.root / "c.flow").string();
    CHECK(r.diags.find(C + ":1:19: error[FLOW5002]: import cycle: " + A + " -> " + B + " -> " + C +
                       " -> " + A) != std::string::npos);
}

TEST_CASE("Driver: syntax errors of every file are reported, then it stops") {
    Tree t;
    t.put("bad1.flow", "export const one = 1\nlet = 5\n");
    t.put("bad2.flow", "export const two = (2\n");
    std::string m = t.put("m.flow", "import { one } from \"./bad1.flow\"\n"
                                    "import { two } from \"./bad2.flow\"\n"
                                    "export const three = one + two + undefinedName\n");
    Result r = compile(m);
    CHECK_FALSE(r.c->ok());
    CHECK(r.diags.find("bad1.flow:2:") != std::string::npos);
    CHECK(r.diags.find("bad2.flow:") != std::string::npos);
    CHECK(r.diags.find("FLOW2001") == std::string::npos); // sema did not run
    CHECK(r.c->sema == nullptr);
    CHECK_FALSE(r.c->module.has_value());
}

TEST_CASE("Driver: unreadable and oversized entry files are FLOW9001/FLOW9004") {
    Tree t;
    Result missing = compile((t.root / "none.flow").string());
    CHECK(missing.diags.find("error[FLOW9001]: cannot read '") != std::string::npos);
    CHECK(missing.c->sources.fileCount() == 0);

    Result dir = compile(t.root.string());
    CHECK(dir.diags.find("it is a directory") != std::string::npos);

    std::string big = (t.root / "big.flow").string();
    { std::ofstream(big, std::ios::binary) << "x"; }
    fs::resize_file(big, (64u << 20) + 1); // sparse: no disk cost
    Result large = compile(big);
    CHECK(large.diags.find("error[FLOW9004]") != std::string::npos);
    CHECK(large.c->sources.fileCount() == 0);
}

TEST_CASE("Driver: Stage::Parse stops before sema") {
    Tree t;
    std::string m = t.put("m.flow", "export const v = undefinedName\n");
    CompileOptions o;
    o.stopAfter = Stage::Parse;
    Result r = compile(m, o);
    CHECK(r.c->ok()); // the undefined name is a sema error, not reached
    CHECK(r.c->files.size() == 1);
    CHECK(r.c->sema == nullptr);
}
