// VmNativesArray.test.cpp — Array.prototype, Array statics and Object statics.
// Each snippet is plain JavaScript; the expected output is what node v20 printed
// for it (generated with `node -e`), checked with and without GC stress.
#include "VmNativesHelper.h"

using natives_test::expectOut;

TEST_CASE("VmNativesArray: mutators") {
    expectOut(R"JS(const a = [1, 2, 3]
console.log(a.push(4, 5), a.pop(), a.shift(), a.unshift(0, 0.5), a)
const b = [1, 2, 3, 4, 5]
console.log(b.splice(1, 2), b, b.splice(-1), b, b.splice(1, 0, "x", "y"), b, b.splice(0), b)
console.log([1, 2, 3].reverse(), [1, 2, 3, 4].fill(0, 1, 3), [1, 2, 3].fill(9), [].pop(), [].shift())
)JS",
              R"OUT(5 5 1 5 [ 0, 0.5, 2, 3, 4 ]
[ 2, 3 ] [] [ 5 ] [] [] [] [ 1, 'x', 'y', 4 ] []
[ 3, 2, 1 ] [ 1, 0, 0, 4 ] [ 9, 9, 9 ] undefined undefined
)OUT");
}

TEST_CASE("VmNativesArray: accessors") {
    expectOut(R"JS(const a = [1, 2, 3, 4, 5]
console.log(a.slice(1, 3), a.slice(-2), a.slice(), a.concat([6, [7]], 8), a.join("-"), [1, [2, [3, null]], undefined].join(), a.at(-1), a.at(10))
console.log([1, 2, NaN].indexOf(NaN), [1, 2, NaN].includes(NaN), [1, 2, 1].lastIndexOf(1), [1, 2, 1].indexOf(1, 1), [1, 2, 3].includes(2, 2), [-0].includes(0), [1, 2, 1].lastIndexOf(1, -2))
console.log([1, [2, [3, [4]]]].flat(), [1, [2, [3, [4]]]].flat(Infinity), [1, 2].flatMap(x => [x, x * 2]), [...["a", "b"].keys()], [...["a", "b"].entries()], [...["a", "b"].values()])
)JS",
              R"OUT([ 2, 3 ] [ 4, 5 ] [ 1, 2, 3, 4, 5 ] [
  1,     2, 3,
  4,     5, 6,
  [ 7 ], 8
] 1-2-3-4-5 1,2,3,, 5 undefined
-1 true 2 2 false true 0
[ 1, 2, [ 3, [ 4 ] ] ] [ 1, 2, 3, 4 ] [ 1, 2, 2, 4 ] [ 0, 1 ] [ [ 0, 'a' ], [ 1, 'b' ] ] [ 'a', 'b' ]
)OUT");
}

TEST_CASE("VmNativesArray: callbacks") {
    expectOut(R"JS(const a = [5, 1, 4]
console.log(a.map((x, i) => x * i), a.filter(x => x > 1), a.find(x => x < 5), a.findIndex(x => x === 4), a.findLast(x => x > 1), a.findLastIndex(x => x > 100), a.find(x => x > 10))
console.log(a.reduce((s, x) => s + x), a.reduce((s, x) => s + x, 10), a.reduceRight((s, x) => s + "," + x), a.some(x => x > 4), a.every(x => x > 0), [].every(x => false), [].some(x => true))
let seen = []
a.forEach((x, i, arr) => seen.push(`${i}:${x}:${arr.length}`))
console.log(seen)
try { [].reduce((s, x) => s) } catch (e) { console.log(e.name, e.message) }
try { [1].map(undefined) } catch (e) { console.log(e.name, e.message) }
)JS",
              R"OUT([ 0, 1, 8 ] [ 5, 4 ] 1 2 4 -1 undefined
10 20 4,1,5 true true true false
[ '0:5:3', '1:1:3', '2:4:3' ]
TypeError Reduce of empty array with no initial value
TypeError undefined is not a function
)OUT");
}

TEST_CASE("VmNativesArray: sort") {
    expectOut(
        R"JS(console.log([10, 9, 1, 2, 100].sort(), ["b", undefined, "a", "c"].sort(), [3, 1, 2].sort((x, y) => y - x), [true, false, "a", 1, null].sort())
const people = [{n: "a", age: 30}, {n: "b", age: 25}, {n: "c", age: 30}, {n: "d", age: 25}, {n: "e", age: 30}, {n: "f", age: 25}, {n: "g", age: 30}, {n: "h", age: 25}, {n: "i", age: 30}, {n: "j", age: 25}, {n: "k", age: 30}, {n: "l", age: 25}]
console.log(people.sort((x, y) => x.age - y.age).map(p => p.n).join(""))
console.log(["é", "e", "z", "😀", "\uffff", "A"].sort(), [3, 1, 2].toSorted(), [1, 2, 3].toReversed())
try { [1, 2].sort(5) } catch (e) { console.log(e.name, e.message) }
)JS",
        R"OUT([ 1, 10, 100, 2, 9 ] [ 'a', 'b', 'c', undefined ] [ 3, 2, 1 ] [ 1, 'a', false, null, true ]
bdfhjlacegik
[ 'A', 'e', 'z', 'é', '😀', '￿' ] [ 1, 2, 3 ] [ 3, 2, 1 ]
TypeError The comparison function must be either a function or undefined
)OUT");
}

TEST_CASE("VmNativesArray: statics and Object") {
    expectOut(
        R"JS(console.log(Array.isArray([]), Array.isArray("a"), Array.of(7), Array.from("héllo"), Array.from({length: 3}, (_, i) => i * i), Array.from([1, 2], x => x * 2), new Array(3).length, Array(1, 2))
const o = {b: 1, a: 2, 10: "x", 2: "y"}
console.log(Object.keys(o), Object.values(o), Object.entries(o), Object.keys("ab"), Object.keys([4, 5]))
console.log(Object.assign({a: 1}, {b: 2}, null, {a: 3}), Object.fromEntries([["x", 1], ["y", [2]]]), Object.hasOwn(o, "a"), Object.hasOwn(o, "toString"), Object.freeze({z: 1}))
console.log(Object.getPrototypeOf([]) === Array.prototype, Object.create(null), Object.entries({}).length)
)JS",
        R"OUT(true false [ 7 ] [ 'h', 'é', 'l', 'l', 'o' ] [ 0, 1, 4 ] [ 2, 4 ] 3 [ 1, 2 ]
[ '2', '10', 'b', 'a' ] [ 'y', 'x', 1, 2 ] [ [ '2', 'y' ], [ '10', 'x' ], [ 'b', 1 ], [ 'a', 2 ] ] [ '0', '1' ] [ '0', '1' ]
{ a: 3, b: 2 } { x: 1, y: [ 2 ] } true false { z: 1 }
true [Object: null prototype] {} 0
)OUT");
}

TEST_CASE("VmNativesArray: Function call apply bind") {
    expectOut(R"JS(function who(greeting, punct) { return greeting + " " + this.name + punct }
const ada = {name: "Ada"}
console.log(who.call(ada, "hi", "!"), who.apply(ada, ["hello", "?"]), who.apply(ada), Math.max.apply(null, [1, 5, 2]))
const bound = who.bind(ada, "hey")
console.log(bound("."), bound.name, typeof bound, [1, 2, 3].map(Math.max.bind(null, 2)))
console.log(Object.is(NaN, NaN), Object.is(0, -0), Object.is("a", "a"), Object.is({}, {}))
)JS",
              R"OUT(hi Ada! hello Ada? undefined Adaundefined 5
hey Ada. bound who function [ NaN, NaN, NaN ]
true false true false
)OUT");
}
