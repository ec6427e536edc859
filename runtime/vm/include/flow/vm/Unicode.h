#pragma once
// Unicode.h — conversions between the VM's WTF-8 strings (see Heap.h) and
// UTF-16 code units, which is what JS string semantics count.
#include <cstdint>
#include <string>
#include <string_view>

namespace flow::vm {

// Decodes WTF-8 into UTF-16 code units (invalid bytes become U+FFFD).
std::u16string toUnits(std::string_view wtf8);
// Encodes UTF-16 code units as WTF-8: a valid pair becomes one 4-byte
// sequence, a lone surrogate a 3-byte sequence.
std::string fromUnits(std::u16string_view units);
// Appends code point cp (may be a lone surrogate) as WTF-8.
void appendCodePoint(std::string& out, uint32_t cp);
// Strict UTF-8 for the outside world: lone surrogates become U+FFFD.
std::string toUtf8(std::string_view wtf8);
// Number of UTF-16 code units of a WTF-8 string; sets *ascii.
uint32_t utf16Length(std::string_view wtf8, bool* ascii);

} // namespace flow::vm
