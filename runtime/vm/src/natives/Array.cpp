// Array.cpp — Array.isArray/from/of and Array.prototype (ECMA-262 §23.1).
//
// Flow arrays have no holes (Heap.h): where JS would leave a hole (a callback
// shrinking the array under map) we store undefined. keys()/values()/
// entries() return arrays instead of iterators: for-of, spread and
// Array.from accept them just the same. The callback methods (map, filter,
// ...) read the length once, as JS does, and re-index after every callback:
// the callback may grow or shrink the array.
#include <algorithm>

#include "StdlibUtil.h"

namespace flow::vm {

using bytecode::Builtin;
using namespace stdlib;

namespace {

Value num(double d) {
    return Value::number(d);
}

// ---- statics

Value arrayIsArray(Vm&, const Args& args, NativeFunction*) {
    return Value::boolean(isArray(args[0]));
}

Value arrayOf(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = vm.newArray(args.size());
    for (uint32_t i = 0; i < args.size(); ++i)
        a->elems.push_back(args[i]);
    return Value::object(a);
}

// Array.from(arrayLike | iterable, mapFn?, thisArg?): arrays, strings (by
// code point) and objects with a length.
Value arrayFrom(Vm& vm, const Args& args, NativeFunction*) {
    Value src = args[0], fn = args[1];
    if (!fn.isUndefined()) requireCallable(vm, fn);
    if (src.isNullish())
        vm.throwError(ErrorKind::TypeError, toStdString(vm, src) + " is not iterable");
    Array* out = vm.newArray();
    if (isArray(src)) {
        out->elems = asArray(src)->elems;
    } else if (isString(src)) {
        String* s = asString(src);
        std::u16string_view u = s->units();
        for (size_t i = 0; i < u.size();) {
            size_t n = (u[i] >= 0xD800 && u[i] < 0xDC00 && i + 1 < u.size() && u[i + 1] >= 0xDC00 &&
                        u[i + 1] < 0xE000)
                           ? 2
                           : 1;
            out->elems.push_back(Value::object(vm.newStringFromUnits(u.substr(i, n))));
            i += n;
        }
    } else if (isObjectLike(src)) {
        double len = toInteger(vm, vm.getNamed(src, vm.names.length));
        if (len < 0) len = 0;
        checkArraySize(vm, size_t(std::min(len, double(kMaxArrayLength) + 1)));
        for (size_t i = 0; i < size_t(len); ++i)
            out->elems.push_back(vm.get(src, num(double(i))));
    }
    if (!fn.isUndefined()) {
        for (size_t i = 0; i < out->elems.size(); ++i) {
            Value r = vm.call(fn, args[2], {out->elems[i], num(double(i))});
            out->elems[i] = r;
        }
    }
    return Value::object(out);
}

// ---- mutators

Value arrayPush(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "push");
    checkArraySize(vm, a->elems.size() + args.size());
    for (uint32_t i = 0; i < args.size(); ++i)
        a->elems.push_back(args[i]);
    return num(double(a->elems.size()));
}

Value arrayPop(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "pop");
    if (a->elems.empty()) return Value::undefined();
    Value v = a->elems.back();
    a->elems.pop_back();
    return v;
}

Value arrayShift(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "shift");
    if (a->elems.empty()) return Value::undefined();
    Value v = a->elems.front();
    a->elems.erase(a->elems.begin());
    return v;
}

Value arrayUnshift(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "unshift");
    checkArraySize(vm, a->elems.size() + args.size());
    a->elems.insert(a->elems.begin(), args.argv, args.argv + args.size());
    return num(double(a->elems.size()));
}

Value arraySplice(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "splice");
    size_t len = a->elems.size();
    size_t start = relArg(vm, args[0], len, 0);
    size_t del = 0;
    if (args.size() == 1) {
        del = len - start;
    } else if (args.size() > 1) {
        double d = toInteger(vm, args[1]);
        del = d < 0 ? 0 : std::min(size_t(std::min(d, double(len))), len - start);
    }
    len = a->elems.size(); // ToInteger may have run user code
    start = std::min(start, len);
    del = std::min(del, len - start);
    size_t nins = args.size() > 2 ? args.size() - 2 : 0;
    checkArraySize(vm, len - del + nins);
    Array* removed = vm.newArray(del);
    removed->elems.assign(a->elems.begin() + ptrdiff_t(start),
                          a->elems.begin() + ptrdiff_t(start + del));
    a->elems.erase(a->elems.begin() + ptrdiff_t(start), a->elems.begin() + ptrdiff_t(start + del));
    if (nins)
        a->elems.insert(a->elems.begin() + ptrdiff_t(start), args.argv + 2,
                        args.argv + args.size());
    return Value::object(removed);
}

Value arrayReverse(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "reverse");
    std::reverse(a->elems.begin(), a->elems.end());
    return args.thisValue;
}

Value arrayFill(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "fill");
    size_t len = a->elems.size();
    size_t from = relArg(vm, args[1], len, 0), to = relArg(vm, args[2], len, len);
    to = std::min(to, a->elems.size());
    for (size_t i = from; i < to; ++i)
        a->elems[i] = args[0];
    return args.thisValue;
}

// ---- accessors

Value arraySlice(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "slice");
    size_t len = a->elems.size();
    size_t from = relArg(vm, args[0], len, 0), to = relArg(vm, args[1], len, len);
    to = std::min(to, a->elems.size());
    Array* out = vm.newArray();
    if (from < to)
        out->elems.assign(a->elems.begin() + ptrdiff_t(from), a->elems.begin() + ptrdiff_t(to));
    return Value::object(out);
}

Value arrayConcat(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "concat");
    Array* out = vm.newArray();
    out->elems = a->elems;
    for (uint32_t i = 0; i < args.size(); ++i) {
        if (isArray(args[i])) {
            auto& e = asArray(args[i])->elems;
            checkArraySize(vm, out->elems.size() + e.size());
            out->elems.insert(out->elems.end(), e.begin(), e.end());
        } else {
            out->elems.push_back(args[i]);
        }
    }
    return Value::object(out);
}

// Nested arrays deeper than this (join, flat) are a RangeError, as the stack
// overflow they cause in node, never a C++ stack overflow here.
constexpr size_t kMaxNesting = 5000;

[[noreturn]] void tooDeep(Vm& vm) {
    vm.throwError(ErrorKind::RangeError, "Maximum call stack size exceeded");
}

// Array.prototype.join; a cyclic reference joins as "" (as engines do).
void joinInto(Vm& vm, Array* a, std::string_view sep, std::vector<Array*>& seen, std::string& out) {
    if (std::find(seen.begin(), seen.end(), a) != seen.end()) return;
    if (seen.size() >= kMaxNesting) tooDeep(vm);
    seen.push_back(a);
    for (size_t i = 0; i < a->elems.size(); ++i) {
        if (i) out += sep;
        Value v = a->elems[i];
        if (v.isNullish()) continue;
        if (isArray(v))
            joinInto(vm, asArray(v), ",", seen, out);
        else if (isString(v))
            appendWtf8(out, asString(v)->view());
        else
            appendWtf8(out, toStdString(vm, v));
        checkStringSize(vm, out.size());
    }
    seen.pop_back();
}

Value arrayJoin(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "join");
    std::string sep = args[0].isUndefined() ? "," : toStdString(vm, args[0]);
    std::vector<Array*> seen;
    std::string out;
    joinInto(vm, a, sep, seen, out);
    return str(vm, std::move(out));
}

// fromIndex of indexOf/includes: clamped start position.
size_t startIndex(Vm& vm, Value v, size_t len) {
    if (v.isUndefined()) return 0;
    return clampIndex(toInteger(vm, v), len);
}

// Array.prototype.toString is join(",") (replaces the core's version, which
// has no nesting limit).
Value arrayToString(Vm& vm, const Args& args, NativeFunction*) {
    if (!isArray(args.thisValue)) {
        Value f = vm.getNamed(Value::object(vm.objectProto), vm.names.toString);
        return vm.call(f, args.thisValue, std::span<const Value>());
    }
    std::vector<Array*> seen;
    std::string out;
    joinInto(vm, asArray(args.thisValue), ",", seen, out);
    return str(vm, std::move(out));
}

Value arrayIndexOf(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "indexOf");
    for (size_t i = startIndex(vm, args[1], a->elems.size()); i < a->elems.size(); ++i)
        if (strictEquals(a->elems[i], args[0])) return num(double(i));
    return num(-1);
}

Value arrayLastIndexOf(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "lastIndexOf");
    long len = long(a->elems.size());
    long from = len - 1;
    if (args.size() > 1) {
        double d = toInteger(vm, args[1]);
        from = d < 0 ? long(double(len) + d) : long(std::min(d, double(len - 1)));
    }
    for (long i = std::min(from, long(a->elems.size()) - 1); i >= 0; --i)
        if (strictEquals(a->elems[size_t(i)], args[0])) return num(double(i));
    return num(-1);
}

Value arrayIncludes(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "includes");
    for (size_t i = startIndex(vm, args[1], a->elems.size()); i < a->elems.size(); ++i)
        if (sameValueZero(a->elems[i], args[0])) return Value::boolean(true);
    return Value::boolean(false);
}

Value arrayAt(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "at");
    double i = toInteger(vm, args[0]);
    double len = double(a->elems.size());
    if (i < 0) i += len;
    if (i < 0 || i >= double(a->elems.size())) return Value::undefined();
    return a->elems[size_t(i)];
}

Value arrayKeys(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "keys");
    Array* out = vm.newArray(a->elems.size());
    for (size_t i = 0; i < a->elems.size(); ++i)
        out->elems.push_back(num(double(i)));
    return Value::object(out);
}

Value arrayValues(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "values");
    Array* out = vm.newArray();
    out->elems = a->elems;
    return Value::object(out);
}

Value arrayEntries(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "entries");
    Array* out = vm.newArray(a->elems.size());
    for (size_t i = 0; i < a->elems.size(); ++i) {
        Array* pair = vm.newArray(2);
        pair->elems = {num(double(i)), a->elems[i]};
        out->elems.push_back(Value::object(pair));
    }
    return Value::object(out);
}

void flatten(Vm& vm, Array* out, const Array* src, double depth, size_t level = 0) {
    if (level >= kMaxNesting) tooDeep(vm);
    for (size_t i = 0; i < src->elems.size(); ++i) {
        Value v = src->elems[i];
        if (depth >= 1 && isArray(v))
            flatten(vm, out, asArray(v), depth - 1, level + 1);
        else
            out->elems.push_back(v);
        checkArraySize(vm, out->elems.size());
    }
}

Value arrayFlat(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "flat");
    double depth = args[0].isUndefined() ? 1 : toInteger(vm, args[0]);
    Array* out = vm.newArray();
    flatten(vm, out, a, depth);
    return Value::object(out);
}

// ---- callback methods

struct Each {
    Vm& vm;
    Array* a;
    Value fn, thisArg;
    Value call(size_t i) {
        Value v = i < a->elems.size() ? a->elems[i] : Value::undefined();
        return vm.call(fn, thisArg, {v, num(double(i)), Value::object(a)});
    }
};

Each each(Vm& vm, const Args& args, std::string_view name) {
    Array* a = thisArray(vm, args, name);
    requireCallable(vm, args[0]);
    return Each{vm, a, args[0], args[1]};
}

Value arrayForEach(Vm& vm, const Args& args, NativeFunction*) {
    Each e = each(vm, args, "forEach");
    size_t len = e.a->elems.size();
    for (size_t i = 0; i < len && i < e.a->elems.size(); ++i)
        e.call(i);
    return Value::undefined();
}

Value arrayMap(Vm& vm, const Args& args, NativeFunction*) {
    Each e = each(vm, args, "map");
    size_t len = e.a->elems.size();
    Array* out = vm.newArray(len);
    out->elems.assign(len, Value::undefined());
    for (size_t i = 0; i < len && i < e.a->elems.size(); ++i) {
        Value r = e.call(i);
        out->elems[i] = r;
    }
    return Value::object(out);
}

Value arrayFilter(Vm& vm, const Args& args, NativeFunction*) {
    Each e = each(vm, args, "filter");
    size_t len = e.a->elems.size();
    Array* out = vm.newArray();
    // The element stays rooted during the callback even if it removes it.
    HandleScope hs(vm);
    size_t slot = hs.add(Value::undefined());
    for (size_t i = 0; i < len && i < e.a->elems.size(); ++i) {
        hs.set(slot, e.a->elems[i]);
        if (truthy(e.call(i))) out->elems.push_back(hs.get(slot));
    }
    return Value::object(out);
}

Value arraySome(Vm& vm, const Args& args, NativeFunction*) {
    Each e = each(vm, args, "some");
    size_t len = e.a->elems.size();
    for (size_t i = 0; i < len && i < e.a->elems.size(); ++i)
        if (truthy(e.call(i))) return Value::boolean(true);
    return Value::boolean(false);
}

Value arrayEvery(Vm& vm, const Args& args, NativeFunction*) {
    Each e = each(vm, args, "every");
    size_t len = e.a->elems.size();
    for (size_t i = 0; i < len && i < e.a->elems.size(); ++i)
        if (!truthy(e.call(i))) return Value::boolean(false);
    return Value::boolean(true);
}

// find/findIndex/findLast/findLastIndex visit every index of the original
// length (no HasProperty check): a removed element reads as undefined.
Value findImpl(Vm& vm, const Args& args, const char* name, bool last, bool wantIndex) {
    Each e = each(vm, args, name);
    size_t len = e.a->elems.size();
    HandleScope hs(vm);
    size_t slot = hs.add(Value::undefined());
    for (size_t k = 0; k < len; ++k) {
        size_t i = last ? len - 1 - k : k;
        hs.set(slot, i < e.a->elems.size() ? e.a->elems[i] : Value::undefined());
        if (truthy(e.call(i))) return wantIndex ? num(double(i)) : hs.get(slot);
    }
    return wantIndex ? num(-1) : Value::undefined();
}

Value arrayFind(Vm& vm, const Args& args, NativeFunction*) {
    return findImpl(vm, args, "find", false, false);
}
Value arrayFindIndex(Vm& vm, const Args& args, NativeFunction*) {
    return findImpl(vm, args, "findIndex", false, true);
}
Value arrayFindLast(Vm& vm, const Args& args, NativeFunction*) {
    return findImpl(vm, args, "findLast", true, false);
}
Value arrayFindLastIndex(Vm& vm, const Args& args, NativeFunction*) {
    return findImpl(vm, args, "findLastIndex", true, true);
}

Value reduceImpl(Vm& vm, const Args& args, const char* name, bool right) {
    Array* a = thisArray(vm, args, name);
    Value fn = args[0];
    requireCallable(vm, fn);
    size_t len = a->elems.size();
    size_t k = 0;
    auto idx = [&](size_t j) { return right ? len - 1 - j : j; };
    HandleScope hs(vm);
    size_t acc = hs.add(Value::undefined());
    if (args.size() >= 2) {
        hs.set(acc, args[1]);
    } else {
        if (len == 0)
            vm.throwError(ErrorKind::TypeError, "Reduce of empty array with no initial value");
        hs.set(acc, a->elems[idx(0)]);
        k = 1;
    }
    for (; k < len; ++k) {
        size_t i = idx(k);
        if (i >= a->elems.size()) continue;
        Value r = vm.call(fn, Value::undefined(),
                          {hs.get(acc), a->elems[i], num(double(i)), Value::object(a)});
        hs.set(acc, r);
    }
    return hs.get(acc);
}

Value arrayReduce(Vm& vm, const Args& args, NativeFunction*) {
    return reduceImpl(vm, args, "reduce", false);
}
Value arrayReduceRight(Vm& vm, const Args& args, NativeFunction*) {
    return reduceImpl(vm, args, "reduceRight", true);
}

Value arrayFlatMap(Vm& vm, const Args& args, NativeFunction*) {
    Each e = each(vm, args, "flatMap");
    size_t len = e.a->elems.size();
    Array* out = vm.newArray();
    for (size_t i = 0; i < len && i < e.a->elems.size(); ++i) {
        Value r = e.call(i);
        if (isArray(r)) {
            auto& el = asArray(r)->elems;
            out->elems.insert(out->elems.end(), el.begin(), el.end());
        } else {
            out->elems.push_back(r);
        }
        checkArraySize(vm, out->elems.size());
    }
    return Value::object(out);
}

// ---- sort

// A comparator sort that makes exactly V8's comparator calls: a port of the
// TimSort of V8's array-sort.tq (itself CPython's listsort): run detection,
// binary insertion up to the minimum run length, merges with galloping. A
// consistent comparator gives the one stable order either way; this matters
// for the inconsistent ones users do write (`(a, b) => a > b` leaves [2, 1, 3]
// as it is in node) and for comparators with side effects (their call order
// and count). Both arrays are GC-visible heap arrays, so every value stays
// rooted while the comparator runs (it may allocate, throw, or mutate the
// array being sorted: the caller sorts a copy and writes back on success).
class TimSort {
public:
    TimSort(Vm& vm, Array* work, Value cmp) : vm_(vm), a_(work->elems), cmp_(cmp) {
        tmpArray_ = vm.newArray();
    }

    void sort() {
        int64_t n = int64_t(a_.size());
        if (n < 2) return;
        int64_t low = 0, remaining = n;
        int64_t minRun = minRunLength(remaining);
        while (remaining != 0) {
            int64_t run = countAndMakeRun(low, low + remaining);
            if (run < minRun) {
                int64_t forced = std::min(minRun, remaining);
                binaryInsertionSort(low, low + run, low + forced);
                run = forced;
            }
            runs_.push_back({low, run});
            mergeCollapse();
            low += run;
            remaining -= run;
        }
        while (runs_.size() > 1) {
            size_t i = runs_.size() - 2;
            if (i > 0 && runs_[i - 1].len < runs_[i + 1].len) --i;
            mergeAt(i);
        }
    }

private:
    struct Run {
        int64_t base, len;
    };
    static constexpr int64_t kMinGallopWins = 7;

    // V8's Compare: ToNumber of the comparator's result, NaN as 0.
    double compare(Value x, Value y) {
        Value r = vm_.call(cmp_, Value::undefined(), {x, y});
        double d = r.isNumber() ? r.asNumber() : toNumber(vm_, r);
        return d != d ? 0 : d;
    }

    static int64_t minRunLength(int64_t n) {
        int64_t r = 0;
        while (n >= 64) {
            r |= n & 1;
            n >>= 1;
        }
        return n + r;
    }

    // The length of the run at lowArg: ascending, or strictly descending
    // (then reversed in place).
    int64_t countAndMakeRun(int64_t lowArg, int64_t high) {
        int64_t low = lowArg + 1;
        if (low == high) return 1;
        int64_t runLength = 2;
        Value prev = a_[size_t(low)];
        bool descending = compare(prev, a_[size_t(low - 1)]) < 0;
        for (int64_t i = low + 1; i < high; ++i) {
            Value cur = a_[size_t(i)];
            double order = compare(cur, prev);
            if (descending ? order >= 0 : order < 0) break;
            prev = cur;
            ++runLength;
        }
        if (descending) std::reverse(a_.begin() + lowArg, a_.begin() + lowArg + runLength);
        return runLength;
    }

    // [low, start) is sorted; insert [start, high) one by one.
    void binaryInsertionSort(int64_t low, int64_t startArg, int64_t high) {
        for (int64_t start = low == startArg ? startArg + 1 : startArg; start < high; ++start) {
            int64_t left = low, right = start;
            Value pivot = a_[size_t(start)];
            while (left < right) {
                int64_t mid = left + ((right - left) >> 1);
                if (compare(pivot, a_[size_t(mid)]) < 0)
                    right = mid;
                else
                    left = mid + 1;
            }
            for (int64_t p = start; p > left; --p)
                a_[size_t(p)] = a_[size_t(p - 1)];
            a_[size_t(left)] = pivot;
        }
    }

    bool invariantHolds(size_t n) const {
        if (n < 2) return true;
        return runs_[n - 2].len > runs_[n - 1].len + runs_[n].len;
    }

    void mergeCollapse() {
        while (runs_.size() > 1) {
            size_t n = runs_.size() - 2;
            if (!invariantHolds(n + 1) || !invariantHolds(n)) {
                if (runs_[n - 1].len < runs_[n + 1].len) --n;
                mergeAt(n);
            } else if (runs_[n].len <= runs_[n + 1].len) {
                mergeAt(n);
            } else {
                break;
            }
        }
    }

    // Where key goes in arr[base, base+len) (before equal elements), searched
    // by galloping from hint.
    int64_t gallopLeft(std::vector<Value>& arr, Value key, int64_t base, int64_t len,
                       int64_t hint) {
        int64_t lastOfs = 0, offset = 1;
        if (compare(arr[size_t(base + hint)], key) < 0) {
            int64_t maxOfs = len - hint;
            while (offset < maxOfs) {
                if (compare(arr[size_t(base + hint + offset)], key) >= 0) break;
                lastOfs = offset;
                offset = (offset << 1) + 1;
            }
            offset = std::min(offset, maxOfs);
            lastOfs += hint;
            offset += hint;
        } else {
            int64_t maxOfs = hint + 1;
            while (offset < maxOfs) {
                if (compare(arr[size_t(base + hint - offset)], key) < 0) break;
                lastOfs = offset;
                offset = (offset << 1) + 1;
            }
            offset = std::min(offset, maxOfs);
            int64_t t = lastOfs;
            lastOfs = hint - offset;
            offset = hint - t;
        }
        ++lastOfs;
        while (lastOfs < offset) {
            int64_t m = lastOfs + ((offset - lastOfs) >> 1);
            if (compare(arr[size_t(base + m)], key) < 0)
                lastOfs = m + 1;
            else
                offset = m;
        }
        return offset;
    }

    // Like gallopLeft, but after elements equal to key.
    int64_t gallopRight(std::vector<Value>& arr, Value key, int64_t base, int64_t len,
                        int64_t hint) {
        int64_t lastOfs = 0, offset = 1;
        if (compare(key, arr[size_t(base + hint)]) < 0) {
            int64_t maxOfs = hint + 1;
            while (offset < maxOfs) {
                if (compare(key, arr[size_t(base + hint - offset)]) >= 0) break;
                lastOfs = offset;
                offset = (offset << 1) + 1;
            }
            offset = std::min(offset, maxOfs);
            int64_t t = lastOfs;
            lastOfs = hint - offset;
            offset = hint - t;
        } else {
            int64_t maxOfs = len - hint;
            while (offset < maxOfs) {
                if (compare(key, arr[size_t(base + hint + offset)]) < 0) break;
                lastOfs = offset;
                offset = (offset << 1) + 1;
            }
            offset = std::min(offset, maxOfs);
            lastOfs += hint;
            offset += hint;
        }
        ++lastOfs;
        while (lastOfs < offset) {
            int64_t m = lastOfs + ((offset - lastOfs) >> 1);
            if (compare(key, arr[size_t(base + m)]) < 0)
                offset = m;
            else
                lastOfs = m + 1;
        }
        return offset;
    }

    // memmove of n values (the ranges may overlap).
    static void move(std::vector<Value>& src, int64_t from, std::vector<Value>& dst, int64_t to,
                     int64_t n) {
        if (n <= 0) return;
        if (&src == &dst && from < to)
            std::copy_backward(src.begin() + from, src.begin() + from + n, dst.begin() + to + n);
        else
            std::copy(src.begin() + from, src.begin() + from + n, dst.begin() + to);
    }

    void mergeAt(size_t i) {
        int64_t baseA = runs_[i].base, lenA = runs_[i].len;
        int64_t baseB = runs_[i + 1].base, lenB = runs_[i + 1].len;
        runs_[i].len = lenA + lenB;
        runs_.erase(runs_.begin() + std::ptrdiff_t(i) + 1);
        int64_t k = gallopRight(a_, a_[size_t(baseB)], baseA, lenA, 0);
        baseA += k;
        lenA -= k;
        if (lenA == 0) return;
        lenB = gallopLeft(a_, a_[size_t(baseA + lenA - 1)], baseB, lenB, lenB - 1);
        if (lenB == 0) return;
        if (lenA <= lenB)
            mergeLow(baseA, lenA, baseB, lenB);
        else
            mergeHigh(baseA, lenA, baseB, lenB);
    }

    void mergeLow(int64_t baseA, int64_t lenA, int64_t baseB, int64_t lenB) {
        std::vector<Value>& tmp = tmpArray_->elems;
        tmp.assign(a_.begin() + baseA, a_.begin() + baseA + lenA);
        int64_t dest = baseA, ct = 0, cb = baseB;
        a_[size_t(dest++)] = a_[size_t(cb++)];
        bool copyB = false;
        if (--lenB == 0) goto done;
        if (lenA == 1) {
            copyB = true;
            goto done;
        }
        for (;;) {
            int64_t winsA = 0, winsB = 0;
            for (;;) {
                if (compare(a_[size_t(cb)], tmp[size_t(ct)]) < 0) {
                    a_[size_t(dest++)] = a_[size_t(cb++)];
                    ++winsB;
                    --lenB;
                    winsA = 0;
                    if (lenB == 0) goto done;
                    if (winsB >= minGallop_) break;
                } else {
                    a_[size_t(dest++)] = tmp[size_t(ct++)];
                    ++winsA;
                    --lenA;
                    winsB = 0;
                    if (lenA == 1) {
                        copyB = true;
                        goto done;
                    }
                    if (winsA >= minGallop_) break;
                }
            }
            ++minGallop_;
            bool first = true;
            while (winsA >= kMinGallopWins || winsB >= kMinGallopWins || first) {
                first = false;
                minGallop_ = std::max<int64_t>(1, minGallop_ - 1);
                winsA = gallopRight(tmp, a_[size_t(cb)], ct, lenA, 0);
                if (winsA > 0) {
                    move(tmp, ct, a_, dest, winsA);
                    dest += winsA;
                    ct += winsA;
                    lenA -= winsA;
                    if (lenA == 1) {
                        copyB = true;
                        goto done;
                    }
                    if (lenA == 0) goto done;
                }
                a_[size_t(dest++)] = a_[size_t(cb++)];
                if (--lenB == 0) goto done;
                winsB = gallopLeft(a_, tmp[size_t(ct)], cb, lenB, 0);
                if (winsB > 0) {
                    move(a_, cb, a_, dest, winsB);
                    dest += winsB;
                    cb += winsB;
                    lenB -= winsB;
                    if (lenB == 0) goto done;
                }
                a_[size_t(dest++)] = tmp[size_t(ct++)];
                if (--lenA == 1) {
                    copyB = true;
                    goto done;
                }
            }
            ++minGallop_;
        }
    done:
        if (copyB) {
            // The last element of run A belongs at the end of the merge.
            move(a_, cb, a_, dest, lenB);
            a_[size_t(dest + lenB)] = tmp[size_t(ct)];
        } else if (lenA > 0) {
            move(tmp, ct, a_, dest, lenA);
        }
    }

    void mergeHigh(int64_t baseA, int64_t lenA, int64_t baseB, int64_t lenB) {
        std::vector<Value>& tmp = tmpArray_->elems;
        tmp.assign(a_.begin() + baseB, a_.begin() + baseB + lenB);
        int64_t dest = baseB + lenB - 1, ct = lenB - 1, ca = baseA + lenA - 1;
        a_[size_t(dest--)] = a_[size_t(ca--)];
        bool copyA = false;
        if (--lenA == 0) goto done;
        if (lenB == 1) {
            copyA = true;
            goto done;
        }
        for (;;) {
            int64_t winsA = 0, winsB = 0;
            for (;;) {
                if (compare(tmp[size_t(ct)], a_[size_t(ca)]) < 0) {
                    a_[size_t(dest--)] = a_[size_t(ca--)];
                    ++winsA;
                    --lenA;
                    winsB = 0;
                    if (lenA == 0) goto done;
                    if (winsA >= minGallop_) break;
                } else {
                    a_[size_t(dest--)] = tmp[size_t(ct--)];
                    ++winsB;
                    --lenB;
                    winsA = 0;
                    if (lenB == 1) {
                        copyA = true;
                        goto done;
                    }
                    if (winsB >= minGallop_) break;
                }
            }
            ++minGallop_;
            bool first = true;
            while (winsA >= kMinGallopWins || winsB >= kMinGallopWins || first) {
                first = false;
                minGallop_ = std::max<int64_t>(1, minGallop_ - 1);
                int64_t k = gallopRight(a_, tmp[size_t(ct)], baseA, lenA, lenA - 1);
                winsA = lenA - k;
                if (winsA > 0) {
                    dest -= winsA;
                    ca -= winsA;
                    move(a_, ca + 1, a_, dest + 1, winsA);
                    lenA -= winsA;
                    if (lenA == 0) goto done;
                }
                a_[size_t(dest--)] = tmp[size_t(ct--)];
                if (--lenB == 1) {
                    copyA = true;
                    goto done;
                }
                k = gallopLeft(tmp, a_[size_t(ca)], 0, lenB, lenB - 1);
                winsB = lenB - k;
                if (winsB > 0) {
                    dest -= winsB;
                    ct -= winsB;
                    move(tmp, ct + 1, a_, dest + 1, winsB);
                    lenB -= winsB;
                    if (lenB == 1) {
                        copyA = true;
                        goto done;
                    }
                    if (lenB == 0) goto done;
                }
                a_[size_t(dest--)] = a_[size_t(ca--)];
                if (--lenA == 0) goto done;
            }
            ++minGallop_;
        }
    done:
        if (copyA) {
            // The first element of run B belongs at the front of the merge.
            dest -= lenA;
            ca -= lenA;
            move(a_, ca + 1, a_, dest + 1, lenA);
            a_[size_t(dest)] = tmp[size_t(ct)];
        } else if (lenB > 0) {
            move(tmp, 0, a_, dest - (lenB - 1), lenB);
        }
    }

    Vm& vm_;
    std::vector<Value>& a_;
    Value cmp_;
    Array* tmpArray_;
    std::vector<Run> runs_;
    int64_t minGallop_ = kMinGallopWins;
};

// Sorts `elems`: undefined last, the rest by their ToString in UTF-16
// code-unit order (a stable sort), or by the comparator (TimSort above).
void sortValues(Vm& vm, std::vector<Value>& elems, Value cmp) {
    std::vector<Value> undefs;
    Array* work = vm.newArray(elems.size());
    for (Value v : elems) {
        if (v.isUndefined())
            undefs.push_back(v);
        else
            work->elems.push_back(v);
    }
    size_t n = work->elems.size();
    if (cmp.isUndefined()) {
        // Precompute the keys (ToString may run user code); keep them rooted.
        Array* keys = vm.newArray(n);
        for (size_t i = 0; i < n; ++i)
            keys->elems.push_back(Value::object(toString(vm, work->elems[i])));
        std::vector<size_t> order(n);
        for (size_t i = 0; i < n; ++i)
            order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
            return compareUnits(asString(keys->elems[x]), asString(keys->elems[y])) < 0;
        });
        elems.clear();
        for (size_t i : order)
            elems.push_back(work->elems[i]);
    } else {
        TimSort(vm, work, cmp).sort();
        elems = work->elems;
    }
    elems.insert(elems.end(), undefs.begin(), undefs.end());
}

Value arraySort(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "sort");
    Value cmp = args[0];
    if (!cmp.isUndefined() && !isCallable(cmp))
        vm.throwError(ErrorKind::TypeError,
                      "The comparison function must be either a function or undefined");
    std::vector<Value> v = a->elems;
    sortValues(vm, v, cmp);
    a->elems = std::move(v);
    return args.thisValue;
}

Value arrayToSorted(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "toSorted");
    Value cmp = args[0];
    if (!cmp.isUndefined() && !isCallable(cmp))
        vm.throwError(ErrorKind::TypeError,
                      "The comparison function must be either a function or undefined");
    Array* out = vm.newArray();
    out->elems = a->elems;
    std::vector<Value> v = a->elems;
    sortValues(vm, v, cmp);
    out->elems = std::move(v);
    return Value::object(out);
}

Value arrayToReversed(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = thisArray(vm, args, "toReversed");
    Array* out = vm.newArray();
    out->elems.assign(a->elems.rbegin(), a->elems.rend());
    return Value::object(out);
}

} // namespace

void installArray(Vm& vm) {
    Object* ctor = asObj(vm.builtin(Builtin::Array));
    defineMethod(vm, ctor, "isArray", arrayIsArray, 1);
    defineMethod(vm, ctor, "from", arrayFrom, 1);
    defineMethod(vm, ctor, "of", arrayOf, 0);

    static const MethodSpec kMethods[] = {
        {"push", arrayPush, 1},
        {"pop", arrayPop, 0},
        {"shift", arrayShift, 0},
        {"unshift", arrayUnshift, 1},
        {"splice", arraySplice, 2},
        {"reverse", arrayReverse, 0},
        {"fill", arrayFill, 1},
        {"slice", arraySlice, 2},
        {"concat", arrayConcat, 1},
        {"join", arrayJoin, 1},
        {"toString", arrayToString, 0},
        {"indexOf", arrayIndexOf, 1},
        {"lastIndexOf", arrayLastIndexOf, 1},
        {"includes", arrayIncludes, 1},
        {"at", arrayAt, 1},
        {"keys", arrayKeys, 0},
        {"values", arrayValues, 0},
        {"entries", arrayEntries, 0},
        {"flat", arrayFlat, 0},
        {"flatMap", arrayFlatMap, 1},
        {"forEach", arrayForEach, 1},
        {"map", arrayMap, 1},
        {"filter", arrayFilter, 1},
        {"some", arraySome, 1},
        {"every", arrayEvery, 1},
        {"find", arrayFind, 1},
        {"findIndex", arrayFindIndex, 1},
        {"findLast", arrayFindLast, 1},
        {"findLastIndex", arrayFindLastIndex, 1},
        {"reduce", arrayReduce, 1},
        {"reduceRight", arrayReduceRight, 1},
        {"sort", arraySort, 1},
        {"toSorted", arrayToSorted, 1},
        {"toReversed", arrayToReversed, 0},
    };
    defineMethods(vm, vm.arrayProto, kMethods);
}

} // namespace flow::vm
