// VmNativesJson.test.cpp — JSON.parse and JSON.stringify: formatting, replacer/reviver/toJSON,
// cycles, node's error messages. Each snippet is plain JavaScript; the expected output is what node
// v20 printed for it (generated with `node -e`), checked with and without GC stress.
#include "VmNativesHelper.h"
#include <nlohmann/json.hpp>

#include "flow/vm/Json.h"

using natives_test::expectOut;

TEST_CASE("VmNativesJson: stringify") {
    expectOut(R"JS(console.log(JSON.stringify({a: [1, {b: 2}], c: "x"}, null, 2))
console.log(JSON.stringify([undefined, () => 1, NaN, -0, Infinity, null]), JSON.stringify({a: undefined, b: () => 1, c: null}), JSON.stringify(undefined), JSON.stringify(() => 1))
console.log(JSON.stringify("\u2028\ud800\x7f\x1f\"\\\b\f\n\r\t"), JSON.stringify({a: 1, b: [1, 2], c: {d: 1, a: 5}}, ["a", "c"]), JSON.stringify({a: 1, b: 2}, (k, v) => typeof v === "number" ? v * 10 : v))
console.log(JSON.stringify([], null, 2), JSON.stringify({}, null, 2), JSON.stringify([[]], null, "--"), JSON.stringify({a: 1}, null, "abcdefghijklmnop"), JSON.stringify(1, null, 20), JSON.stringify([1], null, 20))
console.log(JSON.stringify({toJSON() { return {x: 1} }}), JSON.stringify({d: {toJSON(k) { return "key:" + k }}}), JSON.stringify({"1": 1, b: 2, "0": 0}))
)JS",
              R"OUT({
  "a": [
    1,
    {
      "b": 2
    }
  ],
  "c": "x"
}
[null,null,null,0,null,null] {"c":null} undefined undefined
" \ud800\u001f\"\\\b\f\n\r\t" {"a":1,"c":{"a":5}} {"a":10,"b":20}
[] {} [
--[]
] {
abcdefghij"a": 1
} 1 [
          1
]
{"x":1} {"d":"key:d"} {"0":0,"1":1,"b":2}
)OUT");
}

TEST_CASE("VmNativesJson: stringify cycles") {
    expectOut(
        R"JS(const a = {x: 1}
a.self = a
try { JSON.stringify(a) } catch (e) { console.log(e.name, JSON.stringify(e.message)) }
const b = {p: {q: [1, {}]}}
b.p.q[1].r = b.p
try { JSON.stringify(b) } catch (e) { console.log(e.name, JSON.stringify(e.message)) }
const d = {}
d.a = {b: {c: {d: {e: d}}}}
try { JSON.stringify(d) } catch (e) { console.log(e.name, JSON.stringify(e.message)) }
const shared = {v: 1}
console.log(JSON.stringify([shared, shared]))
)JS",
        R"OUT(TypeError "Converting circular structure to JSON\n    --> starting at object with constructor 'Object'\n    --- property 'self' closes the circle"
TypeError "Converting circular structure to JSON\n    --> starting at object with constructor 'Object'\n    |     property 'q' -> object with constructor 'Array'\n    |     index 1 -> object with constructor 'Object'\n    --- property 'r' closes the circle"
TypeError "Converting circular structure to JSON\n    --> starting at object with constructor 'Object'\n    |     property 'a' -> object with constructor 'Object'\n    |     property 'b' -> object with constructor 'Object'\n    |     ...\n    |     property 'd' -> object with constructor 'Object'\n    --- property 'e' closes the circle"
[{"v":1},{"v":1}]
)OUT");
}

TEST_CASE("VmNativesJson: parse") {
    expectOut(
        R"JS(console.log(JSON.parse('{"a":[1,2,{"b":null}],"c":"\\u00e9\\ud83d\\ude00","d":-0,"e":1e3,"f":true}'), JSON.parse("-0"), JSON.parse(' "x" '), JSON.parse("123456789012345678901234567890"))
console.log(JSON.parse('{"b":1,"a":2,"1":3,"b":4}'), JSON.parse("[]"), JSON.parse("{}"), JSON.parse('"\\ud800"').length, JSON.parse('"\\/\\b\\f\\n\\r\\t\\"\\\\"').length)
console.log(JSON.parse('{"a":1,"b":[1,2]}', (k, v) => typeof v === "number" ? v + 1 : v), JSON.parse('{"a":1,"b":2}', (k, v) => k === "a" ? undefined : v))
const big = {list: Array.from({length: 50}, (_, i) => ({id: i, name: "item" + i, tags: ["x", "y"], ok: i % 2 === 0}))}
const text = JSON.stringify(big)
console.log(text.length, JSON.stringify(JSON.parse(text)) === text, JSON.stringify(JSON.parse(JSON.stringify(big, null, 2))) === text)
)JS",
        R"OUT({ a: [ 1, 2, { b: null } ], c: 'é😀', d: -0, e: 1000, f: true } -0 x 1.2345678901234568e+29
{ '1': 3, b: 4, a: 2 } [] {} 1 8
{ a: 2, b: [ 2, 3 ] } { b: 2 }
2665 true true
)OUT");
}

TEST_CASE("VmNativesJson: parse errors") {
    expectOut(
        R"JS(for (const t of ["{bad", "", "[1,]", '{"a":1,}', "[1 2]", "tru", '"abc', "01", "1.", "-", '"\\x"', '"a\nb"', '{"a" 1}', "[", "1 2", '{"a":}', "1e", '"\\u12G4"', "undefined", "NaN", "abcdefghijklmnopqrstuvwxyz", "[1,2,3,4,5,6,7,8,9,10,x]", "[" + "1,".repeat(30) + "x" + ",2".repeat(30) + "]", "[x,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18]", "é"]) {
  try { JSON.parse(t); console.log("ok") } catch (e) { console.log(e.name + ": " + e.message) }
}
)JS",
        R"OUT(SyntaxError: Expected property name or '}' in JSON at position 1
SyntaxError: Unexpected end of JSON input
SyntaxError: Unexpected token ']', "[1,]" is not valid JSON
SyntaxError: Expected double-quoted property name in JSON at position 7
SyntaxError: Expected ',' or ']' after array element in JSON at position 3
SyntaxError: Unexpected end of JSON input
SyntaxError: Unterminated string in JSON at position 4
SyntaxError: Unexpected number in JSON at position 1
SyntaxError: Unterminated fractional number in JSON at position 2
SyntaxError: No number after minus sign in JSON at position 1
SyntaxError: Bad escaped character in JSON at position 2
SyntaxError: Bad control character in string literal in JSON at position 2
SyntaxError: Expected ':' after property name in JSON at position 5
SyntaxError: Unexpected end of JSON input
SyntaxError: Unexpected non-whitespace character after JSON at position 2
SyntaxError: Unexpected token '}', "{"a":}" is not valid JSON
SyntaxError: Exponent part is missing a number in JSON at position 2
SyntaxError: Bad Unicode escape in JSON at position 5
SyntaxError: "undefined" is not valid JSON
SyntaxError: "NaN" is not valid JSON
SyntaxError: Unexpected token 'a', "abcdefghij"... is not valid JSON
SyntaxError: Unexpected token 'x', ...",7,8,9,10,x]" is not valid JSON
SyntaxError: Unexpected token 'x', ..."1,1,1,1,1,x,2,2,2,2,"... is not valid JSON
SyntaxError: Unexpected token 'x', "[x,1,2,3,4,"... is not valid JSON
SyntaxError: Unexpected token 'é', "é" is not valid JSON
)OUT");
}

TEST_CASE("VmNativesJson: user code mutating the document") {
    expectOut(
        R"JS(const doc = {a: {toJSON() { delete doc.b; delete doc.c; return "A" }}, b: "gone", c: {x: 1}, d: [1, 2]}
console.log(JSON.stringify(doc), JSON.stringify({p: 1, q: 2, r: 3}, function (k, v) { if (k === "p") { delete this.q } return v }))
const parsed = JSON.parse('{"x":{"y":[1,2,3],"z":"s"},"w":{"v":true}}', function (k, v) {
  if (k === "y") { delete this.z; return v.map(n => String(n).repeat(3)) }
  if (k === "x") { return Object.keys(v).join("+") + ":" + JSON.stringify(v) }
  return v
})
console.log(parsed)
)JS",
        R"OUT({"a":"A","d":[1,2]} {"p":1,"r":3}
{ x: 'y:{"y":["111","222","333"]}', w: { v: true } }
)OUT");
}

TEST_CASE("quoteJsonString writes nlohmann's escapes for every ASCII character") {
    // The engine writes history rows as text with it and they must read back
    // exactly as rows written with nlohmann::json did.
    std::string all;
    for (int c = 0; c < 0x80; ++c)
        all += char(c);
    std::string ours;
    flow::vm::quoteJsonString(ours, all);
    CHECK(ours == nlohmann::ordered_json(all).dump());
}
