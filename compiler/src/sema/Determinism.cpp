// Determinism.cpp — host APIs a JS developer reaches for that would make a
// run differ on replay (FLOW4001, with the deterministic replacement) or that
// Flow does not have at all (FLOW4002, with the reason). These names are not
// builtins; they are only reported when the program does not declare them.
#include <string_view>

#include "SemaInternal.h"

namespace flow::compiler::sema {

namespace {
struct Replacement {
    std::string_view name;
    std::string_view use; // FLOW4001: "use {1}"
};

// Globals whose every use is nondeterministic.
constexpr Replacement kNondeterministic[] = {
    {"Date", "now(), which gives milliseconds since the epoch recorded by the run"},
    {"setTimeout", "'await sleep(ms)', a durable timer"},
    {"setInterval", "a loop with 'await sleep(ms)', a durable timer"},
    {"clearTimeout", "a durable timer with 'await sleep(ms)' instead of host timers"},
    {"clearInterval", "a durable timer with 'await sleep(ms)' instead of host timers"},
    {"setImmediate", "'await sleep(0)'"},
    {"fetch", "an http task: task name(args) = http(\"GET\", \"https://...\")"},
    {"XMLHttpRequest", "an http task: task name(args) = http(\"GET\", \"https://...\")"},
};

struct Reason {
    std::string_view name;
    std::string_view why; // FLOW4002: "not available in Flow: {1}"
};

constexpr Reason kForbidden[] = {
    {"require", "modules are loaded with 'import { name } from \"./file.flow\"'"},
    {"process", "a workflow cannot see the host process; pass values as workflow input, or to "
                "a task through its 'env' option"},
    {"globalThis", "there is no global object; builtins are plain names"},
    {"window", "there is no global object; builtins are plain names"},
    {"eval", "code cannot be compiled at run time"},
    {"Function", "code cannot be compiled at run time; use a function expression or an arrow"},
    {"performance", "host timers differ between replays; use now() for the time"},
    {"crypto", "host randomness differs between replays; use uuid() or random()"},
};

struct MemberRule {
    std::string_view object, member, shown, use;
};

// obj.member pairs reported as a whole, more precisely than the object alone.
constexpr MemberRule kMembers[] = {
    {"Math", "random", "Math.random()", "random(), seeded by the run"},
    {"Date", "now", "Date.now()", "now(), which is recorded by the run"},
    {"performance", "now", "performance.now()", "now(), which is recorded by the run"},
    {"crypto", "randomUUID", "crypto.randomUUID()", "uuid(), derived from the run"},
    {"crypto", "getRandomValues", "crypto.getRandomValues()", "random(), seeded by the run"},
};
} // namespace

bool reportForbiddenGlobal(const std::string& name, ast::SourceRange r, DiagnosticEngine& diags) {
    for (auto& n : kNondeterministic)
        if (n.name == name) {
            diags.report(DiagId::Nondeterministic, r, {name, std::string(n.use)});
            return true;
        }
    for (auto& f : kForbidden)
        if (f.name == name) {
            diags.report(DiagId::ForbiddenGlobal, r, {name, std::string(f.why)});
            return true;
        }
    return false;
}

bool reportForbiddenMember(const std::string& object, bool objectIsBuiltin,
                           const std::string& member, ast::SourceRange r, DiagnosticEngine& diags) {
    for (auto& m : kMembers) {
        if (m.object != object || m.member != member) continue;
        // Math is a builtin; the others are not, so a builtin object named
        // like them (none today) must not match.
        if (objectIsBuiltin != (object == "Math")) return false;
        diags.report(DiagId::Nondeterministic, r, {std::string(m.shown), std::string(m.use)});
        return true;
    }
    return false;
}

} // namespace flow::compiler::sema
