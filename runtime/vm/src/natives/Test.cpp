// Test.cpp — `expect(actual)`, the assertion builtin of `flowrun test` (a
// BC_TEST builtin: it only compiles inside `test` blocks). Jest's API, pure VM
// natives: no host is involved.
//
// expect(x) returns a matcher object whose prototype holds every matcher as a
// native method; the object carries the received value and a mode (not /
// resolves / rejects) in non-enumerable properties, and its `.not`,
// `.resolves`, `.rejects` (and `.resolves.not`, `.rejects.not`) are created
// eagerly because Flow has no getters. A failed matcher throws an Error named
// "AssertionError" created inside the native, so its stack trace starts at
// the test's line. The promise forms (resolves/rejects, toThrow on a promise
// or an async function) return a promise settled by a reaction; its error
// gets the stack captured when the matcher was called, since no Flow frame is
// on the stack when the reaction runs.
#include <cctype>
#include <cmath>
#include <set>
#include <unordered_map>
#include <utility>

#include "StdlibUtil.h"
#include "flow/vm/Json.h"

namespace flow::vm {

using bytecode::Builtin;

namespace {

enum class M : uint8_t {
    toBe,
    toEqual,
    toStrictEqual,
    toBeCloseTo,
    toBeTruthy,
    toBeFalsy,
    toBeNull,
    toBeUndefined,
    toBeDefined,
    toBeNaN,
    toBeGreaterThan,
    toBeGreaterThanOrEqual,
    toBeLessThan,
    toBeLessThanOrEqual,
    toContain,
    toHaveLength,
    toMatchObject,
    toHaveProperty,
    toHaveBeenCalledTimes,
    toHaveBeenCalledWith,
    toThrow,
};

struct MatcherInfo {
    const char* name;
    // The parameter names of the message header, by how many were given
    // (jest: "toThrow()" vs "toThrow(expected)").
    const char* params[3];
    uint8_t arity;
};

const MatcherInfo kInfo[] = {
    {"toBe", {"expected", "expected", "expected"}, 1},
    {"toEqual", {"expected", "expected", "expected"}, 1},
    {"toStrictEqual", {"expected", "expected", "expected"}, 1},
    {"toBeCloseTo", {"expected", "expected", "expected, digits"}, 2},
    {"toBeTruthy", {"", "", ""}, 0},
    {"toBeFalsy", {"", "", ""}, 0},
    {"toBeNull", {"", "", ""}, 0},
    {"toBeUndefined", {"", "", ""}, 0},
    {"toBeDefined", {"", "", ""}, 0},
    {"toBeNaN", {"", "", ""}, 0},
    {"toBeGreaterThan", {"expected", "expected", "expected"}, 1},
    {"toBeGreaterThanOrEqual", {"expected", "expected", "expected"}, 1},
    {"toBeLessThan", {"expected", "expected", "expected"}, 1},
    {"toBeLessThanOrEqual", {"expected", "expected", "expected"}, 1},
    {"toContain", {"expected", "expected", "expected"}, 1},
    {"toHaveLength", {"expected", "expected", "expected"}, 1},
    {"toMatchObject", {"expected", "expected", "expected"}, 1},
    {"toHaveProperty", {"path", "path", "path, value"}, 2},
    {"toHaveBeenCalledTimes", {"expected", "expected", "expected"}, 1},
    {"toHaveBeenCalledWith", {"expected", "expected", "expected"}, 1},
    {"toThrow", {"", "expected", "expected"}, 1},
};

constexpr int kNot = 1, kResolves = 2, kRejects = 4;
constexpr const char* kActualKey = "@@expect.actual";
constexpr const char* kModeKey = "@@expect.mode";
// Printed values are capped so that a huge payload cannot flood the report.
constexpr size_t kMaxShown = 20000;

const MatcherInfo& info(M m) {
    return kInfo[size_t(m)];
}

// "expect(received).resolves.not.toBe(expected)"
std::string header(M m, int mode, size_t argc) {
    std::string h = "expect(received)";
    if (mode & kResolves) h += ".resolves";
    if (mode & kRejects) h += ".rejects";
    if (mode & kNot) h += ".not";
    const MatcherInfo& mi = info(m);
    return h + "." + mi.name + "(" + mi.params[argc > 2 ? 2 : argc] + ")";
}

// A value as the report shows it: console.log's format, except that an error
// is "[Name: message]" rather than its whole stack.
std::string show(Vm& vm, Value v) {
    std::string s;
    if (stdlib::isError(vm, v)) {
        Value n = vm.getNamed(v, vm.names.name), msg = vm.getNamed(v, vm.names.message);
        s = "[" + (isString(n) ? asString(n)->data : std::string("Error"));
        if (isString(msg) && !asString(msg)->data.empty()) s += ": " + asString(msg)->data;
        s += "]";
    } else {
        s = inspectValue(vm, v);
    }
    if (s.size() > kMaxShown) s = s.substr(0, kMaxShown) + "...";
    return s;
}

[[noreturn]] void misuse(Vm& vm, M m, const std::string& what) {
    vm.throwError(ErrorKind::TypeError,
                  std::string("expect(received).") + info(m).name + "(): " + what);
}

double numberArg(Vm& vm, M m, Value v, const char* role) {
    if (!v.isNumber())
        misuse(vm, m, std::string(role) + " must be a number (got " + show(vm, v) + ")");
    return v.asNumber();
}

double countArg(Vm& vm, M m, Value v) {
    double d = numberArg(vm, m, v, "expected");
    if (!(d >= 0) || d != std::floor(d) || std::isinf(d))
        misuse(vm, m, "expected must be a non-negative integer (got " + show(vm, v) + ")");
    return d;
}

// ---- deep equality (toEqual, toStrictEqual)
//
// An explicit work list (no C recursion, so deep data cannot overflow the C
// stack) and a set of object pairs already taken: a pair met again is either
// being compared (a cycle) or already compared, and any difference ends the
// whole comparison, so assuming it equal is sound and keeps the walk linear.
class DeepEqual {
public:
    DeepEqual(Vm& vm, bool strict) : vm_(vm), strict_(strict) {}

    bool equal(Value a, Value b) {
        push(a, b, -1, nullptr, 0);
        work_.swap(pending_);
        while (!work_.empty()) {
            uint32_t n = work_.back();
            work_.pop_back();
            if (!step(n)) {
                failed_ = int32_t(n);
                return false;
            }
        }
        return true;
    }

    // After a failed equal(): where the first difference (depth first, in
    // property order) is, as a JS accessor path (".a[2].b"; "" at the top),
    // and the two values there.
    std::string differencePath() const {
        std::vector<const Node*> chain;
        for (int32_t i = failed_; i > 0; i = nodes_[size_t(i)].parent)
            chain.push_back(&nodes_[size_t(i)]);
        std::string out;
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            const Node& n = **it;
            if (!n.key) {
                out += "[" + std::to_string(n.index) + "]";
            } else if (isIdentifier(n.key->view())) {
                out += "." + n.key->data;
            } else {
                out += "[";
                quoteJsonString(out, n.key->view());
                out += "]";
            }
        }
        return out;
    }
    Value differenceA() const { return nodes_[size_t(failed_)].a; }
    Value differenceB() const { return nodes_[size_t(failed_)].b; }

private:
    // A pair to compare and how it was reached (key, or index when key is null).
    struct Node {
        Value a, b;
        int32_t parent;
        String* key;
        uint32_t index;
    };

    static bool isIdentifier(std::string_view k) {
        if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
        for (char c : k)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'))
                return false;
        return true;
    }

    void push(Value a, Value b, int32_t parent, String* key, uint32_t index) {
        nodes_.push_back({a, b, parent, key, index});
        pending_.push_back(uint32_t(nodes_.size() - 1));
    }

    // Own enumerable properties; toEqual skips those whose value is undefined.
    std::vector<std::pair<String*, Value>> props(Object* o) const {
        std::vector<std::pair<String*, Value>> out;
        for (const Property& p : o->props)
            if (p.enumerable && (strict_ || !p.value.isUndefined()))
                out.push_back({p.key, p.value});
        return out;
    }

    std::string errorField(Value e, String* key) {
        Value v = vm_.getNamed(e, key);
        return isString(v) ? asString(v)->data : std::string();
    }

    bool step(uint32_t n) {
        bool same = compare(n);
        // Children go on the stack in reverse, so they are visited in order.
        work_.insert(work_.end(), pending_.rbegin(), pending_.rend());
        pending_.clear();
        return same;
    }

    bool compare(uint32_t n) {
        Value a = nodes_[n].a, b = nodes_[n].b;
        auto self = int32_t(n);
        if (a.isNumber() && b.isNumber()) return sameValueZero(a, b);
        if (isString(a) && isString(b)) return asString(a)->equals(asString(b));
        if (!isObjectLike(a) || !isObjectLike(b)) return sameValue(a, b);
        HeapObject* pa = a.asObject();
        HeapObject* pb = b.asObject();
        if (pa == pb) return true;
        if (!seen_.insert({pa, pb}).second) return true;
        if (pa->type != pb->type) return false;
        switch (pa->type) {
        case ObjType::Object:
        case ObjType::Array:
            break;
        default:
            return false; // functions, promises, tasks, workflows: by identity only
        }
        Object* oa = asObj(a);
        Object* ob = asObj(b);
        bool ea = stdlib::isError(vm_, a), eb = stdlib::isError(vm_, b);
        if (ea || eb) {
            return ea == eb && (!strict_ || oa->proto == ob->proto) &&
                   errorField(a, vm_.names.name) == errorField(b, vm_.names.name) &&
                   errorField(a, vm_.names.message) == errorField(b, vm_.names.message);
        }
        if (strict_ && oa->proto != ob->proto) return false;
        if (pa->type == ObjType::Array) {
            auto& xa = static_cast<Array*>(oa)->elems;
            auto& xb = static_cast<Array*>(ob)->elems;
            if (xa.size() != xb.size()) return false;
            for (size_t i = 0; i < xa.size(); ++i)
                push(xa[i], xb[i], self, nullptr, uint32_t(i));
        }
        auto pa2 = props(oa), pb2 = props(ob);
        if (pa2.size() != pb2.size()) return false;
        std::unordered_map<std::string_view, Value> byKey;
        for (auto& [k, v] : pb2)
            byKey.emplace(k->view(), v);
        for (auto& [k, v] : pa2) {
            auto it = byKey.find(k->view());
            if (it == byKey.end()) return false;
            push(v, it->second, self, k, 0);
        }
        return true;
    }

    Vm& vm_;
    bool strict_;
    std::vector<Node> nodes_;
    std::vector<uint32_t> work_, pending_;
    int32_t failed_ = 0;
    std::set<std::pair<HeapObject*, HeapObject*>> seen_;
};

bool deepEqual(Vm& vm, Value a, Value b, bool strict = false) {
    return DeepEqual(vm, strict).equal(a, b);
}

// toMatchObject: every key of the subset matches, recursively; arrays in the
// subset match elementwise with the same length; other values by toEqual.
bool matchObject(Vm& vm, Value received, Value subset) {
    std::vector<std::pair<Value, Value>> work{{received, subset}};
    std::set<std::pair<HeapObject*, HeapObject*>> seen;
    while (!work.empty()) {
        auto [r, s] = work.back();
        work.pop_back();
        bool plainSubset = isType(s, ObjType::Object) && !stdlib::isError(vm, s);
        if (!isArray(s) && !plainSubset) {
            if (!deepEqual(vm, r, s)) return false;
            continue;
        }
        if (!isObjectLike(r) || isCallable(r)) return false;
        if (!seen.insert({r.asObject(), s.asObject()}).second) continue;
        if (isArray(s)) {
            if (!isArray(r)) return false;
            auto& xr = asArray(r)->elems;
            auto& xs = asArray(s)->elems;
            if (xr.size() != xs.size()) return false;
            for (size_t i = 0; i < xs.size(); ++i)
                work.push_back({xr[i], xs[i]});
            continue;
        }
        for (String* k : asObj(s)->ownKeys()) {
            if (!vm.lookup(asObj(r), k->view(), k->hash)) return false;
            work.push_back({vm.getNamed(r, k), *asObj(s)->findOwn(k)});
        }
    }
    return true;
}

// ---- outcomes

struct Outcome {
    bool pass = false;
    std::string expected; // what the matcher wants (without "not ")
    std::string received;
    std::string hint; // an extra paragraph, may be empty
    // A failure whatever `.not` says (a promise that settled the wrong way).
    bool unconditional = false;
};

// The parts of a thrown value that toThrow looks at: a thrown string counts
// as the message.
void thrownParts(Vm& vm, Value thrown, std::string& name, std::string& message) {
    if (isString(thrown)) {
        message = asString(thrown)->data;
        return;
    }
    if (!isObjectLike(thrown)) return;
    Value n = vm.getNamed(thrown, vm.names.name), m = vm.getNamed(thrown, vm.names.message);
    if (isString(n)) name = asString(n)->data;
    if (isString(m)) message = asString(m)->data;
}

// toThrow once something was thrown (or a promise rejected with `thrown`).
Outcome throwOutcome(Vm& vm, Value thrown, Value want, bool hasWant) {
    Outcome o;
    std::string name, message;
    thrownParts(vm, thrown, name, message);
    o.received = stdlib::isError(vm, thrown) ? show(vm, thrown) : "thrown " + show(vm, thrown);
    if (!hasWant || want.isUndefined()) {
        o.expected = "a thrown error";
        o.pass = true;
    } else if (isString(want)) {
        const std::string& w = asString(want)->data;
        o.expected = "an error named " + show(vm, want) + " or with a message containing it";
        o.pass = name == w || message.find(w) != std::string::npos;
    } else if (isCallable(want)) {
        // An error class: toThrow(TypeError).
        Value proto = vm.getNamed(want, vm.names.prototype);
        Value cname = vm.getNamed(want, vm.names.name);
        o.expected =
            "an instance of " + (isString(cname) ? asString(cname)->data : std::string("?"));
        if (isObjectLike(proto) && isObjectLike(thrown))
            for (Object* p = asObj(thrown)->proto; p && !o.pass; p = p->proto)
                o.pass = p == asObj(proto);
    } else {
        misuse(vm, M::toThrow,
               "expected must be a string (an error name or part of its message) or an error "
               "class (got " +
                   show(vm, want) + ")");
    }
    return o;
}

// Whether `v` has property `key` (own or inherited, as jest's `in` check).
bool hasProperty(Vm& vm, Value v, String* key) {
    uint32_t idx;
    bool isIdx = isArrayIndex(key->view(), &idx);
    if (isString(v)) return key->view() == "length" || (isIdx && idx < asString(v)->length16);
    if (!isObjectLike(v)) return false;
    if (isArray(v) && (key->view() == "length" || (isIdx && idx < asArray(v)->elems.size())))
        return true;
    return vm.lookup(asObj(v), key->view(), key->hash) != nullptr;
}

// "a.b[0].c" -> ["a", "b", "0", "c"]; an array of keys is taken as is.
std::vector<String*> propertyPath(Vm& vm, Value path) {
    std::vector<String*> out;
    if (isArray(path)) {
        for (Value k : asArray(path)->elems)
            out.push_back(vm.toPropertyKey(k));
    } else if (isString(path)) {
        std::string cur;
        for (char c : asString(path)->data) {
            if (c == '.' || c == '[' || c == ']') {
                if (!cur.empty()) out.push_back(vm.newString(cur));
                cur.clear();
            } else {
                cur += c;
            }
        }
        if (!cur.empty()) out.push_back(vm.newString(cur));
    } else {
        misuse(vm, M::toHaveProperty,
               "path must be a string or an array of keys (got " + show(vm, path) + ")");
    }
    if (out.empty()) misuse(vm, M::toHaveProperty, "path must not be empty");
    return out;
}

Value callsOf(Vm& vm, M m, Value mock) {
    Value calls = isObjectLike(mock) ? vm.getNamed(mock, "calls") : Value::undefined();
    if (!isArray(calls))
        misuse(vm, m,
               "received must be a mock (an object with a `calls` array), got " + show(vm, mock));
    return calls;
}

std::string plural(size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// Every matcher except toThrow's calling part: the check on a known value.
Outcome evaluate(Vm& vm, M m, Value actual, std::span<const Value> argv) {
    auto arg = [&](size_t i) { return i < argv.size() ? argv[i] : Value::undefined(); };
    Value e = arg(0);
    Outcome o;
    switch (m) {
    case M::toBe: {
        o.pass = sameValue(actual, e);
        o.expected = show(vm, e);
        o.received = show(vm, actual);
        if (!o.pass && isObjectLike(actual) && deepEqual(vm, actual, e))
            o.hint = "If it should pass with deep equality, replace \"toBe\" with \"toEqual\"";
        return o;
    }
    case M::toEqual:
    case M::toStrictEqual: {
        DeepEqual eq(vm, m == M::toStrictEqual);
        o.pass = eq.equal(actual, e);
        o.expected = show(vm, e);
        o.received = show(vm, actual);
        // The printed values may hide it (depth, size): say where it is.
        std::string path = o.pass ? "" : eq.differencePath();
        if (!path.empty())
            o.hint = "First difference at received" + path +
                     ":\n  Expected: " + show(vm, eq.differenceB()) +
                     "\n  Received: " + show(vm, eq.differenceA());
        return o;
    }
    case M::toBeCloseTo: {
        double a = numberArg(vm, m, actual, "received");
        double b = numberArg(vm, m, e, "expected");
        double digits = arg(1).isUndefined() ? 2 : numberArg(vm, m, arg(1), "digits");
        double tolerance = std::pow(10.0, -digits) / 2;
        double diff = std::fabs(a - b);
        o.pass = (std::isinf(a) && a == b) || diff < tolerance;
        o.expected = show(vm, e) + " (difference < " + numberToString(tolerance) + ")";
        o.received = show(vm, actual) + " (difference " + numberToString(diff) + ")";
        return o;
    }
    case M::toBeTruthy:
    case M::toBeFalsy:
    case M::toBeNull:
    case M::toBeUndefined:
    case M::toBeDefined:
    case M::toBeNaN: {
        static const char* kWant[] = {"truthy", "falsy", "null", "undefined", "defined", "NaN"};
        int i = int(m) - int(M::toBeTruthy);
        o.pass = m == M::toBeTruthy      ? truthy(actual)
                 : m == M::toBeFalsy     ? !truthy(actual)
                 : m == M::toBeNull      ? actual.isNull()
                 : m == M::toBeUndefined ? actual.isUndefined()
                 : m == M::toBeDefined   ? !actual.isUndefined()
                                         : actual.isNumber() && std::isnan(actual.asNumber());
        o.expected = kWant[i];
        o.received = show(vm, actual);
        return o;
    }
    case M::toBeGreaterThan:
    case M::toBeGreaterThanOrEqual:
    case M::toBeLessThan:
    case M::toBeLessThanOrEqual: {
        double a = numberArg(vm, m, actual, "received");
        double b = numberArg(vm, m, e, "expected");
        static const char* kOp[] = {"> ", ">= ", "< ", "<= "};
        int i = int(m) - int(M::toBeGreaterThan);
        o.pass = m == M::toBeGreaterThan          ? a > b
                 : m == M::toBeGreaterThanOrEqual ? a >= b
                 : m == M::toBeLessThan           ? a < b
                                                  : a <= b;
        o.expected = kOp[i] + show(vm, e);
        o.received = show(vm, actual);
        return o;
    }
    case M::toContain: {
        if (isArray(actual)) {
            for (Value x : asArray(actual)->elems)
                if (sameValueZero(x, e)) o.pass = true;
        } else if (isString(actual)) {
            if (!isString(e))
                misuse(vm, m,
                       "expected must be a string when received is a string (got " + show(vm, e) +
                           ")");
            o.pass = asString(actual)->data.find(asString(e)->data) != std::string::npos;
        } else {
            misuse(vm, m, "received must be an array or a string (got " + show(vm, actual) + ")");
        }
        o.expected = "containing " + show(vm, e);
        o.received = show(vm, actual);
        return o;
    }
    case M::toHaveLength: {
        double want = countArg(vm, m, e);
        double len;
        if (isArray(actual)) {
            len = double(asArray(actual)->elems.size());
        } else if (isString(actual)) {
            len = asString(actual)->length16;
        } else {
            Value l =
                isObjectLike(actual) ? vm.getNamed(actual, vm.names.length) : Value::undefined();
            if (!l.isNumber())
                misuse(vm, m,
                       "received must have a numeric length property (got " + show(vm, actual) +
                           ")");
            len = l.asNumber();
        }
        o.pass = len == want;
        o.expected = "length " + numberToString(want);
        o.received = "length " + numberToString(len) + ": " + show(vm, actual);
        return o;
    }
    case M::toMatchObject:
        if (!isObjectLike(actual) || isCallable(actual))
            misuse(vm, m, "received must be an object (got " + show(vm, actual) + ")");
        if (!isObjectLike(e) || isCallable(e))
            misuse(vm, m, "expected must be an object (got " + show(vm, e) + ")");
        o.pass = matchObject(vm, actual, e);
        o.expected = show(vm, e);
        o.received = show(vm, actual);
        return o;
    case M::toHaveProperty: {
        if (actual.isNullish()) misuse(vm, m, "received must not be null or undefined");
        std::vector<String*> path = propertyPath(vm, e);
        bool withValue = argv.size() >= 2;
        std::string shown;
        Value cur = actual;
        bool found = true;
        for (String* k : path) {
            if (!shown.empty()) shown += ".";
            shown += k->data;
            if (!hasProperty(vm, cur, k)) {
                found = false;
                break;
            }
            cur = vm.get(cur, Value::object(k));
        }
        o.pass = found && (!withValue || deepEqual(vm, cur, arg(1)));
        o.expected = "property " + show(vm, e);
        if (withValue) o.expected += " = " + show(vm, arg(1));
        if (!found)
            o.received = "no property \"" + shown + "\" in " + show(vm, actual);
        else
            o.received = "property " + show(vm, e) + " = " + show(vm, cur);
        return o;
    }
    case M::toHaveBeenCalledTimes: {
        Value calls = callsOf(vm, m, actual);
        double want = countArg(vm, m, e);
        size_t n = asArray(calls)->elems.size();
        o.pass = double(n) == want;
        o.expected = plural(size_t(want), "call");
        o.received = plural(n, "call");
        return o;
    }
    case M::toHaveBeenCalledWith: {
        Value calls = callsOf(vm, m, actual);
        std::string list;
        for (Value c : asArray(calls)->elems) {
            Value a = isObjectLike(c) ? vm.getNamed(c, "args") : Value::undefined();
            if (deepEqual(vm, a, e)) o.pass = true;
            list += (list.empty() ? "" : ", ") + show(vm, a);
        }
        o.expected = "a call with " + show(vm, e);
        o.received = asArray(calls)->elems.empty()
                         ? "no calls"
                         : plural(asArray(calls)->elems.size(), "call") + " with [ " + list + " ]";
        if (o.received.size() > kMaxShown) o.received = o.received.substr(0, kMaxShown) + "...";
        return o;
    }
    case M::toThrow:
        break;
    }
    return throwOutcome(vm, actual, e, !argv.empty());
}

// The AssertionError for a failed outcome, or nullptr when it passed. With
// `trace`, the stack is that captured trace (the promise forms).
Object* failure(Vm& vm, M m, int mode, size_t argc, const Outcome& o, const std::string* trace) {
    bool negated = (mode & kNot) != 0;
    if (!o.unconditional && o.pass != negated) return nullptr;
    std::string expected = (negated && !o.unconditional ? "not " : "") + o.expected;
    std::string msg =
        header(m, mode, argc) + "\n\nExpected: " + expected + "\nReceived: " + o.received;
    if (!o.hint.empty() && !negated) msg += "\n\n" + o.hint;
    Object* err = vm.newNamedError("AssertionError", msg);
    if (trace)
        err->setHidden(vm.names.stack,
                       Value::object(vm.newString("AssertionError: " + msg + *trace)));
    err->setHidden(vm.intern("matcher"), Value::object(vm.newString(info(m).name)));
    err->setHidden(vm.intern("expected"), Value::object(vm.newString(expected)));
    err->setHidden(vm.intern("actual"), Value::object(vm.newString(o.received)));
    return err;
}

// ---- the promise forms
//
// State of a pending check, an Array (an ordinary traced value):
// [matcher, mode, args (Array), trace (String)]; the handlers' slot 0 is the
// promise the matcher returned, slot 1 the state.
enum : uint32_t { StMatcher, StMode, StArgs, StTrace };

void settle(Vm& vm, NativeFunction* self, Value v, bool rejected) {
    Promise* result = asPromise(self->slots[0]);
    Array* st = asArray(self->slots[1]);
    auto m = M(uint8_t(st->elems[StMatcher].asNumber()));
    int mode = int(st->elems[StMode].asNumber());
    Array* argsArr = asArray(st->elems[StArgs]);
    const std::string& trace = asString(st->elems[StTrace])->data;
    std::span<const Value> argv(argsArr->elems);
    try {
        Outcome o;
        if (mode & kResolves && rejected) {
            o.unconditional = true;
            o.expected = "a promise that resolves";
            o.received = "rejected with " + show(vm, v);
        } else if (mode & kRejects && !rejected) {
            o.unconditional = true;
            o.expected = "a promise that rejects";
            o.received = "resolved with " + show(vm, v);
        } else if (mode & (kResolves | kRejects)) {
            o = evaluate(vm, m, v, argv);
        } else if (rejected) { // toThrow on a promise
            o = throwOutcome(vm, v, argv.empty() ? Value::undefined() : argv[0], !argv.empty());
        } else {
            o = throwOutcome(vm, Value::undefined(), argv.empty() ? Value::undefined() : argv[0],
                             !argv.empty());
            o.pass = false;
            o.received = "the promise resolved with " + show(vm, v);
        }
        if (Object* err = failure(vm, m, mode, argv.size(), o, &trace))
            vm.rejectPromise(result, Value::object(err));
        else
            vm.resolvePromise(result, Value::undefined());
    } catch (ThrowSignal&) {
        // A wrong use found only now (e.g. resolves.toBeCloseTo on a string):
        // the TypeError was made with no Flow frame, so give it the trace.
        Value e = vm.takeException();
        HandleScope hs(vm);
        hs.add(e);
        if (stdlib::isError(vm, e)) {
            Value s = vm.getNamed(e, vm.names.stack);
            std::string text = isString(s) ? asString(s)->data : std::string();
            asObj(e)->setHidden(vm.names.stack, Value::object(vm.newString(text + trace)));
        }
        vm.rejectPromise(result, e);
    }
}

Value settledFulfilled(Vm& vm, const Args& args, NativeFunction* self) {
    settle(vm, self, args[0], false);
    return Value::undefined();
}
Value settledRejected(Vm& vm, const Args& args, NativeFunction* self) {
    settle(vm, self, args[0], true);
    return Value::undefined();
}

Value checkLater(Vm& vm, M m, int mode, Promise* target, const Args& args) {
    HandleScope hs(vm);
    hs.add(Value::object(target));
    Promise* result = vm.newPromise();
    Array* argsArr = vm.newArray(args.size());
    for (uint32_t i = 0; i < args.size(); ++i)
        argsArr->elems.push_back(args[i]);
    Array* st = vm.newArray(4);
    st->elems = {Value::number(double(m)), Value::number(double(mode)), Value::object(argsArr),
                 Value::object(vm.newString(vm.stackTrace()))};
    NativeFunction* ok = vm.newNative("", settledFulfilled, 1);
    NativeFunction* bad = vm.newNative("", settledRejected, 1);
    for (NativeFunction* f : {ok, bad}) {
        f->slots[0] = Value::object(result);
        f->slots[1] = Value::object(st);
    }
    // The handlers never throw: the derived promise only ever fulfils.
    vm.promiseThen(target, Value::object(ok), Value::object(bad))->handled = true;
    return Value::object(result);
}

// ---- the natives

Value matcherCall(Vm& vm, const Args& args, M m) {
    Value self = args.thisValue;
    Value* actualP = isObjectLike(self) ? asObj(self)->findOwn(kActualKey) : nullptr;
    Value* modeP = isObjectLike(self) ? asObj(self)->findOwn(kModeKey) : nullptr;
    if (!actualP || !modeP || !modeP->isNumber())
        vm.throwError(ErrorKind::TypeError,
                      std::string(info(m).name) + " must be called on the result of expect(...)");
    Value actual = *actualP;
    int mode = int(modeP->asNumber());
    std::span<const Value> argv(args.argv, args.argc);

    if (mode & (kResolves | kRejects)) {
        Value p = actual;
        HandleScope hs(vm);
        if (isCallable(actual)) {
            p = vm.call(actual, Value::undefined(), std::span<const Value>());
            hs.add(p);
        }
        if (!isType(p, ObjType::Promise))
            vm.throwError(ErrorKind::TypeError,
                          header(m, mode, args.size()) +
                              ": received must be a promise or a function returning a promise "
                              "(got " +
                              show(vm, p) + ")");
        return checkLater(vm, m, mode, asPromise(p), args);
    }
    Outcome o;
    if (m == M::toThrow) {
        if (isType(actual, ObjType::Promise))
            return checkLater(vm, m, mode, asPromise(actual), args);
        if (!isCallable(actual))
            misuse(vm, m,
                   "received must be a function or a promise (got " + show(vm, actual) + ")");
        HandleScope hs(vm);
        Value r;
        bool threw = false;
        try {
            r = vm.call(actual, Value::undefined(), std::span<const Value>());
        } catch (ThrowSignal&) {
            r = vm.takeException();
            threw = true;
        }
        hs.add(r); // neither the result nor the thrown value is rooted otherwise
        if (!threw && isType(r, ObjType::Promise))
            return checkLater(vm, m, mode, asPromise(r), args);
        if (threw) {
            o = throwOutcome(vm, r, args[0], args.size() > 0);
        } else {
            o = throwOutcome(vm, Value::undefined(), args[0], args.size() > 0);
            o.pass = false;
            o.received = "the function did not throw (it returned " + show(vm, r) + ")";
        }
    } else {
        o = evaluate(vm, m, actual, argv);
    }
    if (Object* err = failure(vm, m, mode, args.size(), o, nullptr))
        vm.throwValue(Value::object(err));
    return Value::undefined();
}

template <M m>
Value matcherFn(Vm& vm, const Args& args, NativeFunction*) {
    return matcherCall(vm, args, m);
}

Object* matcherObject(Vm& vm, Object* proto, Value actual, int mode) {
    Object* o = vm.alloc<Object>(proto);
    o->setHidden(vm.intern(kActualKey), actual);
    o->setHidden(vm.intern(kModeKey), Value::number(mode));
    return o;
}

// expect(actual): slot 0 holds the matchers' prototype.
Value expectFn(Vm& vm, const Args& args, NativeFunction* self) {
    if (args.size() > 1)
        vm.throwError(ErrorKind::TypeError, "expect takes one argument (the received value); got " +
                                                std::to_string(args.size()));
    Object* proto = asObj(self->slots[0]);
    Value actual = args[0];
    Object* base = matcherObject(vm, proto, actual, 0);
    base->setHidden(vm.intern("not"), Value::object(matcherObject(vm, proto, actual, kNot)));
    for (int kind : {kResolves, kRejects}) {
        Object* o = matcherObject(vm, proto, actual, kind);
        o->setHidden(vm.intern("not"),
                     Value::object(matcherObject(vm, proto, actual, kind | kNot)));
        base->setHidden(vm.intern(kind == kResolves ? "resolves" : "rejects"), Value::object(o));
    }
    return Value::object(base);
}

template <M m>
MethodSpec spec() {
    return {info(m).name, matcherFn<m>, info(m).arity};
}

} // namespace

void installExpect(Vm& vm) {
    registerRuntimeNative(vm, "expect.settledFulfilled", settledFulfilled);
    registerRuntimeNative(vm, "expect.settledRejected", settledRejected);
    Object* proto = vm.newObject();
    const MethodSpec methods[] = {
        spec<M::toBe>(),
        spec<M::toEqual>(),
        spec<M::toStrictEqual>(),
        spec<M::toBeCloseTo>(),
        spec<M::toBeTruthy>(),
        spec<M::toBeFalsy>(),
        spec<M::toBeNull>(),
        spec<M::toBeUndefined>(),
        spec<M::toBeDefined>(),
        spec<M::toBeNaN>(),
        spec<M::toBeGreaterThan>(),
        spec<M::toBeGreaterThanOrEqual>(),
        spec<M::toBeLessThan>(),
        spec<M::toBeLessThanOrEqual>(),
        spec<M::toContain>(),
        spec<M::toHaveLength>(),
        spec<M::toMatchObject>(),
        spec<M::toHaveProperty>(),
        spec<M::toHaveBeenCalledTimes>(),
        spec<M::toHaveBeenCalledWith>(),
        spec<M::toThrow>(),
    };
    static_assert(sizeof(kInfo) / sizeof(kInfo[0]) == size_t(M::toThrow) + 1);
    defineMethods(vm, proto, methods);
    NativeFunction* expect = vm.newNative("expect", expectFn, 1);
    expect->slots[0] = Value::object(proto);
    vm.setBuiltin(Builtin::expect, Value::object(expect));
}

} // namespace flow::vm
