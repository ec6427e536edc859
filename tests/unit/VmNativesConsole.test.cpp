// VmNativesConsole.test.cpp — console.log formatting (node's util.inspect): quoting, breaking,
// grouping, cycles, functions. Each snippet is plain JavaScript; the expected output is what node
// v20 printed for it (generated with `node -e`), checked with and without GC stress.
#include "VmNativesHelper.h"

using natives_test::expectOut;

TEST_CASE("VmNativesConsole: primitives and strings") {
    expectOut(
        R"JS(console.log("top", 'raw', -0, [-0], null, undefined, true, 1e21, ["it's", "a\"b'c", "a\"b'c`", "x\ny", "\x7f\x9f\x01", "\ud800", "tab\t"])
console.log({$a: 1, _b: 2, "c d": 3, "it's": 4, a1: 5, "1a": 6, "": 7})
console.log("%s is %d years and %i, %f, %j %O %%, %c.", "Bob", 42.5, 42.5, "1.5", {a: 1}, {b: 2}, "color:red", "extra", 3)
console.log("%s", -0, "%d", null, undefined, true)
console.log("a%sb", "%s", {a: {b: 1}})
)JS",
        R"OUT(top raw -0 [ -0 ] null undefined true 1e+21 [
  "it's",
  `a"b'c`,
  'a"b\'c`',
  'x\ny',
  '\x7F\x9F\x01',
  '\ud800',
  'tab\t'
]
{ '$a': 1, _b: 2, 'c d': 3, "it's": 4, a1: 5, '1a': 6, '': 7 }
Bob is 42.5 years and 42, 1.5, {"a":1} { b: 2 } %, . extra 3
-0 %d null undefined true
a%sb { a: { b: 1 } }
)OUT");
}

TEST_CASE("VmNativesConsole: nesting and breaking") {
    expectOut(
        R"JS(console.log({a: {b: {c: {}}}}, {a: {b: {c: {d: 1}}}}, [[[[1]]]], [[[1]]], {x: [[[]]]})
console.log({aaaaaaaaaa: 1111111111, bbbbbbbbbb: 2222222222, cccccccccc: 3333333333, ddd: "xxxxxx"})
console.log({aaaaaaaaaa: 11111111, bbbbbbbbbb: 22222222, cccccccccc: 33333333, ddd: "xx"})
console.log({aaaaaaaaaa: 11111111, bbbbbbbbbb: 22222222, cccccccccc: 33333333, dd: "xx"})
console.log({user: {name: "Ada", roles: ["admin", "dev"], address: {city: "London", zip: "N1", geo: {lat: 51.5, lng: -0.1}}}, items: [{id: 1, tags: ["a"]}, {id: 2, tags: []}]})
console.log({s: "a very long string with a newline\nin the middle of it that goes past the limit of eighty chars"})
)JS",
        R"OUT({ a: { b: { c: {} } } } { a: { b: { c: [Object] } } } [ [ [ [Array] ] ] ] [ [ [ 1 ] ] ] { x: [ [ [] ] ] }
{
  aaaaaaaaaa: 1111111111,
  bbbbbbbbbb: 2222222222,
  cccccccccc: 3333333333,
  ddd: 'xxxxxx'
}
{
  aaaaaaaaaa: 11111111,
  bbbbbbbbbb: 22222222,
  cccccccccc: 33333333,
  ddd: 'xx'
}
{
  aaaaaaaaaa: 11111111,
  bbbbbbbbbb: 22222222,
  cccccccccc: 33333333,
  dd: 'xx'
}
{
  user: {
    name: 'Ada',
    roles: [ 'admin', 'dev' ],
    address: { city: 'London', zip: 'N1', geo: [Object] }
  },
  items: [ { id: 1, tags: [Array] }, { id: 2, tags: [] } ]
}
{
  s: 'a very long string with a newline\n' +
    'in the middle of it that goes past the limit of eighty chars'
}
)OUT");
}

TEST_CASE("VmNativesConsole: array grouping") {
    expectOut(
        R"JS(console.log([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6, 7], ["a", "b", "c", "d", "e", "f", "g"])
console.log(Array.from({length: 120}, (_, i) => i))
console.log(["apple", "banana", "cherry", "dates", "elderberry", "fig", "grape", "honeydew"])
console.log([1.5, -2, 300, 4, 5e-7, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26])
console.log([{a: 1, b: 2}, {a: 3, b: 4}, {a: 5, b: 6}, {a: 7, b: 8}, {a: 9, b: 10}, {a: 11, b: 12}, {a: 13, b: 14}])
console.log(Array.from({length: 30}, (_, i) => "item" + i), Array.from({length: 10}, (_, i) => i % 2 ? "x" : i))
console.log({data: Array.from({length: 26}, (_, i) => i * 1000)})
)JS",
        R"OUT([ 1, 2, 3, 4, 5, 6 ] [
  1, 2, 3, 4,
  5, 6, 7
] [
  'a', 'b', 'c',
  'd', 'e', 'f',
  'g'
]
[
   0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11,
  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
  24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
  36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59,
  60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,
  72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83,
  84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,
  96, 97, 98, 99,
  ... 20 more items
]
[
  'apple',
  'banana',
  'cherry',
  'dates',
  'elderberry',
  'fig',
  'grape',
  'honeydew'
]
[
  1.5, -2, 300,  4, 5e-7,  6,
    7,  8,   9, 10,   11, 12,
   13, 14,  15, 16,   17, 18,
   19, 20,  21, 22,   23, 24,
   25, 26
]
[
  { a: 1, b: 2 },
  { a: 3, b: 4 },
  { a: 5, b: 6 },
  { a: 7, b: 8 },
  { a: 9, b: 10 },
  { a: 11, b: 12 },
  { a: 13, b: 14 }
]
[
  'item0',  'item1',  'item2',
  'item3',  'item4',  'item5',
  'item6',  'item7',  'item8',
  'item9',  'item10', 'item11',
  'item12', 'item13', 'item14',
  'item15', 'item16', 'item17',
  'item18', 'item19', 'item20',
  'item21', 'item22', 'item23',
  'item24', 'item25', 'item26',
  'item27', 'item28', 'item29'
] [
  0,   'x', 2,   'x', 4,
  'x', 6,   'x', 8,   'x'
]
{
  data: [
        0,  1000,  2000,  3000,
     4000,  5000,  6000,  7000,
     8000,  9000, 10000, 11000,
    12000, 13000, 14000, 15000,
    16000, 17000, 18000, 19000,
    20000, 21000, 22000, 23000,
    24000, 25000
  ]
}
)OUT");
}

TEST_CASE("VmNativesConsole: functions errors promises cycles") {
    expectOut(
        R"JS(function named() {}
const anon = [function () {}, () => 1]
console.log(named, anon, async function af() {}, Math.max, [named])
const o = {a: 1}
o.self = o
o.arr = [o]
console.log(o)
console.log([Promise.resolve(1), new Promise(() => {}), Promise.resolve({a: [1]})])
const e = new TypeError("bad thing")
console.log(e.name, e.message, String(e), e instanceof TypeError, e instanceof Error, Object.keys(e))
)JS",
        R"OUT([Function: named] [ [Function (anonymous)], [Function (anonymous)] ] [AsyncFunction: af] [Function: max] [ [Function: named] ]
<ref *1> { a: 1, self: [Circular *1], arr: [ [Circular *1] ] }
[ Promise { 1 }, Promise { <pending> }, Promise { { a: [Array] } } ]
TypeError bad thing TypeError: bad thing true true []
)OUT");
}

TEST_CASE("VmNativesConsole: format specifiers and hidden length") {
    expectOut(R"JS(console.log("%o", [1, {a: 2}], "%O")
console.log("%s|%s|%s", "a", 1.5, [1, [2, [3]]], "rest")
console.log("100%", "%d%%", 5)
console.log("%i %f %d", "42.9px", "1.5e3", "abc")
console.log("%j", {a: [1, "x"]}, "%j")
)JS",
              R"OUT([ 1, { a: 2 }, [length]: 2 ] %O
a|1.5|[ 1, [Array] ] rest
100% %d%% 5
42 1500 NaN
{"a":[1,"x"]} %j
)OUT");
}

TEST_CASE("VmNativesConsole: percent signs") {
    expectOut(R"JS(console.log("100%%")
console.log("100%%", 1)
console.log("%s")
console.log("%%s", "x")
console.log("a%")
console.log("%d%", 1)
console.log("%x %s", "y")
)JS",
              R"OUT(100%%
100% 1
%s
%s x
a%
1%
%x y
)OUT");
}
