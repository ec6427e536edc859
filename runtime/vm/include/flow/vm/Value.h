#pragma once
// Value.h — a Flow value in 64 bits (NaN-boxing).
//
// A double is stored as its own bits. Every NaN is canonicalized to 0x7FF8...
// when boxed, so the negative quiet-NaN space above 0xFFF8'0000'0000'0000 is
// free for tags:
//   0xFFF8'0001'iiii'iiii  a number held as an int32 (i = its 32 bits)
//   0xFFF9'0000'0000'000k  singletons: k = 0 undefined, 1 null, 2 false,
//                          3 true, 4 <uninitialized> (TDZ marker, never
//                          visible to Flow code), 5 <empty> (internal hole)
//   0xFFFA'pppp'pppp'pppp  pointer to a HeapObject (48-bit address)
// Hardware arithmetic on canonical NaNs yields 0x7FF8... or 0xFFF8...; both
// stay below the tag space, so arithmetic results need no re-check.
#include <bit>
#include <cmath>
#include <cstdint>

namespace flow::vm {

struct HeapObject;

class Value {
public:
    constexpr Value() : bits_(kUndefined) {}

    static Value number(double d) {
        Value v;
        v.bits_ = d != d ? kCanonicalNaN : std::bit_cast<uint64_t>(d);
        return v;
    }
    static constexpr Value undefined() { return Value(kUndefined); }
    static constexpr Value null() { return Value(kNull); }
    static constexpr Value boolean(bool b) { return Value(b ? kTrue : kFalse); }
    static constexpr Value uninit() { return Value(kUninit); }
    static constexpr Value empty() { return Value(kEmpty); }
    static constexpr Value integer(int32_t i) { return Value(kIntTag | uint32_t(i)); }
    // An int32 Value when d is an int32 other than -0, else a double: for
    // numbers that are often indexes or counters (constants, lengths).
    static Value compact(double d) {
        if (d >= -2147483648.0 && d <= 2147483647.0) {
            auto i = int32_t(d);
            if (double(i) == d && (i != 0 || !std::signbit(d))) return integer(i);
        }
        return number(d);
    }
    static Value object(HeapObject* p) { return Value(kPtrTag | reinterpret_cast<uint64_t>(p)); }
    static constexpr Value fromBits(uint64_t b) { return Value(b); }

    bool isNumber() const { return bits_ < kTagMin; }
    bool isInt() const { return (bits_ >> 32) == (kIntTag >> 32); }
    bool isDouble() const { return bits_ < kIntTag; }
    bool isUndefined() const { return bits_ == kUndefined; }
    bool isNull() const { return bits_ == kNull; }
    bool isNullish() const { return bits_ == kUndefined || bits_ == kNull; }
    bool isBool() const { return bits_ == kTrue || bits_ == kFalse; }
    bool isUninit() const { return bits_ == kUninit; }
    bool isEmpty() const { return bits_ == kEmpty; }
    bool isObject() const { return (bits_ & kTagMask) == kPtrTag; }

    double asNumber() const { return isInt() ? double(asInt()) : asDouble(); }
    int32_t asInt() const { return int32_t(uint32_t(bits_)); }
    double asDouble() const { return std::bit_cast<double>(bits_); }
    bool asBool() const { return bits_ == kTrue; }
    HeapObject* asObject() const { return reinterpret_cast<HeapObject*>(bits_ & kPtrMask); }
    uint64_t bits() const { return bits_; }

    // Identity of the representation (same bits). Not JS equality: see
    // strictEquals in Convert.h (NaN !== NaN, 0 === -0, strings by content).
    bool same(Value o) const { return bits_ == o.bits_; }

private:
    explicit constexpr Value(uint64_t b) : bits_(b) {}

    static constexpr uint64_t kIntTag = 0xFFF8'0001'0000'0000ull;
    static constexpr uint64_t kTagMin = 0xFFF9'0000'0000'0000ull;
    static constexpr uint64_t kTagMask = 0xFFFF'0000'0000'0000ull;
    static constexpr uint64_t kPtrTag = 0xFFFA'0000'0000'0000ull;
    static constexpr uint64_t kPtrMask = 0x0000'FFFF'FFFF'FFFFull;
    static constexpr uint64_t kCanonicalNaN = 0x7FF8'0000'0000'0000ull;
    static constexpr uint64_t kUndefined = 0xFFF9'0000'0000'0000ull;
    static constexpr uint64_t kNull = kUndefined + 1;
    static constexpr uint64_t kFalse = kUndefined + 2;
    static constexpr uint64_t kTrue = kUndefined + 3;
    static constexpr uint64_t kUninit = kUndefined + 4;
    static constexpr uint64_t kEmpty = kUndefined + 5;

    uint64_t bits_;
};

static_assert(sizeof(Value) == 8);

} // namespace flow::vm
