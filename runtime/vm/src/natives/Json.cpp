// Json.cpp — the JSON builtin object: JSON.parse (with reviver) and
// JSON.stringify (replacer function or property list, indentation, toJSON),
// ECMA-262 §25.5, with V8's error messages (node v20) for bad input.
//
// The parser reads the WTF-8 bytes of the source string directly into
// Values (no intermediate tree), caches the String of each repeated object
// key, and converts numbers with std::from_chars (exactly rounded), so a
// multi-megabyte document parses in one linear pass. The serializer appends
// to one std::string. Nesting deeper than kMaxJsonDepth is a RangeError, as
// a stack overflow is in node, never a C++ stack overflow here.
#include <charconv>
#include <cstdlib>
#include <unordered_map>

#include "StdlibUtil.h"
#include "flow/vm/Unicode.h"

namespace flow::vm {

using bytecode::Builtin;
using namespace stdlib;

namespace {

constexpr int kMaxJsonDepth = 5000;

// ---------------------------------------------------------------- parse

struct Parser {
    Vm& vm;
    std::string_view text;
    size_t pos = 0;
    int depth = 0;
    std::unordered_map<std::string_view, String*> keys;

    // ---- errors (V8's messages; positions in UTF-16 units)
    size_t pos16(size_t bytePos) const {
        bool ascii;
        return utf16Length(text.substr(0, bytePos), &ascii);
    }
    [[noreturn]] void fail(const std::string& msg) { vm.throwError(ErrorKind::SyntaxError, msg); }
    [[noreturn]] void failAt(const char* what, size_t bytePos) {
        fail(std::string(what) + " in JSON at position " + std::to_string(pos16(bytePos)));
    }
    [[noreturn]] void failEnd() { fail("Unexpected end of JSON input"); }
    // An unexpected character where a value was expected.
    [[noreturn]] void failToken() {
        if (pos >= text.size()) failEnd();
        if (text == "NaN" || text == "Infinity" || text == "undefined")
            fail("\"" + std::string(text) + "\" is not valid JSON");
        std::u16string src = toUnits(text);
        size_t p = pos16(pos);
        std::u16string_view tok(src.data() + p, 1);
        if (p + 1 < src.size() && src[p] >= 0xD800 && src[p] < 0xDC00) tok = {src.data() + p, 2};
        std::string msg = "Unexpected token '" + toUtf8(fromUnits(tok)) + "', ";
        constexpr size_t kContext = 10, kShort = 20;
        auto slice = [&](size_t a, size_t b) {
            return toUtf8(fromUnits(std::u16string_view(src).substr(a, b - a)));
        };
        if (src.size() <= kShort)
            msg += "\"" + toUtf8(std::string(text)) + "\"";
        else if (p < kContext)
            msg += "\"" + slice(0, p + kContext) + "\"...";
        else if (p < src.size() - kContext)
            msg += "...\"" + slice(p - kContext, p + kContext) + "\"...";
        else
            msg += "...\"" + slice(p - kContext, src.size()) + "\"";
        fail(msg + " is not valid JSON");
    }

    void skipWs() {
        while (pos < text.size()) {
            char c = text[pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            ++pos;
        }
    }
    bool at(char c) const { return pos < text.size() && text[pos] == c; }

    Value parseValue() {
        skipWs();
        if (pos >= text.size()) failEnd();
        char c = text[pos];
        switch (c) {
        case '{':
            return parseObject();
        case '[':
            return parseArray();
        case '"':
            return Value::object(parseString(false));
        case 't':
            return literal("true", Value::boolean(true));
        case 'f':
            return literal("false", Value::boolean(false));
        case 'n':
            return literal("null", Value::null());
        default:
            if (c == '-' || (c >= '0' && c <= '9')) return parseNumber();
            failToken();
        }
    }

    Value literal(std::string_view word, Value v) {
        for (char w : word) {
            if (pos >= text.size()) failEnd();
            if (text[pos] != w) failToken();
            ++pos;
        }
        return v;
    }

    void enter() {
        if (++depth > kMaxJsonDepth)
            vm.throwError(ErrorKind::RangeError, "Maximum call stack size exceeded");
    }

    Value parseArray() {
        enter();
        ++pos; // [
        Array* a = vm.newArray();
        skipWs();
        if (at(']')) {
            ++pos;
            --depth;
            return Value::object(a);
        }
        for (;;) {
            a->elems.push_back(parseValue());
            skipWs();
            if (at(',')) {
                ++pos;
                continue;
            }
            if (at(']')) break;
            failAt("Expected ',' or ']' after array element", pos);
        }
        ++pos;
        --depth;
        checkArraySize(vm, a->elems.size());
        return Value::object(a);
    }

    Value parseObject() {
        enter();
        ++pos; // {
        Object* o = vm.newObject();
        skipWs();
        if (at('}')) {
            ++pos;
            --depth;
            return Value::object(o);
        }
        if (!at('"')) failAt("Expected property name or '}'", pos);
        for (;;) {
            String* key = parseString(true);
            skipWs();
            if (!at(':')) failAt("Expected ':' after property name", pos);
            ++pos;
            Value v = parseValue();
            o->setOwn(key, v);
            skipWs();
            if (at('}')) break;
            if (!at(',')) failAt("Expected ',' or '}' after property value", pos);
            ++pos;
            skipWs();
            if (!at('"')) failAt("Expected double-quoted property name", pos);
        }
        ++pos;
        --depth;
        return Value::object(o);
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    String* parseString(bool isKey) {
        ++pos; // opening quote
        size_t start = pos;
        // Fast path: no escape before the closing quote.
        while (pos < text.size()) {
            auto c = uint8_t(text[pos]);
            if (c == '"' || c == '\\' || c < 0x20) break;
            ++pos;
        }
        if (pos >= text.size()) failAt("Unterminated string", pos);
        if (text[pos] == '"') {
            std::string_view raw = text.substr(start, pos - start);
            ++pos;
            if (isKey) {
                auto it = keys.find(raw);
                if (it != keys.end()) return it->second;
                String* s = vm.newString(raw);
                if (keys.size() < 65536) keys.emplace(raw, s);
                return s;
            }
            return raw.empty() ? vm.names.empty : vm.newString(raw);
        }
        std::string out(text.substr(start, pos - start));
        for (;;) {
            if (pos >= text.size()) failAt("Unterminated string", pos);
            auto c = uint8_t(text[pos]);
            if (c == '"') break;
            if (c < 0x20) failAt("Bad control character in string literal", pos);
            if (c != '\\') {
                size_t runStart = pos;
                while (pos < text.size()) {
                    auto d = uint8_t(text[pos]);
                    if (d == '"' || d == '\\' || d < 0x20) break;
                    ++pos;
                }
                appendWtf8(out, text.substr(runStart, pos - runStart));
                continue;
            }
            ++pos; // backslash
            if (pos >= text.size()) failEnd();
            char e = text[pos];
            const char* simple = nullptr;
            switch (e) {
            case '"':
                simple = "\"";
                break;
            case '\\':
                simple = "\\";
                break;
            case '/':
                simple = "/";
                break;
            case 'b':
                simple = "\b";
                break;
            case 'f':
                simple = "\f";
                break;
            case 'n':
                simple = "\n";
                break;
            case 'r':
                simple = "\r";
                break;
            case 't':
                simple = "\t";
                break;
            case 'u':
                break;
            default:
                failAt("Bad escaped character", pos);
            }
            if (simple) {
                out += simple;
                ++pos;
                continue;
            }
            ++pos; // u
            uint32_t unit = 0;
            for (int k = 0; k < 4; ++k) {
                if (pos >= text.size()) failAt("Bad Unicode escape", pos);
                int h = hex(text[pos]);
                if (h < 0) failAt("Bad Unicode escape", pos);
                unit = unit * 16 + uint32_t(h);
                ++pos;
            }
            std::string one;
            appendCodePoint(one, unit); // a surrogate becomes a 3-byte WTF-8 unit
            appendWtf8(out, one);       // ...and joins its partner here
        }
        ++pos; // closing quote
        return vm.newString(std::move(out));
    }

    Value parseNumber() {
        size_t start = pos;
        bool neg = at('-');
        if (neg) ++pos;
        if (pos >= text.size() || text[pos] < '0' || text[pos] > '9')
            failAt("No number after minus sign", pos);
        bool simpleInt = true;
        if (text[pos] == '0') {
            ++pos;
            if (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
                failAt("Unexpected number", pos);
        } else {
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
                ++pos;
        }
        if (at('.')) {
            simpleInt = false;
            ++pos;
            size_t d = pos;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
                ++pos;
            if (pos == d) failAt("Unterminated fractional number", pos);
        }
        if (at('e') || at('E')) {
            simpleInt = false;
            ++pos;
            if (at('+') || at('-')) ++pos;
            size_t d = pos;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
                ++pos;
            if (pos == d) failAt("Exponent part is missing a number", pos);
        }
        size_t digitsStart = start + (neg ? 1 : 0);
        if (simpleInt && pos - digitsStart <= 15) {
            int64_t v = 0;
            for (size_t i = digitsStart; i < pos; ++i)
                v = v * 10 + (text[i] - '0');
            return Value::number(neg ? -double(v) : double(v));
        }
        double d = 0;
        auto r = std::from_chars(text.data() + digitsStart, text.data() + pos, d);
        if (r.ec == std::errc::result_out_of_range) {
            // from_chars leaves d unset on overflow/underflow: strtod gives
            // Infinity / 0 as JS does.
            std::string lit(text.substr(digitsStart, pos - digitsStart));
            d = std::strtod(lit.c_str(), nullptr);
        }
        return Value::number(neg ? -d : d);
    }

    Value parseDocument() {
        Value v = parseValue();
        skipWs();
        if (pos < text.size())
            fail("Unexpected non-whitespace character after JSON at position " +
                 std::to_string(pos16(pos)));
        return v;
    }
};

// InternalizeJSONProperty: bottom-up reviver calls; the holder keeps every
// intermediate value reachable.
Value internalize(Vm& vm, Value reviver, Value holder, Value key, int depth) {
    if (depth > kMaxJsonDepth)
        vm.throwError(ErrorKind::RangeError, "Maximum call stack size exceeded");
    // The reviver may detach val or the keys below from the tree: keep them
    // rooted while they are in use.
    HandleScope hs(vm);
    Value val = vm.get(holder, key);
    hs.add(val);
    if (isArray(val)) {
        Array* a = asArray(val);
        for (size_t i = 0; i < a->elems.size(); ++i) {
            Value k = Value::number(double(i));
            Value nv = internalize(vm, reviver, val, k, depth + 1);
            // No holes in Flow arrays: a deleted element reads as undefined.
            if (i < a->elems.size()) a->elems[i] = nv;
        }
    } else if (isObjectLike(val) && !isCallable(val)) {
        Object* o = asObj(val);
        std::vector<String*> ks = o->ownKeys();
        for (String* k : ks)
            hs.add(Value::object(k));
        for (String* k : ks) {
            Value nv = internalize(vm, reviver, val, Value::object(k), depth + 1);
            if (nv.isUndefined())
                o->removeOwn(k->view());
            else
                o->setOwn(k, nv);
        }
    }
    String* ks = vm.toPropertyKey(key);
    return vm.call(reviver, holder, {Value::object(ks), val});
}

Value jsonParse(Vm& vm, const Args& args, NativeFunction*) {
    String* text = toString(vm, args[0]);
    Parser p{vm, text->view(), 0, 0, {}};
    Value v = p.parseDocument();
    if (!isCallable(args[1])) return v;
    Object* root = vm.newObject();
    root->setOwn(vm.names.empty, v);
    return internalize(vm, args[1], Value::object(root), Value::object(vm.names.empty), 0);
}

// ---------------------------------------------------------------- stringify

void quoteInto(std::string& out, std::string_view s) {
    static const char* kHex = "0123456789abcdef";
    out += '"';
    size_t run = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = uint8_t(s[i]);
        const char* esc = nullptr;
        char buf[8];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c < 0x20) {
            switch (c) {
            case '\b':
                esc = "\\b";
                break;
            case '\f':
                esc = "\\f";
                break;
            case '\n':
                esc = "\\n";
                break;
            case '\r':
                esc = "\\r";
                break;
            case '\t':
                esc = "\\t";
                break;
            default:
                buf[0] = '\\', buf[1] = 'u', buf[2] = '0', buf[3] = '0';
                buf[4] = kHex[c >> 4], buf[5] = kHex[c & 15], buf[6] = 0;
                esc = buf;
            }
        } else if (c == 0xED && i + 2 < s.size() && uint8_t(s[i + 1]) >= 0xA0) {
            // A lone surrogate (WTF-8): well-formed JSON.stringify escapes it.
            uint32_t u = 0xD000 | ((uint8_t(s[i + 1]) & 0x3F) << 6) | (uint8_t(s[i + 2]) & 0x3F);
            buf[0] = '\\', buf[1] = 'u', buf[2] = kHex[(u >> 12) & 15],
            buf[3] = kHex[(u >> 8) & 15];
            buf[4] = kHex[(u >> 4) & 15], buf[5] = kHex[u & 15], buf[6] = 0;
            out.append(s.substr(run, i - run));
            out += buf;
            i += 2;
            run = i + 1;
            continue;
        }
        if (esc) {
            out.append(s.substr(run, i - run));
            out += esc;
            run = i + 1;
        }
    }
    out.append(s.substr(run));
    out += '"';
}

struct Stringifier {
    Vm& vm;
    Value replacer;                // a function, or undefined
    std::vector<String*> propList; // the replacer array's keys (when usePropList)
    bool usePropList = false;
    std::string gap, indent, out;
    // The objects being serialized and the key of the child in progress
    // (for the cycle message): key is a String* or an index.
    struct Level {
        HeapObject* obj;
        String* key = nullptr;
        size_t index = 0;
    };
    std::vector<Level> stack;
    HandleScope hs;
    String toJsonKey{std::string("toJSON")};

    Stringifier(Vm& v, Value r) : vm(v), replacer(r), hs(v) {}

    std::string ctorName(Value v) {
        if (isArray(v)) return "Array";
        Value* c = vm.lookup(asObj(v), "constructor", vm.names.constructor->hash);
        if (c && isCallable(*c)) {
            Value n = vm.getNamed(*c, vm.names.name);
            if (isString(n) && !asString(n)->data.empty()) return asString(n)->data;
        }
        return "Object";
    }

    static std::string keyText(const Level& l) {
        if (l.key) return "property '" + l.key->data + "'";
        return "index " + std::to_string(l.index);
    }

    [[noreturn]] void circular(size_t startIdx) {
        std::string msg = "Converting circular structure to JSON\n    --> starting at object with "
                          "constructor '" +
                          ctorName(Value::object(stack[startIdx].obj)) + "'";
        std::vector<std::string> mid;
        for (size_t i = startIdx + 1; i < stack.size(); ++i)
            mid.push_back("\n    |     " + keyText(stack[i - 1]) + " -> object with constructor '" +
                          ctorName(Value::object(stack[i].obj)) + "'");
        if (mid.size() > 3) {
            msg += mid[0] + mid[1] + "\n    |     ..." + mid.back();
        } else {
            for (auto& m : mid)
                msg += m;
        }
        msg += "\n    --- " + keyText(stack.back()) + " closes the circle";
        vm.throwError(ErrorKind::TypeError, msg);
    }

    void newline() {
        if (gap.empty()) return;
        out += '\n';
        out += indent;
    }

    // SerializeJSONProperty for `value` found under `key` of `holder`.
    // Returns false when the result is undefined (the property is skipped).
    bool write(Value holder, Value key, Value value) {
        if (isObjectLike(value)) {
            Value* tj = vm.lookup(asObj(value), toJsonKey.view(), toJsonKey.hash);
            if (tj && isCallable(*tj)) {
                value = vm.call(*tj, value, {Value::object(vm.toPropertyKey(key))});
                hs.add(value);
            }
        }
        if (!replacer.isUndefined()) {
            value = vm.call(replacer, holder, {Value::object(vm.toPropertyKey(key)), value});
            hs.add(value);
        }
        if (value.isNull()) {
            out += "null";
        } else if (value.isBool()) {
            out += value.asBool() ? "true" : "false";
        } else if (value.isNumber()) {
            double d = value.asNumber();
            if (!std::isfinite(d)) {
                out += "null";
            } else if (d == std::trunc(d) && std::fabs(d) < 1e15) {
                char buf[24];
                auto r = std::to_chars(buf, buf + sizeof buf, int64_t(d));
                out.append(buf, r.ptr);
            } else {
                out += numberToString(d);
            }
        } else if (isString(value)) {
            quoteInto(out, asString(value)->view());
        } else if (isObjectLike(value) && !isCallable(value)) {
            writeContainer(value);
        } else {
            return false; // undefined, functions
        }
        checkStringSize(vm, out.size());
        return true;
    }

    void writeContainer(Value value) {
        HeapObject* h = value.asObject();
        for (size_t i = 0; i < stack.size(); ++i)
            if (stack[i].obj == h) circular(i);
        if (stack.size() >= size_t(kMaxJsonDepth))
            vm.throwError(ErrorKind::RangeError, "Maximum call stack size exceeded");
        stack.push_back({h});
        std::string savedIndent = indent;
        indent += gap;
        if (isArray(value)) {
            Array* a = asArray(value);
            if (a->elems.empty()) {
                out += "[]";
            } else {
                out += '[';
                for (size_t i = 0; i < a->elems.size(); ++i) {
                    if (i) out += ',';
                    newline();
                    stack.back().index = i;
                    if (!write(value, Value::number(double(i)), a->elems[i])) out += "null";
                }
                indent = savedIndent;
                newline();
                out += ']';
            }
        } else {
            Object* o = asObj(value);
            out += '{';
            bool any = false;
            auto member = [&](String* k, Value v) {
                size_t mark = out.size();
                if (any) out += ',';
                newline();
                quoteInto(out, k->view());
                out += gap.empty() ? ":" : ": ";
                stack.back().key = k;
                if (!write(value, Value::object(k), v)) {
                    out.resize(mark);
                    return;
                }
                any = true;
            };
            if (usePropList) {
                for (String* k : propList) {
                    if (!o->findOwn(k) && !vm.lookup(o, k->view(), k->hash)) continue;
                    member(k, vm.getNamed(value, k));
                }
            } else {
                // Own enumerable keys in JS order; the values are re-read
                // per key because a toJSON/replacer may change the object.
                std::vector<String*> ks = o->ownKeys();
                // A toJSON or replacer may delete keys still to visit.
                HandleScope keyScope(vm);
                for (String* k : ks)
                    keyScope.add(Value::object(k));
                for (String* k : ks) {
                    Value* pv = o->findOwn(k);
                    if (pv) member(k, *pv);
                }
            }
            indent = savedIndent;
            if (any) newline();
            out += '}';
        }
        indent = savedIndent;
        stack.pop_back();
    }
};

Value jsonStringify(Vm& vm, const Args& args, NativeFunction*) {
    Value replacer = args[1];
    Stringifier s(vm, isCallable(replacer) ? replacer : Value::undefined());
    if (isArray(replacer)) {
        s.usePropList = true;
        for (Value e : asArray(replacer)->elems) {
            if (!isString(e) && !e.isNumber()) continue;
            String* k = toString(vm, e);
            bool dup = false;
            for (String* x : s.propList)
                dup = dup || x->equals(k);
            if (!dup) s.propList.push_back(k);
        }
    }
    Value space = args[2];
    if (space.isNumber()) {
        double n = std::min(10.0, toInteger(vm, space));
        if (n >= 1) s.gap.assign(size_t(n), ' ');
    } else if (isString(space)) {
        String* sp = asString(space);
        s.gap = substring16(vm, sp, 0, std::min<size_t>(10, sp->length16))->data;
    }
    Object* holder = vm.newObject();
    holder->setOwn(vm.names.empty, args[0]);
    s.out.reserve(256);
    if (!s.write(Value::object(holder), Value::object(vm.names.empty), args[0]))
        return Value::undefined();
    return str(vm, std::move(s.out));
}

} // namespace

void installJson(Vm& vm) {
    Object* json = vm.newObject();
    vm.setBuiltin(Builtin::JSON, Value::object(json));
    defineMethod(vm, json, "parse", jsonParse, 2);
    defineMethod(vm, json, "stringify", jsonStringify, 3);
}

} // namespace flow::vm
