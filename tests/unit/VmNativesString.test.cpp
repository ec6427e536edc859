// VmNativesString.test.cpp — String.prototype and String statics: UTF-16 semantics, search,
// slicing, case, trim/pad, split/replace. Each snippet is plain JavaScript; the expected output is
// what node v20 printed for it (generated with `node -e`), checked with and without GC stress.
#include "VmNativesHelper.h"

using natives_test::expectOut;

TEST_CASE("VmNativesString: UTF-16 semantics on astral characters") {
    expectOut(R"JS(const s = "a😀b"
console.log(s.length, s.charCodeAt(1), s.charCodeAt(2), s.codePointAt(1), s.codePointAt(2), s.slice(0, 2) === "a\ud83d", s.at(-1), s.at(-2) === "\ude00")
console.log(s.slice(1, 3), s.substring(3, 1), s.indexOf("b"), s.split(""). length, [...s].length, Array.from(s).length)
console.log(("\ud83d".concat("\ude00")) === "😀", ["\ud83d", "\ude00"].join("") === "😀", String.fromCharCode(0xd83d, 0xde00), String.fromCodePoint(0x1f600, 97), "😀".split("").map(c => c.charCodeAt(0)))
)JS",
              R"OUT(4 55357 56832 128512 56832 true b true
😀 😀 3 4 3 3
true true 😀 😀a [ 55357, 56832 ]
)OUT");
}

TEST_CASE("VmNativesString: search methods") {
    expectOut(R"JS(const s = "hello world, hello"
console.log(s.indexOf("hello"), s.indexOf("hello", 1), s.lastIndexOf("hello"), s.lastIndexOf("hello", 5), s.indexOf(""), s.lastIndexOf(""), s.indexOf("x"))
console.log(s.includes("world"), s.includes("world", 8), s.startsWith("hello"), s.startsWith("world", 6), s.endsWith("hello"), s.endsWith("hello", 5), "abc".at(5), "abc".charAt(-1) === "")
)JS",
              R"OUT(0 13 13 0 0 18 -1
true false true true true true undefined true
)OUT");
}

TEST_CASE("VmNativesString: slicing and case") {
    expectOut(R"JS(const s = "Hello, World"
console.log(s.slice(-5), s.slice(3, -3), s.slice(5, 2) === "", s.substring(5, 2), s.substring(-3), s.substr(-5, 3), s.substr(2), s.substr(1, -1) === "")
console.log(s.toUpperCase(), s.toLowerCase(), "ßtraße".toUpperCase(), "ÀÉÎõü".toLowerCase(), "ΣΑΣ ΟΔΟΣ".toLowerCase(), "привет".toUpperCase())
)JS",
              R"OUT(World lo, Wo true llo Hello, World Wor llo, World true
HELLO, WORLD hello, world SSTRASSE àéîõü σας οδος ПРИВЕТ
)OUT");
}

TEST_CASE("VmNativesString: trim pad repeat concat") {
    expectOut(
        R"JS(console.log("[" + "  \t\n x y \u00a0\ufeff".trim() + "]", "[" + "  x ".trimStart() + "]", "[" + "  x ".trimEnd() + "]")
console.log("5".padStart(3, "0"), "abc".padEnd(8, "12"), "abc".padStart(2), "x".padStart(4), "ab".repeat(3), "x".repeat(0) === "", "a".concat(1, null, [2, 3]))
for (const n of [-1, Infinity]) { try { "a".repeat(n) } catch (e) { console.log(e.name, e.message) } }
)JS",
        R"OUT([x y] [x ] [  x]
005 abc12121 abc    x ababab true a1null2,3
RangeError Invalid count value: -1
RangeError Invalid count value: Infinity
)OUT");
}

TEST_CASE("VmNativesString: split replace replaceAll") {
    expectOut(
        R"JS(console.log("a,b,,c".split(","), "a,b,c".split(",", 2), "abc".split(""), "abc".split(), "".split(","), "".split(""), "a--b--c".split("--"), "abc".split("", 2))
console.log("aXbX".replace("X", "-"), "aXbX".replaceAll("X", "-"), "abc".replaceAll("", "-"), "aXbX".replace("X", "$&$&$$$1$`$'"), "xx".replace("y", "z"))
console.log("a-b-c".replaceAll("-", (m, off, str) => `[${m}${off}${str.length}]`), "aaa".replaceAll("aa", "b"), "abc".replace("", "_"))
)JS",
        R"OUT([ 'a', 'b', '', 'c' ] [ 'a', 'b' ] [ 'a', 'b', 'c' ] [ 'abc' ] [ '' ] [] [ 'a', 'b', 'c' ] [ 'a', 'b' ]
a-bX a-b- -a-b-c- aXX$$1abXbX xx
a[-15]b[-35]c ba _abc
)OUT");
}

TEST_CASE("VmNativesString: localeCompare and sort of words") {
    expectOut(
        R"JS(console.log(["b", "a", "C", "B", "c", "A"].sort((x, y) => x.localeCompare(y)), "a".localeCompare("b"), "b".localeCompare("a"), "a".localeCompare("a"))
console.log(["banana", "apple", "Cherry", "apple2", "Apple"].sort((x, y) => x.localeCompare(y)))
)JS",
        R"OUT([ 'a', 'A', 'b', 'B', 'c', 'C' ] -1 1 0
[ 'apple', 'Apple', 'apple2', 'banana', 'Cherry' ]
)OUT");
}

TEST_CASE("VmNativesString: localeCompare punctuation digits accents") {
    expectOut(
        R"JS(console.log(["_a", "-a", ",a", "1a", "a", "A", "á", "Á", "b", "$a", " a", ".a", "a-b", "ab", "a b"].sort((x, y) => x.localeCompare(y)))
console.log("ab".localeCompare("a-b"), "a b".localeCompare("ab"), "é".localeCompare("f"), "résumé".localeCompare("resume"), "Z".localeCompare("a"))
)JS",
        R"OUT([
  ' a',  '_a', '-a', ',a',
  '.a',  '$a', '1a', 'a',
  'A',   'á',  'Á',  'a b',
  'a-b', 'ab', 'b'
]
1 -1 -1 1 1
)OUT");
}
