// Options.cpp — flowc's hand-written argument parser and help text.
#include "Options.h"

#include <charconv>
#include <string_view>

#include "flow/bytecode/Format.h"

#ifndef FLOW_VERSION
#define FLOW_VERSION "0.0.0"
#endif

namespace flowc {

namespace {

std::optional<Emit> parseEmit(std::string_view v) {
    if (v == "ast") return Emit::Ast;
    if (v == "ir") return Emit::Ir;
    if (v == "graph" || v == "dot") return Emit::Dot;
    if (v == "mermaid") return Emit::Mermaid;
    if (v == "bytecode") return Emit::Bytecode;
    return std::nullopt;
}

// Matches "--name=value", "--name value", and for one-letter flags "-Xvalue"
// and "-X value". Advances `i` past a separate value.
struct ArgReader {
    int argc;
    char** argv;
    int i = 1;
    std::string& error;

    // Returns true if argv[i] is option `name`; `value` receives its value
    // (error set when the value is missing).
    bool valued(std::string_view arg, std::string_view name, std::string& value) {
        bool shortFlag = name.size() == 2; // "-o", "-I"
        if (arg == name) {
            if (i + 1 >= argc) {
                error = "option '" + std::string(name) + "' needs a value";
                return true;
            }
            value = argv[++i];
            return true;
        }
        if (shortFlag && arg.starts_with(name)) {
            value = std::string(arg.substr(2));
            return true;
        }
        if (!shortFlag && arg.starts_with(name) && arg.size() > name.size() &&
            arg[name.size()] == '=') {
            value = std::string(arg.substr(name.size() + 1));
            if (value.empty()) error = "option '" + std::string(name) + "' needs a value";
            return true;
        }
        return false;
    }
};

} // namespace

std::optional<Options> parseArgs(int argc, char** argv, std::string& error) {
    Options o;
    ArgReader r{argc, argv, 1, error};
    bool outputGiven = false, emitGiven = false, onlyPositionals = false;
    for (; r.i < argc; ++r.i) {
        std::string_view a = argv[r.i];
        std::string v;
        auto positional = [&](std::string_view p) {
            if (!o.input.empty()) {
                error = "more than one input file: '" + o.input + "' and '" + std::string(p) +
                        "' (flowc compiles one entry file; it finds the imported ones itself)";
                return false;
            }
            o.input = std::string(p);
            return true;
        };
        if (onlyPositionals || a.empty() || a[0] != '-') {
            if (!positional(a)) return std::nullopt;
            continue;
        }
        if (a == "--") {
            onlyPositionals = true;
        } else if (a == "-") {
            error = "reading the program from standard input is not supported; give a file";
            return std::nullopt;
        } else if (a == "-h" || a == "--help") {
            o.help = true;
        } else if (a == "--version") {
            o.version = true;
        } else if (a == "--check") {
            o.check = true;
        } else if (a == "-Werror") {
            o.werror = true;
        } else if (r.valued(a, "-o", v) || r.valued(a, "--output", v)) {
            if (!error.empty()) return std::nullopt;
            if (outputGiven) {
                error = "option '-o' is given more than once";
                return std::nullopt;
            }
            outputGiven = true;
            o.output = v;
        } else if (r.valued(a, "-I", v)) {
            if (!error.empty()) return std::nullopt;
            o.includeDirs.push_back(v);
        } else if (r.valued(a, "--emit", v)) {
            if (!error.empty()) return std::nullopt;
            auto e = parseEmit(v);
            if (!e) {
                error = "unknown --emit kind '" + v + "': expected ast, ir, graph or mermaid";
                return std::nullopt;
            }
            emitGiven = true;
            o.emit = *e;
        } else if (r.valued(a, "--error-limit", v)) {
            if (!error.empty()) return std::nullopt;
            unsigned n = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || p != v.data() + v.size()) {
                error = "--error-limit needs a number, not '" + v + "'";
                return std::nullopt;
            }
            o.errorLimit = n;
        } else {
            error = "unknown option '" + std::string(a) + "'";
            return std::nullopt;
        }
    }
    if (o.help || o.version) return o;
    if (o.input.empty()) {
        error = "no input file";
        return std::nullopt;
    }
    if (o.check && (outputGiven || emitGiven)) {
        error = std::string("--check writes nothing, so it cannot be combined with ") +
                (outputGiven ? "-o" : "--emit");
        return std::nullopt;
    }
    return o;
}

std::string versionText() {
    return "flowc " FLOW_VERSION " (bytecode format v" +
           std::to_string(flow::bytecode::kFormatVersion) + ")\n";
}

std::string helpText() {
    return R"(flowc — the Flow compiler: compiles a .flow program and everything it imports
into one bytecode module (.flowc) for flowrun.

usage: flowc FILE.flow [options]

  -o OUT            write the output to OUT (default: FILE.flowc next to FILE.flow;
                    with --emit, the text goes to standard output unless -o is given)
  --check           check the program (parse, names, types of workflow constructs,
                    code generation) and write nothing
  --emit=KIND       print instead of writing bytecode:
                      ast      the syntax tree of the entry file (not of its imports)
                      ir       the readable bytecode (disassembly) of the whole module
                      graph    each workflow's structure as Graphviz DOT
                      mermaid  the same graph as a Mermaid flowchart
  -I DIR            search DIR for imports that are neither relative ("./x.flow")
                    nor standard ("std/strings"); repeatable, searched in order
  --error-limit=N   stop after N errors (default 20; 0 = no limit)
  -Werror           treat warnings as errors
  --version         print the version and the bytecode format version
  -h, --help        print this help

Diagnostics look like
  app.flow:3:9: error[FLOW2001]: use of undeclared name 'x'
followed by the source line and a caret. docs/diagnostics.md lists every code.

Exit status: 0 success, 1 errors in the program, 2 bad usage or an I/O error.
Output files are written atomically: on any error no (partial) output is left.
)";
}

} // namespace flowc
