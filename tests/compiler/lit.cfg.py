# lit configuration for the compiler's golden tests (ir/ diag/ graph/ ast/)
# and the flowc command-line tests (driver/).
#
# Run through ctest (test "lit-compiler"), or by hand:
#   python3 /usr/lib/llvm-16/build/utils/lit/lit.py -sv tests/compiler \
#       --param flowc=build/tools/flowc --param llvm_bin=/usr/lib/llvm-16/bin
#
# A test is a .flow or .test file with `RUN:` lines (lit's internal shell:
# pipes, &&, redirections, `not`, `rm`, `mkdir`, `cd`, `echo`, `cat`, `diff`)
# and FileCheck `CHECK:` lines. Files under Inputs/ are helpers, not tests.
# Substitutions: %flowc, %python, %src_root (the repository), %exitcode, plus lit's own
# %s (the test file), %S (its directory), %t (a per-test temporary path).
# pylint: disable=undefined-variable
import os
import shutil
import sys

import lit.formats

config.name = "flow-compiler"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".flow", ".test"]
config.excludes = ["Inputs", "Output", "lit.cfg.py", "update_goldens.py"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))


def param(name, default=None):
    value = lit_config.params.get(name, default)
    if value is None:
        lit_config.fatal(f"missing --param {name}=... (see tests/CMakeLists.txt)")
    return value


flowc = os.path.abspath(param("flowc"))
if not os.access(flowc, os.X_OK):
    lit_config.fatal(f"flowc is not an executable: {flowc}")
llvm_bin = param("llvm_bin", "/usr/lib/llvm-16/bin")
src_root = os.path.abspath(
    param("source_dir", os.path.join(config.test_source_root, "..", ".."))
)

# Outputs (%t files, Output/ dirs) go to the build tree, never the sources:
# next to the flowc binary's build directory unless exec_root is given.
build_root = os.path.dirname(os.path.dirname(flowc))
config.test_exec_root = os.path.abspath(
    param("exec_root", os.path.join(build_root, "lit-compiler"))
)

# FileCheck, not, count from LLVM first, so a different LLVM on PATH never wins.
config.environment["PATH"] = os.pathsep.join(
    [llvm_bin, os.path.dirname(flowc), config.environment.get("PATH", os.environ.get("PATH", ""))]
)
# Diagnostics must not depend on the user's locale or terminal.
config.environment["LC_ALL"] = "C.UTF-8"
# Sanitizer settings (ASan build) pass through to flowc.
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

config.substitutions.append(("%flowc", flowc))
config.substitutions.append(("%python", sys.executable or shutil.which("python3")))
config.substitutions.append(("%src_root", src_root))
# %exitcode CMD...: runs CMD and prints "exit: N" (lit's `not` cannot tell 1 from 2).
config.substitutions.append(
    ("%exitcode", "%s %s" % (sys.executable, os.path.join(config.test_source_root, "driver", "Inputs", "exitcode.py")))
)
