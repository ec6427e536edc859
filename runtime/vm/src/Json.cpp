// Json.cpp — JSON.parse (through nlohmann's ordered parser) and
// JSON.stringify (ECMA-262 §25.5.2 without replacer/toJSON hooks).
#include "flow/vm/Json.h"

#include <nlohmann/json.hpp>

#include "flow/vm/Convert.h"
#include "flow/vm/Unicode.h"
#include "flow/vm/Vm.h"

namespace flow::vm {

namespace {

Value fromJson(Vm& vm, const nlohmann::ordered_json& j) {
    switch (j.type()) {
    case nlohmann::json::value_t::null:
        return Value::null();
    case nlohmann::json::value_t::boolean:
        return Value::boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
        return Value::number(double(j.get<int64_t>()));
    case nlohmann::json::value_t::number_unsigned:
        return Value::number(double(j.get<uint64_t>()));
    case nlohmann::json::value_t::number_float:
        return Value::number(j.get<double>());
    case nlohmann::json::value_t::string:
        return Value::object(vm.newString(j.get_ref<const std::string&>()));
    case nlohmann::json::value_t::array: {
        Array* a = vm.newArray(j.size());
        for (auto& e : j)
            a->elems.push_back(fromJson(vm, e));
        return Value::object(a);
    }
    case nlohmann::json::value_t::object: {
        Object* o = vm.newObject();
        for (auto it = j.begin(); it != j.end(); ++it) {
            Value v = fromJson(vm, it.value());
            o->setOwn(vm.newString(it.key()), v);
        }
        return Value::object(o);
    }
    default:
        return Value::undefined();
    }
}

struct Stringifier {
    Vm& vm;
    std::string gap;
    std::vector<HeapObject*> stack;
    std::string out;
    bool wellFormed = false;

    // Serializes v (a property value); returns false when it is omitted.
    bool write(Value v, const std::string& indent) {
        if (v.isNull()) {
            out += "null";
            return true;
        }
        if (v.isBool()) {
            out += v.asBool() ? "true" : "false";
            return true;
        }
        if (v.isNumber()) {
            double d = v.asNumber();
            out += std::isfinite(d) ? numberToString(d) : "null";
            return true;
        }
        if (isString(v)) {
            quoteJsonString(out, asString(v)->view(), wellFormed);
            return true;
        }
        if (!isObjectLike(v) || isCallable(v)) return false;
        HeapObject* h = v.asObject();
        for (HeapObject* s : stack)
            if (s == h)
                vm.throwError(ErrorKind::TypeError, "Converting circular structure to JSON");
        stack.push_back(h);
        std::string inner = indent + gap;
        if (isArray(v)) {
            auto& elems = asArray(v)->elems;
            if (elems.empty()) {
                out += "[]";
            } else {
                out += '[';
                for (size_t i = 0; i < elems.size(); ++i) {
                    if (i) out += ',';
                    if (!gap.empty()) out += "\n" + inner;
                    if (!write(elems[i], inner)) out += "null";
                }
                if (!gap.empty()) out += "\n" + indent;
                out += ']';
            }
        } else {
            Object* o = asObj(v);
            out += '{';
            bool any = false;
            for (String* k : o->ownKeys()) {
                Value* pv = o->findOwn(k);
                if (!pv) continue;
                size_t mark = out.size();
                if (any) out += ',';
                if (!gap.empty()) out += "\n" + inner;
                quoteJsonString(out, k->view(), wellFormed);
                out += gap.empty() ? ":" : ": ";
                if (!write(*pv, inner)) {
                    out.resize(mark);
                    continue;
                }
                any = true;
            }
            if (any && !gap.empty()) out += "\n" + indent;
            out += '}';
        }
        stack.pop_back();
        return true;
    }
};

} // namespace

void quoteJsonString(std::string& out, std::string_view s, bool wellFormed) {
    out.reserve(out.size() + s.size() + 2);
    out += '"';
    size_t i = 0;
    while (i < s.size()) {
        // Runs of bytes written as they are go in one append: this quoting is
        // on the engine's per-boundary path (history rows, runs.waiting).
        size_t j = i;
        while (j < s.size()) {
            auto b = uint8_t(s[j]);
            if (b < 0x20 || b == '"' || b == '\\' || b == 0xED) break;
            ++j;
        }
        if (j > i) {
            out.append(s.data() + i, j - i);
            i = j;
            if (i == s.size()) break;
        }
        auto c = uint8_t(s[i]);
        if (c < 0x80) {
            switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
                    out += buf;
                } else {
                    out += char(c);
                }
            }
            ++i;
            continue;
        }
        // An encoded lone surrogate (ED A0..BF xx) is escaped, as JS does, or
        // replaced by U+FFFD in JSON meant for the host.
        if (c == 0xED && i + 2 < s.size() && uint8_t(s[i + 1]) >= 0xA0) {
            if (wellFormed) {
                out += "\xEF\xBF\xBD";
                i += 3;
                continue;
            }
            uint32_t cp =
                ((c & 0x0F) << 12) | ((uint8_t(s[i + 1]) & 0x3F) << 6) | (uint8_t(s[i + 2]) & 0x3F);
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(cp));
            out += buf;
            i += 3;
            continue;
        }
        out += char(c);
        ++i;
    }
    out += '"';
}

std::optional<Value> parseJson(Vm& vm, std::string_view text, std::string* error) {
    nlohmann::ordered_json j;
    try {
        j = nlohmann::ordered_json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        if (error) {
            std::string msg = e.what();
            // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
            if (auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
            *error = msg;
        }
        return std::nullopt;
    }
    Vm::NativeScope scope(vm);
    return fromJson(vm, j);
}

std::optional<std::string> stringifyJson(Vm& vm, Value v, std::string_view gap) {
    Stringifier s{vm, std::string(gap), {}, {}};
    if (!s.write(v, "")) return std::nullopt;
    return std::move(s.out);
}

std::optional<std::string> stringifyHostJson(Vm& vm, Value v) {
    Stringifier s{vm, "", {}, {}, true};
    if (!s.write(v, "")) return std::nullopt;
    return std::move(s.out);
}

} // namespace flow::vm
