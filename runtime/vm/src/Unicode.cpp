// Unicode.cpp — WTF-8 <-> UTF-16 (see Heap.h for why WTF-8).
#include "flow/vm/Unicode.h"

#include <cstring>

namespace flow::vm {

namespace {
// Decodes one sequence at s[i]; returns the code point (U+FFFD for a bad
// byte) and advances i. Accepts encoded surrogates (WTF-8).
uint32_t decodeOne(std::string_view s, size_t& i) {
    auto b0 = uint8_t(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int n = b0 >= 0xF0 ? 3 : b0 >= 0xE0 ? 2 : b0 >= 0xC0 ? 1 : -1;
    if (n < 0 || b0 >= 0xF8 || i + size_t(n) >= s.size()) {
        ++i;
        return 0xFFFD;
    }
    uint32_t cp = b0 & (0x3F >> n);
    for (int k = 1; k <= n; ++k) {
        auto b = uint8_t(s[i + size_t(k)]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    i += size_t(n) + 1;
    return cp;
}
} // namespace

void appendCodePoint(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

std::u16string toUnits(std::string_view s) {
    std::u16string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        uint32_t cp = decodeOne(s, i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out += char16_t(0xD800 + (cp >> 10));
            out += char16_t(0xDC00 + (cp & 0x3FF));
        } else {
            out += char16_t(cp);
        }
    }
    return out;
}

std::string fromUnits(std::u16string_view u) {
    std::string out;
    out.reserve(u.size());
    for (size_t i = 0; i < u.size(); ++i) {
        uint32_t c = u[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < u.size() && u[i + 1] >= 0xDC00 &&
            u[i + 1] < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (uint32_t(u[i + 1]) - 0xDC00);
            ++i;
        }
        appendCodePoint(out, c);
    }
    return out;
}

std::string toUtf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        size_t start = i;
        uint32_t cp = decodeOne(s, i);
        if (cp >= 0xD800 && cp < 0xE000)
            appendCodePoint(out, 0xFFFD);
        else if (cp == 0xFFFD)
            appendCodePoint(out, cp);
        else
            out.append(s.substr(start, i - start));
    }
    return out;
}

uint32_t utf16Length(std::string_view s, bool* ascii) {
    // Fast path: 8 bytes at a time while they are all ASCII.
    size_t i = 0;
    while (i + 8 <= s.size()) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        if (w & 0x8080808080808080ull) break;
        i += 8;
    }
    uint32_t n = uint32_t(i);
    bool a = true;
    for (; i < s.size();) {
        auto b = uint8_t(s[i]);
        if (b < 0x80) {
            ++n;
            ++i;
            continue;
        }
        a = false;
        uint32_t cp = decodeOne(s, i);
        n += cp >= 0x10000 ? 2 : 1;
    }
    if (ascii) *ascii = a;
    return n;
}

} // namespace flow::vm
