#!/usr/bin/env python3
"""Checks Flow's layering (DESIGN §6): grammar -> compiler -> bytecode <- runtime <- tools.

1. Includes: nothing under compiler/ includes a runtime/VM (or stdlib) header;
   nothing under runtime/ includes a compiler or grammar header; nothing under
   bytecode/ includes anything from compiler/, runtime/, stdlib/ or the grammar.
2. Link lines: from every CMakeLists.txt, the target_link_libraries graph; the
   transitive closure of each layer's targets must stay inside what the layer
   may use (flow_compiler never reaches flow_runtime, and the reverse).

Usage: check_layering.py SOURCE_DIR      (exit 0 clean, 1 violations)
Before checking the tree it checks itself on a small tree with planted
violations, so a broken checker cannot pass silently.
"""
import os
import re
import sys
import tempfile

SOURCE_SUFFIXES = (".h", ".hpp", ".cpp", ".cc", ".def", ".inc")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)
GRAMMAR_HEADERS = re.compile(r"^(FlowLexer|FlowParser\w*)\.h$|^antlr4-runtime\.h$|^flow/grammar/")

# layer directory -> include prefixes (or patterns) it must not use
FORBIDDEN_INCLUDES = {
    "compiler": [r"^flow/runtime/", r"^flow/vm/", r"^flow/stdlib/"],
    "runtime": [r"^flow/compiler/", GRAMMAR_HEADERS.pattern],
    "bytecode": [r"^flow/compiler/", r"^flow/runtime/", r"^flow/vm/", r"^flow/stdlib/",
                 GRAMMAR_HEADERS.pattern],
}
# layer -> layers its targets may reach through link lines ("root" = targets
# defined in the top-level CMakeLists.txt, e.g. flow_llvm; other names are
# external libraries and always allowed)
ALLOWED_LINKS = {
    "grammar": {"grammar", "root"},
    "bytecode": {"bytecode", "root"},
    "compiler": {"compiler", "grammar", "bytecode", "root"},
    "runtime": {"runtime", "bytecode", "root"},
    "stdlib": {"stdlib", "runtime", "bytecode", "root"},
}


def source_files(root, layer):
    base = os.path.join(root, layer)
    for d, dirs, files in os.walk(base):
        dirs[:] = [x for x in dirs if not x.startswith("build")]
        for f in sorted(files):
            if f.endswith(SOURCE_SUFFIXES):
                yield os.path.join(d, f)


def check_includes(root):
    errors = []
    for layer, patterns in FORBIDDEN_INCLUDES.items():
        regexes = [re.compile(p) for p in patterns]
        for path in source_files(root, layer):
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            for m in INCLUDE_RE.finditer(text):
                inc = m.group(1)
                if any(r.search(inc) for r in regexes):
                    line = text.count("\n", 0, m.start()) + 1
                    rel = os.path.relpath(path, root)
                    errors.append(f"{rel}:{line}: the {layer} layer must not include <{inc}>")
    return errors


def strip_cmake_comments(text):
    out = []
    for line in text.splitlines():
        in_quote = False
        cut = len(line)
        for i, c in enumerate(line):
            if c == '"':
                in_quote = not in_quote
            elif c == "#" and not in_quote:
                cut = i
                break
        out.append(line[:cut])
    return "\n".join(out)


def cmake_commands(text, name):
    """Yields the argument lists of every `name(...)` call (multi-line aware)."""
    for m in re.finditer(r"\b" + name + r"\s*\(", text, re.I):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        yield text[m.end():i - 1].split()


def link_graph(root):
    """Returns ({target: layer}, {target: set(linked targets)})."""
    layer_of, links = {}, {}
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith(("build", ".")) and x != "tests"]
        if "CMakeLists.txt" not in files:
            continue
        rel = os.path.relpath(d, root)
        layer = "root" if rel == "." else rel.split(os.sep)[0]
        with open(os.path.join(d, "CMakeLists.txt"), encoding="utf-8") as f:
            text = strip_cmake_comments(f.read())
        for cmd in ("add_library", "add_executable"):
            for args in cmake_commands(text, cmd):
                if args and "$" not in args[0]:
                    layer_of[args[0]] = layer
        for args in cmake_commands(text, "target_link_libraries"):
            if not args:
                continue
            deps = {a for a in args[1:] if "$" not in a and a not in
                    ("PUBLIC", "PRIVATE", "INTERFACE", "LINK_PUBLIC", "LINK_PRIVATE")}
            links.setdefault(args[0], set()).update(deps)
    return layer_of, links


def check_links(root):
    layer_of, links = link_graph(root)
    errors = []
    for target, layer in sorted(layer_of.items()):
        allowed = ALLOWED_LINKS.get(layer)
        if allowed is None:
            continue  # tools/, tests/, bench/: may link anything
        seen, stack, via = set(), [target], {target: None}
        while stack:
            t = stack.pop()
            for dep in sorted(links.get(t, ())):
                if dep in seen:
                    continue
                seen.add(dep)
                via[dep] = t
                stack.append(dep)
        for dep in sorted(seen):
            dep_layer = layer_of.get(dep)
            if dep_layer is not None and dep_layer not in allowed:
                chain, t = [dep], via[dep]
                while t is not None:
                    chain.append(t)
                    t = via[t]
                errors.append(f"link: {target} ({layer}) reaches {dep} ({dep_layer}): "
                              + " -> ".join(reversed(chain)))
    if not layer_of:
        errors.append("link: no targets found in any CMakeLists.txt (is SOURCE_DIR right?)")
    return errors


def check(root):
    return check_includes(root) + check_links(root)


def self_test():
    """Plants one violation of each kind in a scratch tree: each must be found."""
    with tempfile.TemporaryDirectory() as t:
        files = {
            "CMakeLists.txt": "add_library(flow_llvm INTERFACE)\n",
            "compiler/CMakeLists.txt":
                "add_library(flow_compiler x.cpp)\n"
                "target_link_libraries(flow_compiler PUBLIC flow_bytecode # ok\n"
                "  PRIVATE flow_helper)\n",
            "compiler/helper/CMakeLists.txt":
                "add_library(flow_helper y.cpp)\ntarget_link_libraries(flow_helper flow_runtime)\n",
            "compiler/src/A.cpp": '#include "flow/vm/Value.h"\n',
            "runtime/CMakeLists.txt":
                "add_library(flow_runtime z.cpp)\ntarget_link_libraries(flow_runtime flow_bytecode)\n",
            "runtime/src/B.cpp": '#include "flow/compiler/Ast.h"\n#include "FlowParser.h"\n',
            "bytecode/CMakeLists.txt": "add_library(flow_bytecode w.cpp)\n",
            "bytecode/src/C.cpp": "#include <flow/runtime/Store.h>\n#include <vector>\n",
        }
        for rel, text in files.items():
            p = os.path.join(t, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)
        found = "\n".join(check(t))
        expected = ["compiler/src/A.cpp:1", "runtime/src/B.cpp:1", "runtime/src/B.cpp:2",
                    "bytecode/src/C.cpp:1", "flow_compiler (compiler) reaches flow_runtime",
                    "flow_helper (compiler) reaches flow_runtime"]
        missing = [e for e in expected if e not in found]
        if missing or "<vector>" in found:
            print("check_layering.py self-test FAILED; missing: %s\nfound:\n%s" % (missing, found))
            return False
    return True


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if not self_test():
        return 1
    errors = check(os.path.abspath(sys.argv[1]))
    for e in errors:
        print(e)
    if errors:
        print(f"layering: {len(errors)} violation(s)")
        return 1
    print("layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
