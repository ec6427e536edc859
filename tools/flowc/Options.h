#pragma once
// Options.h — flowc's command line, parsed by hand (CLI11 would cost ~10 s of
// compile time for a dozen flags).
#include <optional>
#include <string>
#include <vector>

namespace flowc {

enum class Emit { Bytecode, Ast, Ir, Dot, Mermaid };

struct Options {
    std::string input;
    std::string output; // empty: default (input with .flowc) or stdout for --emit
    bool check = false; // --check: compile, write nothing
    Emit emit = Emit::Bytecode;
    std::vector<std::string> includeDirs;
    unsigned errorLimit = 20; // 0 = no limit
    bool werror = false;
    bool help = false, version = false;
};

// Parses argv. On bad usage returns nullopt and sets `error` to a one-line
// message ("unknown option '--foo'").
std::optional<Options> parseArgs(int argc, char** argv, std::string& error);

std::string helpText();
std::string versionText();

} // namespace flowc
