// StdlibUtil.cpp — helpers shared by the standard-library natives.
#include "StdlibUtil.h"

#include <algorithm>
#include <cstring>

#include "flow/vm/Unicode.h"

namespace flow::vm::stdlib {

void requireCallable(Vm& vm, Value v) {
    if (isCallable(v)) return;
    // node: "undefined is not a function", "5 is not a function",
    // "#<Object> is not a function", "abc is not a function".
    std::string what;
    if (isString(v))
        what = asString(v)->data;
    else if (isArray(v))
        what = "[object Array]";
    else if (isObjectLike(v))
        what = "#<Object>";
    else
        what = toStdString(vm, v);
    vm.throwError(ErrorKind::TypeError, what + " is not a function");
}

namespace {
// The code unit of a 3-byte WTF-8 surrogate sequence at s[i], or 0.
uint32_t surrogateAt(std::string_view s, size_t i) {
    if (i + 3 > s.size() || uint8_t(s[i]) != 0xED || uint8_t(s[i + 1]) < 0xA0) return 0;
    return 0xD000 | ((uint8_t(s[i + 1]) & 0x3F) << 6) | (uint8_t(s[i + 2]) & 0x3F);
}
} // namespace

void appendWtf8(std::string& out, std::string_view s) {
    if (out.size() >= 3 && s.size() >= 3) {
        uint32_t hi = surrogateAt(out, out.size() - 3);
        uint32_t lo = surrogateAt(s, 0);
        if (hi >= 0xD800 && hi < 0xDC00 && lo >= 0xDC00) {
            out.resize(out.size() - 3);
            appendCodePoint(out, 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
            s.remove_prefix(3);
        }
    }
    out.append(s);
}

String* substring16(Vm& vm, String* s, size_t from, size_t to) {
    if (from == 0 && to == s->length16) return s;
    if (from >= to) return vm.names.empty;
    if (s->ascii) return vm.newString(s->data.substr(from, to - from));
    return vm.newStringFromUnits(std::u16string_view(s->units()).substr(from, to - from));
}

int compareUnits(const String* a, const String* b) {
    if (a->ascii && b->ascii) {
        int c = a->data.compare(b->data);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    // UTF-8 byte order is code point order, which differs from UTF-16 order
    // for astral characters versus U+E000..U+FFFF: compare the units.
    const std::u16string& x = a->units();
    const std::u16string& y = b->units();
    int c = x.compare(y);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

long indexOf16(const String* hay, const String* needle, size_t from) {
    if (from > hay->length16) from = hay->length16;
    if (hay->ascii && needle->ascii) {
        size_t p = hay->data.find(needle->data, from);
        return p == std::string::npos ? -1 : long(p);
    }
    std::u16string_view h = hay->units(), n = needle->units();
    size_t p = h.find(n, from);
    return p == std::u16string_view::npos ? -1 : long(p);
}

long lastIndexOf16(const String* hay, const String* needle, size_t from) {
    if (hay->ascii && needle->ascii) {
        size_t p = hay->data.rfind(needle->data, from);
        return p == std::string::npos ? -1 : long(p);
    }
    std::u16string_view h = hay->units(), n = needle->units();
    size_t p = h.rfind(n, from);
    return p == std::u16string_view::npos ? -1 : long(p);
}

bool isError(Vm& vm, Value v) {
    if (!isObjectLike(v)) return false;
    for (Object* p = asObj(v)->proto; p; p = p->proto)
        if (p == vm.errorProtos[0]) return true;
    return false;
}

} // namespace flow::vm::stdlib
