#pragma once
// VmNativesHelper.h — compiles a Flow snippet and runs it on a fresh Vm,
// returning everything console.log/error printed (plus "!uncaught <value>"
// when an error escapes). Every expectation in the VmNatives*.test.cpp files
// is what node v20 prints for the same (plain JavaScript) snippet.
#include <doctest/doctest.h>

#include <string>

#include "flow/compiler/Compiler.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Natives.h"
#include "flow/vm/Vm.h"

namespace natives_test {

inline std::string runJs(const std::string& src, bool stress = false) {
    std::string diags;
    flow::compiler::CompileOptions opts;
    auto c = flow::compiler::compileSource("test.flow", src, opts,
                                           [&](std::string_view s) { diags += s; });
    if (!c->ok() || !c->module) return "!compile " + diags;
    std::string out;
    flow::vm::VmOptions o;
    o.gcStress = stress;
    o.out = [&](std::string_view s) { out += s; };
    o.err = [&](std::string_view s) { out += s; };
    flow::vm::Vm vm(o);
    vm.load(std::move(*c->module));
    flow::vm::Completion r = vm.runInits();
    if (!r.ok) out += "!uncaught " + flow::vm::toStdString(vm, r.value);
    return out;
}

// Checks the output both normally and with a collection at every allocation.
inline void expectOut(const std::string& src, const std::string& expected) {
    CHECK(runJs(src) == expected);
    CHECK(runJs(src, true) == expected);
}

} // namespace natives_test
