#!/usr/bin/env python3
"""Differential fuzzing of Flow against node: a seeded generator of small plain-JavaScript
programs within Flow's subset (docs/language.md), each run under `node` (as an ES module)
and `flowrun run` (as a script), with their stdout and exit status compared.

Usage:
  gen_js.py gen SEED [--kind K]             print one program
  gen_js.py diff FLOWRUN [--node NODE] [--seeds A:B] [--kind K] [--timeout S]
                 [--budget S] [--out DIR]   run seeds A..B-1 (default 0:200), report
                                            the divergent ones (saved to DIR)
Kinds: expr numfmt strings arrays objects json control async inspect math errors misc
coerce stmt (default: by seed); libm only with --kind (see EXTRA_KINDS).

The programs are deterministic and bounded (no unbounded loop, every loop has a
constant trip count), and every run has a per-program timeout; --budget bounds the
whole diff run in seconds. Exit status of `diff`: 0 when every program agrees (or node
is missing: skipped), 1 otherwise.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

KINDS = ["expr", "numfmt", "strings", "arrays", "objects", "json", "control", "async", "inspect",
         "math", "errors", "misc", "coerce", "stmt"]
# Known, documented differences (docs/language.md, section 13) that the default kinds
# avoid so that a divergence is news: the last digit of the C library's transcendental
# Math functions and `**` (kind "libm", only on request), function toString (no source
# text), wrapper objects (new String/Number/Boolean), localeCompare of non-ASCII letters
# such as "ß", function length with defaults, array holes.
EXTRA_KINDS = ["libm"]

NUMS = ["0", "-0", "1", "-1", "2", "3", "7", "10", "0.1", "0.5", "1.5", "-2.5", "0.2", "255",
        "NaN", "Infinity", "-Infinity", "1e21", "1e-7", "123.456", "2147483647", "2147483648",
        "-2147483649", "4294967295", "4294967296", "9007199254740993", "5e-324",
        "1.7976931348623157e308", "0.000001", "1e300", "-1e-300", "100", "31", "32", "33",
        "(0.1 + 0.2)", "(2 ** 53)", "(-(2 ** 31))", "123456789012345680000", "0.3", "1/3"]
STRS = ['""', '"a"', '"abc"', '"10"', '" 12 "', '"0x1f"', '"1e3"', '"-0"', '"Infinity"',
        '"true"', '"null"', '"b"', '"A"', '"\\n"', '" "', '"1,2"', '"3.14abc"', '"0b11"',
        '"ä"', '"😀"', '"aBc"', '"007"', '"-1"', '".5"', '"5."', '"+4"', '"\\t7\\n"']
OTHERS = ["null", "undefined", "true", "false", "[]", "[1]", "[1, 2]", "[null]",
          "[undefined]", '["a", [1, 2]]', "{}", "{ a: 1 }", "[0]", '["7"]', "[[]]",
          "[[1, [2]], 3]", "{ valueOf() { return 42 } }", '{ toString() { return "ts" } }',
          "[NaN]", "[-0]"]
BINOPS = ["+", "-", "*", "/", "%", "**", "==", "!=", "===", "!==", "<", ">", "<=", ">=",
          "&", "|", "^", "<<", ">>", ">>>", "&&", "||", "??"]
UNOPS = ["-", "+", "!", "~", "typeof ", "void "]

PRELUDE = r"""function show(v) {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v)
  if (typeof v === "string") return JSON.stringify(v)
  if (typeof v === "function") return "function"
  if (Array.isArray(v)) return "[" + v.map(show).join(",") + "]"
  if (v !== null && typeof v === "object") {
    return "{" + Object.keys(v).map(k => JSON.stringify(k) + ":" + show(v[k])).join(",") + "}"
  }
  return String(v)
}
function out(label, f) {
  try { console.log(label, show(f())) } catch (e) { console.log(label, "threw", e.name) }
}
"""


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0
        self.libm = False

    def pick(self, xs):
        return self.r.choice(xs)

    def chance(self, p):
        return self.r.random() < p

    def label(self):
        self.n += 1
        return '"%d"' % self.n

    def atom(self):
        k = self.r.random()
        if k < 0.45:
            return self.pick(NUMS)
        if k < 0.75:
            return self.pick(STRS)
        return self.pick(OTHERS)

    def expr(self, d=0):
        if d > 2 or self.chance(0.3):
            return self.atom()
        k = self.r.random()
        if k < 0.6:
            op = self.pick(BINOPS)
            a, b = self.expr(d + 1), self.expr(d + 1)
            if op == "**" and not a.startswith("("):
                a = "(%s)" % a
            if op == "??":
                return "((%s) ?? (%s))" % (a, b)
            return "(%s %s %s)" % (a, op, b)
        if k < 0.8:
            return "(%s(%s))" % (self.pick(UNOPS), self.expr(d + 1))
        if k < 0.88:
            return "(%s ? %s : %s)" % (self.expr(d + 1), self.expr(d + 1), self.expr(d + 1))
        if k < 0.94:
            return "`<${%s}>`" % self.expr(d + 1)
        return "%s(%s)" % (self.pick(["String", "Number", "Boolean", "isNaN", "parseInt",
                                       "parseFloat", "Math.round", "Math.sign", "Math.trunc",
                                       "Math.floor", "Math.ceil", "Math.abs", "Math.max",
                                       "Math.min", "Number.isInteger", "Object.is.bind(null, -0)"]),
                           self.expr(d + 1))

    def line(self, e):
        return "out(%s, () => (%s))" % (self.label(), e)

    # ---- kinds -------------------------------------------------------------------
    def k_expr(self):
        return [self.line(self.expr()) for _ in range(25)]

    def k_numfmt(self):
        out = []
        nums = NUMS + ["1.005", "1.45", "2.5", "-1.5", "0.5", "1234.5678", "1e-10", "123e-20",
                       "0.000001234", "1e20", "99.99", "-0.0001", "65535", "0.7", "4.35"]
        for _ in range(30):
            x = self.pick(nums)
            k = self.r.randrange(9)
            if k == 0:
                e = "(%s).toFixed(%d)" % (x, self.r.randrange(0, 8))
            elif k == 1:
                e = "(%s).toPrecision(%d)" % (x, self.r.randrange(1, 12))
            elif k == 2:
                e = "(%s).toExponential(%s)" % (x, self.pick(["", "0", "1", "3", "8"]))
            elif k == 3:
                e = "(%s).toString(%d)" % (x, self.pick([2, 3, 7, 8, 16, 32, 36]))
            elif k == 4:
                e = "String(%s)" % x
            elif k == 5:
                e = "Number(%s)" % self.pick(STRS + ['"1_000"', '"0o17"', '"  -3.5e2  "', '"12px"',
                                                     '"-Infinity"', '"0x"', '"1e1000"'])
            elif k == 6:
                e = "parseInt(%s%s)" % (self.pick(STRS + ['"12px"', '"  -0x1A"', '"1e3"', '"0.0000005"']),
                                        self.pick(["", ", 16", ", 2", ", 36", ", 0", ", 1"]))
            elif k == 7:
                e = "parseFloat(%s)" % self.pick(STRS + ['"1e3x"', '"-.5e-2"', '"Infinityx"', '"1.2.3"'])
            else:
                e = "(%s) + \"\"" % self.expr(1)
            out.append(self.line(e))
        return out

    def sarg(self):
        return self.pick(["0", "1", "2", "-1", "-2", "10", "-10", "NaN", "undefined", "1.5",
                          "Infinity", "-Infinity", '"1"', "null", "3"])

    def k_strings(self):
        out = []
        strs = ['"hello world"', '"abcabc"', '""', '"  pad  "', '"a-b-c"', '"ÄöÜ"', '"x😀y"',
                '"aaa"', '"Hello"', '"1,2,,3"']
        for _ in range(30):
            s = self.pick(strs)
            m = self.r.randrange(14)
            a1, a2 = self.sarg(), self.sarg()
            sub = self.pick(['"a"', '"b"', '""', '"c"', '"-"', '"abc"', '"l"', '","', '"o w"'])
            if m == 0:
                e = "%s.slice(%s, %s)" % (s, a1, a2)
            elif m == 1:
                e = "%s.substring(%s, %s)" % (s, a1, a2)
            elif m == 2:
                e = "%s.substr(%s, %s)" % (s, a1, a2)
            elif m == 3:
                e = "%s.indexOf(%s, %s)" % (s, sub, a1)
            elif m == 4:
                e = "%s.lastIndexOf(%s, %s)" % (s, sub, a1)
            elif m == 5:
                e = "%s.split(%s%s)" % (s, sub, self.pick(["", ", 2", ", 0", ", -1"]))
            elif m == 6:
                e = "%s.padStart(%s, %s)" % (s, self.pick(["5", "12", "0", "-1", "3"]),
                                             self.pick(['"ab"', '""', '"*"']))
            elif m == 7:
                e = "%s.at(%s)" % (s, a1)
            elif m == 8:
                e = "%s.charAt(%s) + %s.charCodeAt(%s)" % (s, a1, s, a2)
            elif m == 9:
                e = "%s.replace(%s, %s)" % (s, sub, self.pick(['"$&$&"', '"[$`]"', "\"$'\"", '"$$"', '"X"', "(m, i) => m + i"]))
            elif m == 10:
                e = "%s.replaceAll(%s, %s)" % (s, sub, self.pick(['"$&!"', '"_"', '""', "(m, i) => i"]))
            elif m == 11:
                e = "%s.repeat(%s)" % (s, self.pick(["0", "2", "1.5", "3"]))
            elif m == 12:
                e = "%s.includes(%s, %s) + \"/\" + %s.startsWith(%s, %s) + \"/\" + %s.endsWith(%s, %s)" % (
                    s, sub, a1, s, sub, a2, s, sub, a1)
            else:
                e = "[%s.localeCompare(%s), %s < %s, %s.codePointAt(%s), %s.trim().length]" % (
                    s, self.pick(strs), s, self.pick(strs), s, a1, s)
            out.append(self.line(e))
        return out

    def arr(self):
        return self.pick(["[3, 1, 2]", "[10, 9, 1, 100, 25]", '["b", "a", "C", "B"]', "[]",
                          "[1, [2, [3, [4]]], 5]", "[NaN, 0, -0, 1]", "[undefined, 3, null, 1]",
                          '[1, "1", 2, "10", 3]', "[5, 4, 3, 2, 1, 0]", "[true, false, 1, 0]",
                          '[{ k: 2 }, { k: 1 }, { k: 2, x: 1 }]', "[0.5, -1, 1e21, 2]"])

    def k_arrays(self):
        out = []
        for _ in range(25):
            a = self.arr()
            m = self.r.randrange(14)
            i, j = self.sarg(), self.sarg()
            if m == 0:
                e = "%s.slice(%s, %s)" % (a, i, j)
            elif m == 1:
                e = "(() => { const a = %s; const r = a.splice(%s, %s, \"x\", \"y\"); return [a, r] })()" % (a, i, j)
            elif m == 2:
                e = "(() => { const a = %s; const r = a.splice(%s); return [a, r] })()" % (a, i)
            elif m == 3:
                e = "%s.sort(%s)" % (a, self.pick(["", "(x, y) => x - y", "(x, y) => y - x",
                                                   "(x, y) => (x < y ? -1 : x > y ? 1 : 0)",
                                                   "() => 0", "(x, y) => String(x).length - String(y).length"]))
            elif m == 4:
                e = "%s.flat(%s)" % (a, self.pick(["", "0", "2", "Infinity", "-1"]))
            elif m == 5:
                e = "[%s.indexOf(%s), %s.includes(%s), %s.lastIndexOf(%s, %s)]" % (
                    a, self.pick(["NaN", "1", "-0", "undefined", '"1"']), a,
                    self.pick(["NaN", "1", "0", "undefined"]), a, self.pick(["1", "3"]), i)
            elif m == 6:
                e = "%s.join(%s)" % (a, self.pick(["", '"-"', "undefined", "null", '""']))
            elif m == 7:
                e = "%s.fill(0, %s, %s)" % (a, i, j)
            elif m == 8:
                e = "[%s.at(%s), %s.find(x => x > 1), %s.findIndex(x => x > 1), %s.findLast(x => x < 5)]" % (a, i, a, a, a)
            elif m == 9:
                e = "%s.reduce((acc, x, k) => acc + \"|\" + k + \":\" + x, %s)" % (a, self.pick(['""', "0", "undefined"]))
            elif m == 10:
                e = "%s.concat(%s, 7, [[8]])" % (a, self.arr())
            elif m == 11:
                # Shrinking only: Flow arrays have no holes (docs/runtime.md), growing fills undefined.
                e = "(() => { const a = %s; a.length = Math.min(a.length, %s); return [a.length, a] })()" % (a, self.pick(["0", "2", "1"]))
            elif m == 12:
                e = "[...%s.entries()].map(([k, v]) => k + \"=\" + v)" % a
            else:
                e = "Array.from(%s, (v, k) => k)" % self.pick(["\"abc\"", "{ length: 3 }", a])
            out.append(self.line(e))
        return out

    def key(self):
        return self.pick(['"b"', '"a"', '"10"', '"2"', '"1"', '"-1"', '"01"', '"1.5"', "3",
                          '"4294967295"', '"4294967294"', '"z"', '"__x"', "0", '"1e3"', '" 1"'])

    def k_objects(self):
        out = []
        for _ in range(18):
            keys = [self.key() for _ in range(self.r.randrange(1, 6))]
            lit = "{ " + ", ".join("[%s]: %d" % (k, n) for n, k in enumerate(keys)) + " }"
            m = self.r.randrange(8)
            if m == 0:
                e = "Object.keys(%s)" % lit
            elif m == 1:
                e = "JSON.stringify(%s)" % lit
            elif m == 2:
                e = "(() => { const o = %s; delete o[%s]; o[%s] = 9; return Object.entries(o) })()" % (
                    lit, self.key(), self.key())
            elif m == 3:
                e = "(() => { const r = []; for (const k in %s) r.push(k); return r })()" % lit
            elif m == 4:
                e = "({ ...%s, ...%s })" % (lit, self.pick(["{ z: 1, 1: 2 }", "[7, 8]", '"hi"', "null", "{}"]))
            elif m == 5:
                e = "(() => { const { %s, ...rest } = %s; return rest })()" % (
                    self.pick(["a = 5", "b: bb = 6", "[\"10\"]: ten = 1", "z"]), lit)
            elif m == 6:
                e = "Object.assign(%s, %s)" % (lit, self.pick(["{ a: 1, 0: 0 }", "[9]", "null", '"ab"']))
            else:
                e = "[%s in %s, Object.hasOwn(%s, %s), %s[%s]]" % (
                    self.key(), lit, lit, self.key(), lit, self.key())
            out.append(self.line(e))
        return out

    def jval(self, d=0):
        if d > 2 or self.chance(0.35):
            return self.pick(["1", "-0", "NaN", "Infinity", "null", "undefined", '"s"',
                              '"q\\"\\u2028\\u0007"', "true", "1e21", "0.1", "() => 1", '"é"'])
        if self.chance(0.5):
            return "[" + ", ".join(self.jval(d + 1) for _ in range(self.r.randrange(0, 4))) + "]"
        return "{ " + ", ".join("%s: %s" % (self.key().strip('"') if False else "[%s]" % self.key(),
                                            self.jval(d + 1))
                                for _ in range(self.r.randrange(0, 4))) + " }"

    def k_json(self):
        out = []
        for _ in range(20):
            m = self.r.randrange(4)
            if m == 0:
                e = "JSON.stringify(%s)" % self.jval()
            elif m == 1:
                e = "JSON.stringify(%s, null, %s)" % (self.jval(), self.pick(["2", '"--"', "0", "11", '""', '"\\t"']))
            elif m == 2:
                e = "JSON.stringify(%s, %s)" % (self.jval(), self.pick(['["a", "1"]', "(k, v) => (typeof v === \"number\" ? v + 1 : v)",
                                                                         "(k, v) => (k === \"\" ? v : undefined)"]))
            else:
                e = "JSON.parse(%s)" % self.pick([
                    r"'[1, 2.5e3, -0, \"x\"]'", r"' {\"a\" : [ ] , \"b\": {}} '", r"'\"\\u00e9\\ud83d\\ude00\"'",
                    r"'{\"__proto__\": 1, \"2\": 0, \"1\": 0}'", r"'[1,]'", r"'01'", r"'1.'", r"'-'",
                    r"'\"\\x41\"'", r"'{\"a\":1,\"a\":2}'", r"'1e400'", r"'-0'", r"'true '", r"'nul'",
                    r"'\"\t\"'", r"'[\"a\"]x'", r"'  \n 7'", r"'{\"k\": [null, false]}'"])
            out.append(self.line(e))
        return out

    def k_control(self):
        # Straight-line programs exercising labels, switch fallthrough, finally, closures.
        out = ["const log = []"]
        for t in range(6):
            m = self.r.randrange(5)
            n1, n2 = self.r.randrange(1, 5), self.r.randrange(1, 5)
            c1, c2 = self.r.randrange(0, 5), self.r.randrange(0, 5)
            if m == 0:
                out.append("outer%d: for (let i = 0; i < %d; i++) { for (let j = 0; j < %d; j++) { "
                           "if (j === %d) continue outer%d; if (i + j === %d) break outer%d; log.push(i * 10 + j) } }"
                           % (t, n1, n2, c1, t, c2, t))
            elif m == 1:
                v = self.pick(["0", "1", "2", '"1"', "3", "NaN"])
                out.append("switch (%s) { case 1: log.push(\"one\"); case \"1\": log.push(\"str\"); break; "
                           "default: log.push(\"def\"); case 2: log.push(\"two\"); %s case 3: log.push(\"three\") }"
                           % (v, self.pick(["break;", ""])))
            elif m == 2:
                out.append("log.push((() => { try { %s } catch (e) { %s } finally { %s } })())" % (
                    self.pick(["return 1", "throw 2", "log.push(\"t\")"]),
                    self.pick(["return \"c\" + e", "log.push(e)", "throw 3"]),
                    self.pick(["log.push(\"f\")", "return \"f\"", ""])))
                out[-1] = "try { %s } catch (e) { log.push(\"caught \" + e) }" % out[-1]
            elif m == 3:
                out.append("{ const fs = []; for (let i = 0; i < %d; i++) { fs.push(() => i); i += %d } "
                           "let k = 0; while (k < %d) { const kk = k; fs.push(() => kk * k); k++ } "
                           "log.push(fs.map(f => f()).join()) }" % (n1 + 2, c1 % 2, n2))
            else:
                out.append("{ let s = 0; for (const ch of %s) { if (ch === \"b\") continue; s += ch.length; "
                           "for (const k in %s) { if (k === \"1\") break; s += k } } log.push(s) }" % (
                               self.pick(['"abc"', '["a", "b"]', '"x😀"', "[]"]),
                               self.pick(['["p", "q"]', '{ a: 1, 1: 2, b: 3 }', '"xy"', "{}"])))
        out.append('console.log(JSON.stringify(log))')
        return out

    def k_async(self):
        out = ["const log = []"]
        fns = []
        for t in range(self.r.randrange(2, 5)):
            body = []
            for s in range(self.r.randrange(1, 4)):
                m = self.r.randrange(5)
                if m == 0:
                    body.append("await null")
                elif m == 1:
                    body.append("await Promise.resolve(%d)" % s)
                elif m == 2:
                    body.append("log.push(\"f%d.%d\")" % (t, s))
                elif m == 3:
                    body.append("await new Promise(r => { log.push(\"ex%d.%d\"); r() })" % (t, s))
                else:
                    body.append("try { await Promise.reject(%d) } catch (e) { log.push(\"c%d\" + e) } finally { log.push(\"fin%d\") }"
                                % (s, t, t))
            ret = self.pick(["", "return %d" % t, "return Promise.resolve(%d)" % t, "throw %d" % t])
            fns.append("async function f%d() { log.push(\"s%d\"); %s; %s }" % (t, t, "; ".join(body), ret))
        out += fns
        for t in range(len(fns)):
            how = self.r.randrange(3)
            if how == 0:
                out.append("f%d().then(v => log.push(\"v%d=\" + v), e => log.push(\"e%d=\" + e))" % (t, t, t))
            elif how == 1:
                out.append("f%d().catch(e => log.push(\"e%d=\" + e)).finally(() => log.push(\"F%d\"))" % (t, t, t))
            else:
                out.append("Promise.resolve().then(() => log.push(\"t%d\")).then(() => f%d()).then(v => log.push(\"w%d=\" + v), () => log.push(\"r%d\"))"
                           % (t, t, t, t))
        out.append("log.push(\"sync\")")
        out.append(self.pick([
            "Promise.all([f0(), Promise.resolve(\"z\")]).then(v => log.push(\"all\" + v), e => log.push(\"allE\" + e))",
            "Promise.allSettled([f0(), 5]).then(v => log.push(JSON.stringify(v)))",
            "Promise.race([f1(), f0()]).then(v => log.push(\"race\" + v), e => log.push(\"raceE\" + e))",
            "Promise.any([f0(), f1()]).then(v => log.push(\"any\" + v), e => log.push(\"anyE\" + e.name))",
        ]))
        out.append("let ticks = 0; function tick() { if (ticks++ < 40) Promise.resolve().then(tick); else console.log(log.join(\" \")) } tick()")
        return out

    def k_inspect(self):
        vals = ["-0", "[ -0, 0 ]", "{ a: undefined, b: null, 'c-d': 1, 2: 'x' }", '"str"',
                "[\"a\", 'b\"', \"it's\"]", "{ f() {}, g: () => 1, h: function named() {} }",
                "[[[[1]]]]", "{ a: { b: { c: { d: 1 } } } }", "new Error(\"boom\").message",
                "[1.5, NaN, Infinity, 1e21, 1e-7]", "{ 'key with space': [], '': 0 }",
                "Array.from({ length: 8 }, (_, i) => i * 11111)", "[undefined, null]",
                "{ __a: 1, $b: 2, _c: 3, 'é': 4, '1a': 5 }", "true", "[true, '1', 1]",
                "Array.from({ length: 120 }, (_, i) => i)", "[{}, []]", "'multi\\nline'",
                "Object.fromEntries([['x', 1], ['1', 2]])", "[Promise.resolve(1)]"]
        out = []
        for _ in range(12):
            k = self.r.randrange(3)
            if k == 0:
                out.append("console.log(%s)" % self.pick(vals))
            elif k == 1:
                out.append("console.log(%s, %s)" % (self.pick(vals), self.pick(vals)))
            else:
                out.append("console.log(%s, %s)" % (self.pick(['"%s|%d|%i|%o"', '"%j %%"', '"x%sy"', '"%c!"']),
                                                    self.pick(vals)))
        return out

    def k_math(self):
        out = []
        xs = NUMS + ["0.5", "-0.5", "2.5", "-2.5", "1e10", "-7.25", "0.9999999999999999", "3.141592653589793",
                     "1e-300", "100.5", "0.49999999999999994", "-1e21", "710", "-745", "1e16 + 1"]
        # The functions JS defines exactly, and ** with small integer exponents.
        one = ["sqrt", "round", "fround", "clz32", "sign", "trunc", "floor", "ceil", "abs"]
        two = ["imul", "hypot", "max", "min"]
        ys = ["0", "-0", "1", "2", "3", "-1", "-2", "0.5", "NaN", "Infinity", "-Infinity", "10", "52"]
        if self.libm:
            one = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
                   "acosh", "atanh", "exp", "expm1", "log", "log1p", "log2", "log10", "cbrt"]
            two = ["atan2", "pow"]
            ys = xs + ["1/3", "-0.5"]
        for _ in range(30):
            if self.chance(0.6):
                e = "Math.%s(%s)" % (self.pick(one), self.pick(xs))
            elif self.chance(0.7):
                e = "Math.%s(%s, %s)" % (self.pick(two), self.pick(xs), self.pick(xs))
            else:
                # Only bases whose powers V8 and the C library agree on (3 ** 52 differs).
                e = "(%s) ** (%s)" % (self.pick(xs if self.libm else ["2", "-2", "0.5", "-0", "NaN", "1", "Infinity"]),
                                      self.pick(ys))
            out.append(self.line(e))
        return out

    def k_libm(self):
        self.libm = True
        return self.k_math()

    def k_errors(self):
        # Runtime errors: their name and message (V8's wording is what users see).
        # Left out, known (tests/conformance/js xfails): V8 names the callee text in
        # "x is not a function/constructor" ({}.f, (intermediate value)); no normalize.
        cases = ["null.x", "undefined.x", "(void 0)[0]", "null[\"k\"]", "(1).x.y",
                 "[].reduce((a, b) => a)", "(1).toString(37)", "[].reduceRight(() => 0)",
                 "JSON.parse(\"{bad\")", "JSON.parse(\"\")", "JSON.parse(\"[1,]\")",
                 "\"abc\".repeat(-1)", "(1).toFixed(101)", "(255).toString(1)", "new Array(-1)",
                 "Object.keys(null)", "Object.entries(undefined)", "(1).toPrecision(0)",
                 "Object.fromEntries([1])", "({}).a.b", "[1][5].z",
                 "(() => { const o = {}; o.self = o; return JSON.stringify(o) })()",
                 "decodeURIComponent(\"%\")", "String.fromCodePoint(-1)", "null.f()",
                 "(() => { const o = { a: [{}] }; o.a[0].b = o; return JSON.stringify(o) })()",
                 "JSON.parse(\"{\\\"a\\\" 1}\")", "JSON.parse(\"tru\")", "[].length = -1",
                 "\"x\".padStart(Infinity)", "Array(2 ** 32)", "Number(1).toString(0)",
                 "JSON.parse(undefined)"]
        out = []
        for c in self.r.sample(cases, 12):
            out.append("try { console.log(%s) } catch (e) { console.log(e.name + \": \" + e.message) }" % c)
        return out

    def k_misc(self):
        out = []
        for t in range(14):
            m = self.r.randrange(8)
            a, b = self.atom(), self.atom()
            if m == 0:
                out.append(self.line("(() => { const [x = %s, y = x, ...z] = %s; return [x, y, z] })()" % (
                    a, self.pick(["[]", "[undefined, null]", "[1, 2, 3, 4]", '"hi"', "[null]"]))))
            elif m == 1:
                out.append(self.line("(() => { let v = %s; v %s= %s; return v })()" % (
                    a, self.pick(["+", "-", "*", "**", "%", "<<", ">>>", "&", "|", "&&", "||", "??"]), b)))
            elif m == 2:
                out.append(self.line("(() => { let v = %s; const r = [v++, v, ++v, v--, -v]; return r })()" % a))
            elif m == 3:
                out.append(self.line("(() => { const o = %s; return [o?.a, o?.[0], o?.length, o?.a?.b, typeof o?.toString] })()" % a))
            elif m == 4:
                out.append(self.line("[...%s].length + \":\" + [...%s].join(\"/\")" % (
                    self.pick(['"a😀b"', "[1, [2]]", '""', "[null, undefined]"]), self.pick(['"xy"', "[3]"]))))
            elif m == 5:
                out.append(self.line("(({ a = %s, b: { c } = { c: %s }, ...r } = {}) => [a, c, r])(%s)" % (
                    a, b, self.pick(["undefined", "{}", "{ a: null, z: 1 }", "{ b: { c: 5 }, 1: 2 }"]))))
            elif m == 6:
                out.append(self.line("String(%s) + typeof (%s) + (%s instanceof Object) + (%s instanceof Array)" % (a, a, a, b)))
            else:
                out.append(self.line("(() => { const f = function %s(%s) { return [%s] }; return [f.name, f.length, ...f(1, 2)] })()" % (
                    self.pick(["", "nm"]), self.pick(["a, b", "...r", "a, { b }", ""]),
                    self.pick(["typeof this", "1", "this === undefined"]))))
        return out

    def k_coerce(self):
        vals = OTHERS + ["[1, [2, 3]]", "[null, undefined, 1]", "{ toJSON() { return 5 } }",
                         "{ a: { toJSON(k) { return k } } }", "new Error(\"m\")",
                         "new TypeError(\"t\")", "Promise.resolve()", "Object.create(null)",
                         "[1.5, -0]", "Math", "JSON", "[Math]"] + self.r.sample(NUMS, 5) + self.r.sample(STRS, 5)
        out = []
        for _ in range(20):
            v = self.pick(vals)
            m = self.r.randrange(9)
            if m == 0:
                e = "`${%s}`" % v
            elif m == 1:
                e = "Object.prototype.toString.call(%s)" % v
            elif m == 2:
                e = "JSON.stringify([%s])" % v
            elif m == 3:
                e = "[typeof (%s), Boolean(%s), !!(%s) === true]" % (v, v, v)
            elif m == 4:
                e = "[Object.keys(%s), Object.values(%s)]" % (self.pick(['"ab"', "[7, 8]", "{ b: 1, a: 2 }", "5", "true"]),
                                                              self.pick(['"ab"', "[7, 8]", "{ 2: 1, 1: 2 }"]))
            elif m == 5:
                e = "String([%s, %s])" % (v, self.pick(vals))
            elif m == 6:
                e = "(%s) + (%s)" % (v, self.pick(vals))
            elif m == 7:
                e = "[(%s) == (%s), (%s) < (%s)]" % (v, self.pick(vals), v, self.pick(vals))
            else:
                e = "[Number(%s), +[%s], String(%s).length]" % (v, v, v)
            out.append(self.line(e))
        return out

    # ---- stmt: random nested statements over a few variables (scoping, shadowing,
    # closures in loops, break/continue/labels, try/finally, switch): the compiler's
    # scopes, registers and jumps. Every loop runs a constant number of times.
    def svar(self, scope):
        return self.pick(scope)

    def sexpr(self, scope, d=0):
        if d > 1 or self.chance(0.4):
            return self.pick([self.svar(scope), str(self.r.randrange(-3, 10)), '"s"', "fs.length"])
        op = self.pick(["+", "-", "*", "%", "&", "|", "^", "<<", "===", "<", "&&", "||", "??"])
        return "(%s %s %s)" % (self.sexpr(scope, d + 1), op, self.sexpr(scope, d + 1))

    def sblock(self, scope, depth, loops):
        out = []
        for _ in range(self.r.randrange(1, 4)):
            out.append(self.sstmt(scope, depth, loops))
        return "{ " + " ".join(out) + " }"

    def sstmt(self, scope, depth, loops):
        m = self.r.randrange(12 if depth < 3 else 4)
        # Assign only a, b, c and the w shadows (not loop variables: the loops stay bounded);
        # clip() keeps strings short.
        v = self.pick([x for x in scope if x[0] not in "xi"])
        if m == 0:
            return "%s = clip(%s);" % (v, self.sexpr(scope))
        if m == 1:
            return "fs.push(() => %s);" % self.sexpr(scope)
        if m == 2:
            return "log.push(%s);" % self.sexpr(scope)
        if m == 3:
            if loops:
                labels = [x for x in loops if x]
                return self.pick(["break", "continue"]) + (" " + self.pick(labels) if labels and self.chance(0.4) else "") + ";"
            return "%s = %s;" % (v, self.sexpr(scope))
        if m == 4:
            return "if (%s) %s else %s" % (self.sexpr(scope), self.sblock(scope, depth + 1, loops),
                                            self.sblock(scope, depth + 1, loops))
        if m == 5:
            self.n += 1
            i, lab = "i%d" % self.n, "L%d" % self.n
            return "%s: for (let %s = 0; %s < %d; %s++) %s" % (
                lab, i, i, self.r.randrange(1, 4), i, self.sblock(scope + [i], depth + 1, loops + [lab]))
        if m == 6:
            self.n += 1
            nv = self.pick(scope) if self.chance(0.5) else "w%d" % self.n
            inner = [x for x in scope if x != nv] + [nv]
            # The initializer must not name nv itself (TDZ; FLOW2011 at compile time in Flow).
            return "{ let %s = %s; %s }" % (nv, self.sexpr([x for x in scope if x != nv] or ["1"]),
                                            self.sblock(inner, depth + 1, loops)[2:-2])
        if m == 7:
            return "try %s catch (e) { log.push(\"c\" + e); } finally { log.push(\"f\"); }" % (
                self.sblock(scope, depth + 1, loops)[:-1] + (" throw %s; }" % self.sexpr(scope) if self.chance(0.5) else "}"))
        if m == 8:
            self.n += 1
            x = "x%d" % self.n
            return "for (const %s of [%s, %s]) %s" % (x, self.sexpr(scope), self.sexpr(scope),
                                                        self.sblock(scope + [x], depth + 1, loops + [""]))
        if m == 9:
            return "switch (%s) { case 1: %s case \"s\": %s default: %s }" % (
                self.sexpr(scope), self.sstmt(scope, depth + 1, loops), self.sstmt(scope, depth + 1, loops),
                self.sstmt(scope, depth + 1, loops))
        if m == 10:
            self.n += 1
            fn = "g%d" % self.n
            return "{ const %s = (p) => { %s = clip(p + %s); return %s }; log.push(%s(%s)); }" % (
                fn, v, self.sexpr(scope), self.sexpr(scope + ["p"]), fn, self.sexpr(scope))
        return "%s = clip(%s %s %s);" % (v, v, self.pick(["+", "-", "*", "??", "||", "&&"]), self.sexpr(scope))

    def k_stmt(self):
        scope = ["a", "b", "c"]
        body = [self.sstmt(scope, 0, []) for _ in range(8)]
        return (["const log = [], fs = []", "let a = 1, b = \"x\", c = null",
                 "function clip(v) { return typeof v === \"string\" ? v.slice(0, 8) : v }"] + body +
                ["console.log(JSON.stringify([a, b, c, log, fs.map(f => f())]))"])


def generate(seed, kind=None):
    g = Gen(seed)
    kind = kind or KINDS[seed % len(KINDS)]
    body = getattr(g, "k_" + kind)()
    return "// gen_js.py seed %d kind %s\n%s%s\n" % (seed, kind, PRELUDE, "\n".join(body))


def run(cmd, timeout):
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout)
        return r.stdout.decode("utf-8", "replace"), (0 if r.returncode == 0 else 1)
    except subprocess.TimeoutExpired:
        return "<timeout>", -1


def first_difference(a, b):
    al, bl = a.splitlines(), b.splitlines()
    for i in range(max(len(al), len(bl))):
        x = al[i] if i < len(al) else "<none>"
        y = bl[i] if i < len(bl) else "<none>"
        if x != y:
            return "node:  %s\nflow:  %s" % (x, y)
    return "(exit status only)"


def diff(argv):
    flowrun = argv.pop(0)
    node, seeds, kind, timeout, budget, outdir = shutil.which("node"), (0, 200), None, 10, 0, None
    while argv:
        a = argv.pop(0)
        if a == "--node":
            node = argv.pop(0)
        elif a == "--seeds":
            lo, hi = argv.pop(0).split(":")
            seeds = (int(lo), int(hi))
        elif a == "--kind":
            kind = argv.pop(0)
        elif a == "--timeout":
            timeout = float(argv.pop(0))
        elif a == "--budget":
            budget = float(argv.pop(0))
        elif a == "--out":
            outdir = argv.pop(0)
        else:
            print("unknown argument %s" % a)
            return 2
    if not node:
        print("node not found: skipped")
        return 0
    start, bad, ran = time.time(), [], 0
    with tempfile.TemporaryDirectory() as d:
        os.environ["FLOW_DB"] = os.path.join(d, "flow.db")
        for seed in range(*seeds):
            if budget and time.time() - start > budget:
                break
            src = generate(seed, kind)
            js, fl = os.path.join(d, "p.mjs"), os.path.join(d, "p.flow")
            for p in (js, fl):
                with open(p, "w", encoding="utf-8") as f:
                    f.write(src)
            want = run([node, js], timeout)
            got = run([flowrun, "run", fl], timeout)
            ran += 1
            if want != got:
                bad.append(seed)
                print("seed %d (%s) differs:\n%s" % (seed, kind or KINDS[seed % len(KINDS)],
                                                     first_difference(want[0] + "exit %d" % want[1],
                                                                      got[0] + "exit %d" % got[1])))
                if outdir:
                    os.makedirs(outdir, exist_ok=True)
                    with open(os.path.join(outdir, "seed%d.flow" % seed), "w", encoding="utf-8") as f:
                        f.write(src)
    print("%d programs, %d differ%s" % (ran, len(bad), (": " + " ".join(map(str, bad))) if bad else ""))
    return 1 if bad else 0


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["gen"]:
        kind = argv[3] if len(argv) > 3 and argv[2] == "--kind" else None
        sys.stdout.write(generate(int(argv[1]), kind))
        return 0
    if argv[:1] == ["diff"] and len(argv) > 1:
        return diff(argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
