// Console.cpp — console.log/info/debug (stdout), console.error/warn
// (stderr), and inspectValue(): values printed exactly as node v20's
// util.inspect prints plain data with console.log's defaults (depth 2,
// breakLength 80, compact 3, maxArrayLength 100, maxStringLength 10000).
//
// This follows node's lib/internal/util/inspect.js step by step: formatValue
// -> formatRaw -> formatProperty/formatArray -> reduceToSingleString, with
// groupArrayElements for arrays of more than 6 entries, strEscape's quote
// choice, '<ref *1>' / '[Circular *1]' for cycles, and errors printed with
// their stack. Lengths are UTF-16 lengths as in node. Approximations
// (documented): the display width used to align grouped columns counts East
// Asian wide characters as 2 and combining marks as 0 from a short range
// table; objects whose prototype is not Object.prototype print like plain
// objects (Flow has no classes); %o shows the hidden [length] of arrays but
// not the other hidden properties node lists (a function's [length], [name]).
#include <algorithm>
#include <cmath>

#include "StdlibUtil.h"
#include "flow/vm/Unicode.h"

namespace flow::vm {

using bytecode::Builtin;
using namespace stdlib;

std::string inspectValue(Vm& vm, Value v);

namespace {

constexpr int kBreakLength = 80;
constexpr size_t kInspectArrayLength = 100;
constexpr size_t kInspectStringLength = 10000;
constexpr int kCompact = 3;
constexpr size_t kMinLineWidth = 16;

size_t len16(std::string_view s) {
    bool ascii;
    return utf16Length(s, &ascii);
}

// Decodes one code point of WTF-8 at s[i] (advancing i).
uint32_t nextCp(std::string_view s, size_t& i) {
    auto b = uint8_t(s[i]);
    int n = b < 0x80 ? 0 : b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
    if (i + size_t(n) >= s.size() + (n ? 0 : 1)) n = 0;
    uint32_t cp = n ? (b & (0x3F >> n)) : b;
    for (int k = 1; k <= n; ++k)
        cp = (cp << 6) | (uint8_t(s[i + size_t(k)]) & 0x3F);
    i += size_t(n) + 1;
    return cp;
}

// node's getStringWidth, approximately (see the header comment).
size_t displayWidth(std::string_view s) {
    size_t w = 0;
    for (size_t i = 0; i < s.size();) {
        uint32_t c = nextCp(s, i);
        if ((c >= 0x300 && c <= 0x36F) || (c >= 0x200B && c <= 0x200F) || c == 0xFE0F) continue;
        bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
                    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
                    (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
        w += wide ? 2 : 1;
    }
    return w;
}

// strEscape: quotes a string as node does, picking ' then " then ` to avoid
// escaping single quotes.
std::string strEscape(std::string_view s) {
    char q = '\'';
    if (s.find('\'') != std::string_view::npos) {
        if (s.find('"') == std::string_view::npos)
            q = '"';
        else if (s.find('`') == std::string_view::npos && s.find("${") == std::string_view::npos)
            q = '`';
    }
    static const char* kHex = "0123456789ABCDEF";
    std::string out(1, q);
    for (size_t i = 0; i < s.size();) {
        size_t start = i;
        uint32_t c = nextCp(s, i);
        if (c == uint32_t(q) && q == '\'') {
            out += "\\'";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
            switch (c) {
            case '\b':
                out += "\\b";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                out += "\\x";
                out += kHex[c >> 4];
                out += kHex[c & 15];
            }
        } else if (c >= 0xD800 && c < 0xE000) {
            // A lone surrogate (pairs are decoded as one code point above).
            static const char* kLow = "0123456789abcdef";
            out += "\\u";
            for (int sh = 12; sh >= 0; sh -= 4)
                out += kLow[(c >> sh) & 15];
        } else {
            out.append(s.substr(start, i - start));
        }
    }
    out += q;
    return out;
}

bool isIdentifierKey(std::string_view k) {
    if (k.empty()) return false;
    for (size_t i = 0; i < k.size(); ++i) {
        char c = k[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

std::string formatNumber(double d) {
    if (d == 0 && std::signbit(d)) return "-0";
    return numberToString(d);
}

struct Inspector {
    explicit Inspector(Vm& v, int depth_ = 2, bool showHidden_ = false)
        : vm(v), depth(depth_), showHidden(showHidden_) {}
    Vm& vm;
    int depth;
    bool showHidden; // %o: arrays also show their [length]
    int indentationLvl = 0;
    std::vector<HeapObject*> seen;
    std::vector<HeapObject*> circular; // index + 1 = the *n of <ref *n>

    std::string formatValue(Value v, int recurseTimes) {
        if (isString(v)) return formatString(asString(v)->view());
        if (v.isNumber()) return formatNumber(v.asNumber());
        if (!isObjectLike(v)) return toStdString(vm, v);
        HeapObject* h = v.asObject();
        if (std::find(seen.begin(), seen.end(), h) != seen.end()) {
            auto it = std::find(circular.begin(), circular.end(), h);
            if (it == circular.end()) {
                circular.push_back(h);
                it = circular.end() - 1;
            }
            return "[Circular *" + std::to_string(it - circular.begin() + 1) + "]";
        }
        return formatRaw(v, recurseTimes);
    }

    std::string formatString(std::string_view s) {
        std::string trailer;
        size_t n = len16(s);
        std::string cut;
        if (n > kInspectStringLength) {
            size_t remaining = n - kInspectStringLength;
            String tmp{std::string(s)};
            cut = fromUnits(std::u16string_view(tmp.units()).substr(0, kInspectStringLength));
            s = cut;
            n = kInspectStringLength;
            trailer =
                "... " + std::to_string(remaining) + " more character" + (remaining > 1 ? "s" : "");
        }
        if (n > kMinLineWidth && int(n) > kBreakLength - indentationLvl - 4 &&
            s.find('\n') != std::string_view::npos && s.find('\n') + 1 < s.size()) {
            // Split after each newline: 'line\n' +\n    'next'
            std::string out;
            size_t start = 0;
            while (start < s.size()) {
                size_t nl = s.find('\n', start);
                size_t end = nl == std::string_view::npos ? s.size() : nl + 1;
                if (!out.empty()) out += " +\n" + std::string(size_t(indentationLvl + 2), ' ');
                out += strEscape(s.substr(start, end - start));
                start = end;
            }
            return out + trailer;
        }
        return strEscape(s) + trailer;
    }

    std::string functionBase(Value v) {
        Value n = vm.getNamed(v, vm.names.name);
        std::string name = isString(n) ? asString(n)->data : "";
        std::string type = "Function";
        if (isType(v, ObjType::Closure)) {
            auto* c = static_cast<Closure*>(v.asObject());
            if (c->fn && c->fn->isAsync) type = "AsyncFunction";
        }
        return "[" + type + (name.empty() ? " (anonymous)" : ": " + name) + "]";
    }

    // formatError: the stack (or "[Name: message]" without frames), its
    // lines indented to the current level.
    std::string errorBase(Value v, std::vector<String*>& keys) {
        Value st = vm.getNamed(v, vm.names.stack);
        std::string stack;
        if (isString(st) && !asString(st)->data.empty()) {
            stack = asString(st)->data;
        } else {
            Value n = vm.getNamed(v, vm.names.name), m = vm.getNamed(v, vm.names.message);
            std::string name = n.isUndefined() ? "Error" : toStdString(vm, n);
            std::string msg = m.isUndefined() ? "" : toStdString(vm, m);
            stack = msg.empty() ? name : name.empty() ? msg : name + ": " + msg;
        }
        // removeDuplicateErrorKeys: own name/message/stack already shown.
        std::erase_if(keys, [&](String* k) {
            if (k->view() != "name" && k->view() != "message" && k->view() != "stack") return false;
            Value* pv = asObj(v)->findOwn(k);
            return pv && isString(*pv) && stack.find(asString(*pv)->data) != std::string::npos;
        });
        Value m = vm.getNamed(v, vm.names.message);
        size_t pos = std::string::npos;
        if (isString(m) && !asString(m)->data.empty()) {
            pos = stack.find(asString(m)->data);
            if (pos != std::string::npos) pos += asString(m)->data.size();
        }
        size_t stackStart = stack.find("\n    at", pos == std::string::npos ? 0 : pos);
        if (stackStart == std::string::npos) stack = "[" + stack + "]";
        if (indentationLvl != 0) {
            std::string ind(size_t(indentationLvl), ' ');
            std::string out;
            for (char c : stack) {
                out += c;
                if (c == '\n') out += ind;
            }
            stack = out;
        }
        return stack;
    }

    std::string formatRaw(Value v, int recurseTimes) {
        HeapObject* h = v.asObject();
        Object* o = asObj(v);
        std::vector<String*> keys = o->ownKeys();
        std::string base, open = "{", close = "}";
        bool isArr = isArray(v);
        bool isProm = h->type == ObjType::Promise;
        if (isArr) {
            std::erase_if(keys, [](String* k) { return isArrayIndex(k->view()); });
            open = "[", close = "]";
            if (asArray(v)->elems.empty() && keys.empty() && !showHidden) return "[]";
        } else if (isCallable(v)) {
            base = functionBase(v);
            if (keys.empty()) return base;
        } else if (isError(vm, v)) {
            base = errorBase(v, keys);
            bool hasCause = o->findOwn("cause") != nullptr;
            if (keys.empty() && !hasCause) return base;
        } else if (isProm) {
            open = "Promise {";
        } else if (o->proto == nullptr) {
            open = "[Object: null prototype] {";
            if (keys.empty()) return "[Object: null prototype] {}";
        } else if (keys.empty()) {
            return "{}";
        }
        if (recurseTimes > depth) {
            if (isArr) return "[Array]";
            if (isProm) return "[Promise]";
            if (o->proto == nullptr) return "[Object: null prototype]";
            return "[Object]";
        }
        ++recurseTimes;
        seen.push_back(h);
        std::vector<std::string> output;
        if (isArr) {
            Array* a = asArray(v);
            size_t n = std::min(a->elems.size(), kInspectArrayLength);
            for (size_t i = 0; i < n && i < a->elems.size(); ++i)
                output.push_back(formatNested(a->elems[i], recurseTimes));
            if (a->elems.size() > n) {
                size_t rem = a->elems.size() - n;
                output.push_back("... " + std::to_string(rem) + " more item" +
                                 (rem > 1 ? "s" : ""));
            }
        } else if (isProm) {
            auto* p = static_cast<Promise*>(h);
            if (p->state == PromiseState::Pending) {
                output.push_back("<pending>");
            } else {
                std::string s = formatNested(p->result, recurseTimes);
                output.push_back(p->state == PromiseState::Rejected ? "<rejected> " + s : s);
            }
        }
        for (String* k : keys) {
            Value* pv = o->findOwn(k);
            if (!pv) continue;
            Value val = *pv;
            std::string name = isIdentifierKey(k->view()) ? k->data : strEscape(k->view());
            output.push_back(name + ": " + formatNested(val, recurseTimes));
        }
        if (isArr && showHidden)
            output.push_back("[length]: " + std::to_string(asArray(v)->elems.size()));
        if (!isArr && !isProm && isError(vm, v)) {
            if (Value* c = o->findOwn("cause"))
                output.push_back("[cause]: " + formatNested(*c, recurseTimes));
        }
        auto it = std::find(circular.begin(), circular.end(), h);
        if (it != circular.end()) {
            std::string ref = "<ref *" + std::to_string(it - circular.begin() + 1) + ">";
            base = base.empty() ? ref : ref + " " + base;
        }
        seen.pop_back();
        return reduceToSingleString(output, base, open, close, isArr, v);
    }

    std::string formatNested(Value v, int recurseTimes) {
        indentationLvl += 2;
        std::string s = formatValue(v, recurseTimes);
        indentationLvl -= 2;
        return s;
    }

    bool isBelowBreakLength(const std::vector<std::string>& output, size_t start,
                            const std::string& base) {
        size_t total = output.size() + start;
        if (total + output.size() > size_t(kBreakLength)) return false;
        for (auto& s : output) {
            total += len16(s);
            if (total > size_t(kBreakLength)) return false;
        }
        return base.find('\n') == std::string::npos;
    }

    std::string reduceToSingleString(std::vector<std::string> output, const std::string& base,
                                     const std::string& open, const std::string& close, bool isArr,
                                     Value value) {
        size_t entries = output.size();
        if (isArr && entries > 6) output = groupArrayElements(output, value);
        // (node also requires ctx.currentDepth - recurseTimes < compact; with
        // depth 2 and compact 3 that always holds.)
        if (entries == output.size()) {
            size_t start = output.size() + size_t(indentationLvl) + len16(open) + len16(base) + 10;
            if (isBelowBreakLength(output, start, base)) {
                std::string joined;
                for (size_t i = 0; i < output.size(); ++i)
                    joined += (i ? ", " : "") + output[i];
                if (joined.find('\n') == std::string::npos)
                    return (base.empty() ? "" : base + " ") + open + " " + joined + " " + close;
            }
        }
        std::string ind = "\n" + std::string(size_t(indentationLvl), ' ');
        std::string out = (base.empty() ? "" : base + " ") + open + ind + "  ";
        for (size_t i = 0; i < output.size(); ++i) {
            if (i) out += "," + ind + "  ";
            out += output[i];
        }
        return out + ind + close;
    }

    std::vector<std::string> groupArrayElements(const std::vector<std::string>& output,
                                                Value value) {
        size_t totalLength = 0, maxLength = 0;
        size_t outputLength = output.size();
        Array* arr = asArray(value);
        // The "... more items" entry does not take part.
        if (arr->elems.size() > kInspectArrayLength && outputLength > 0) --outputLength;
        constexpr size_t separatorSpace = 2;
        std::vector<size_t> dataLen(outputLength);
        for (size_t i = 0; i < outputLength; ++i) {
            size_t len = displayWidth(output[i]);
            dataLen[i] = len;
            totalLength += len + separatorSpace;
            if (maxLength < len) maxLength = len;
        }
        size_t actualMax = maxLength + separatorSpace;
        if (actualMax * 3 + size_t(indentationLvl) < size_t(kBreakLength) &&
            (double(totalLength) / double(actualMax) > 5 || maxLength <= 6)) {
            double approxCharHeights = 2.5,
                   averageBias =
                       std::sqrt(double(actualMax) - double(totalLength) / double(output.size()));
            double biasedMax = std::max(double(actualMax) - 3 - averageBias, 1.0);
            double columnsD = std::min({
                std::round(std::sqrt(approxCharHeights * biasedMax * double(outputLength)) /
                           biasedMax),
                std::floor(double(kBreakLength - indentationLvl) / double(actualMax)),
                double(kCompact * 4),
                15.0,
            });
            auto columns = size_t(columnsD);
            if (columns <= 1) return output;
            std::vector<size_t> maxLineLength;
            for (size_t i = 0; i < columns; ++i) {
                size_t lineLength = 0;
                for (size_t j = i; j < outputLength; j += columns)
                    lineLength = std::max(lineLength, dataLen[j]);
                maxLineLength.push_back(lineLength + separatorSpace);
            }
            // Numbers align right (padStart), anything else left (padEnd).
            bool padStart = true;
            for (size_t i = 0; i < output.size() && i < arr->elems.size(); ++i)
                if (!arr->elems[i].isNumber()) {
                    padStart = false;
                    break;
                }
            if (output.size() > arr->elems.size()) padStart = false; // extra keys
            auto pad = [&](const std::string& s, size_t width) {
                size_t l = len16(s);
                if (l >= width) return s;
                std::string fill(width - l, ' ');
                return padStart ? fill + s : s + fill;
            };
            std::vector<std::string> tmp;
            for (size_t i = 0; i < outputLength; i += columns) {
                size_t max = std::min(i + columns, outputLength);
                std::string line;
                size_t j = i;
                for (; j < max - 1; ++j) {
                    size_t padding = maxLineLength[j - i] + len16(output[j]) - dataLen[j];
                    line += pad(output[j] + ", ", padding);
                }
                if (padStart) {
                    size_t padding =
                        maxLineLength[j - i] + len16(output[j]) - dataLen[j] - separatorSpace;
                    line += pad(output[j], padding);
                } else {
                    line += output[j];
                }
                tmp.push_back(line);
            }
            for (size_t i = outputLength; i < output.size(); ++i)
                tmp.push_back(output[i]);
            return tmp;
        }
        return output;
    }
};

// formatWithOptions: a leading string is a format (%s %d %i %f %j %o %O %c
// %%); the remaining arguments follow, strings raw, others inspected.
std::string formatArgs(Vm& vm, const Args& args) {
    std::string out;
    uint32_t next = 0;
    // A lone string is printed as is (node does not look at its % signs).
    if (args.size() > 1 && isString(args[0])) {
        std::string_view fmt = asString(args[0])->view();
        next = 1;
        size_t last = 0;
        for (size_t i = 0; i + 1 < fmt.size(); ++i) {
            if (fmt[i] != '%') continue;
            char c = fmt[i + 1];
            std::string piece;
            bool consumed = true;
            if (c == '%') {
                out.append(fmt.substr(last, i - last));
                out += '%';
                last = i + 2;
                ++i;
                continue;
            }
            if (next >= args.size() ||
                std::string_view("sdifjoOc").find(c) == std::string_view::npos) {
                continue;
            }
            Value a = args[next];
            switch (c) {
            case 's':
                if (isString(a))
                    piece = asString(a)->data;
                else if (a.isNumber())
                    piece = formatNumber(a.asNumber());
                else if (isObjectLike(a) && !isCallable(a))
                    piece = Inspector(vm, 0).formatValue(a, 0);
                else
                    piece = isObjectLike(a) ? inspectValue(vm, a) : toStdString(vm, a);
                break;
            case 'd':
                piece = formatNumber(isObjectLike(a) ? NAN : toNumber(vm, a));
                break;
            case 'i':
            case 'f': {
                // parseInt / parseFloat of the argument, as node does.
                Value fn = vm.builtin(c == 'i' ? Builtin::parseInt : Builtin::parseFloat);
                Value r =
                    isObjectLike(a) ? Value::number(NAN) : vm.call(fn, Value::undefined(), {a});
                piece = formatNumber(r.asNumber());
                break;
            }
            case 'j': {
                Value json = vm.builtin(Builtin::JSON);
                Value r = vm.call(vm.getNamed(json, "stringify"), json, {a});
                piece = r.isUndefined() ? "undefined" : toStdString(vm, r);
                break;
            }
            case 'o':
            case 'O':
                piece = Inspector(vm, c == 'o' ? 4 : 2, c == 'o').formatValue(a, 0);
                break;
            case 'c':
                piece = "";
                break;
            default:
                consumed = false;
            }
            if (!consumed) continue;
            ++next;
            out.append(fmt.substr(last, i - last));
            out += piece;
            last = i + 2;
            ++i;
        }
        out.append(fmt.substr(last));
    }
    for (uint32_t i = next; i < args.size(); ++i) {
        if (i > 0) out += ' ';
        out += isString(args[i]) ? asString(args[i])->data : inspectValue(vm, args[i]);
    }
    return toUtf8(out);
}

Value logOut(Vm& vm, const Args& args, NativeFunction*) {
    vm.writeOut(formatArgs(vm, args) + "\n");
    return Value::undefined();
}

Value logErr(Vm& vm, const Args& args, NativeFunction*) {
    vm.writeErr(formatArgs(vm, args) + "\n");
    return Value::undefined();
}

// console.dir(v): inspect of the first argument only (strings quoted).
Value logDir(Vm& vm, const Args& args, NativeFunction*) {
    vm.writeOut(toUtf8(Inspector(vm).formatValue(args[0], 0)) + "\n");
    return Value::undefined();
}

} // namespace

std::string inspectValue(Vm& vm, Value v) {
    return Inspector(vm).formatValue(v, 0);
}

void installConsole(Vm& vm) {
    Object* console = vm.newObject();
    defineMethod(vm, console, "log", logOut, 0);
    defineMethod(vm, console, "info", logOut, 0);
    defineMethod(vm, console, "debug", logOut, 0);
    defineMethod(vm, console, "error", logErr, 0);
    defineMethod(vm, console, "warn", logErr, 0);
    defineMethod(vm, console, "dir", logDir, 1);
    vm.setBuiltin(Builtin::console, Value::object(console));
}

} // namespace flow::vm
