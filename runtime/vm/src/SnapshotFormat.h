#pragma once
// SnapshotFormat.h — internals shared by SnapshotWriter.cpp and
// SnapshotReader.cpp: the byte encoding, the value tags, and the numbering of
// the boot heap (the objects a Vm's constructor creates). See docs/snapshots.md.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flow/vm/Snapshot.h"

namespace flow::vm {

namespace snap {

inline constexpr char kMagic[8] = {'F', 'L', 'O', 'W', 'S', 'N', 'A', 'P'};
// magic, u32 version, module hash, u64 payload length, payload SHA-256.
inline constexpr size_t kHeaderBytes = 8 + 4 + 32 + 8 + 32;

// Value tags. Numbers that are small integers (not -0) take the compact form.
enum Tag : uint8_t { TUndef, TNull, TFalse, TTrue, TUninit, TEmpty, TNumber, TObject, TInt };

[[noreturn]] inline void fail(const char* check, const std::string& detail) {
    throw SnapshotError(check, detail);
}

struct Out {
    std::vector<uint8_t> b;
    size_t limit = kMaxSnapshotBytes;
    void grow(size_t n) {
        if (b.size() + n > limit)
            fail("snapshot.size", "the snapshot exceeds " + std::to_string(limit) + " bytes");
    }
    void u8(uint8_t v) {
        grow(1);
        b.push_back(v);
    }
    void varint(uint64_t v) {
        size_t k = 1;
        for (uint64_t t = v; t >= 0x80; t >>= 7)
            ++k;
        grow(k);
        while (v >= 0x80) {
            b.push_back(uint8_t(v) | 0x80);
            v >>= 7;
        }
        b.push_back(uint8_t(v));
    }
    void fixed(uint64_t v, int bytes) {
        grow(size_t(bytes));
        for (int i = 0; i < bytes; ++i)
            b.push_back(uint8_t(v >> (8 * i)));
    }
    void raw(const void* p, size_t n) {
        grow(n);
        auto* c = static_cast<const uint8_t*>(p);
        b.insert(b.end(), c, c + n);
    }
    void str(std::string_view s) {
        varint(s.size());
        raw(s.data(), s.size());
    }
};

// Every read is bounds-checked; a short read fails with "snapshot.truncated".
struct In {
    const uint8_t* p = nullptr;
    size_t n = 0, pos = 0;
    size_t remaining() const { return n - pos; }
    void need(size_t k) const {
        if (k > remaining()) fail("snapshot.truncated", "the payload ends early");
    }
    uint8_t u8() {
        need(1);
        return p[pos++];
    }
    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            uint8_t c = u8();
            v |= uint64_t(c & 0x7F) << shift;
            if (!(c & 0x80)) return v;
        }
        fail("snapshot.varint", "a malformed variable-length integer");
    }
    uint32_t u32v(const char* check, uint64_t max = UINT32_MAX) {
        uint64_t v = varint();
        if (v > max) fail(check, "value " + std::to_string(v) + " out of range");
        return uint32_t(v);
    }
    // An element count: each element takes at least one byte.
    size_t count(const char* check) {
        uint64_t v = varint();
        if (v > remaining()) fail(check, "count " + std::to_string(v) + " exceeds the payload");
        return size_t(v);
    }
    uint64_t fixed(int bytes) {
        need(size_t(bytes));
        uint64_t v = 0;
        for (int i = 0; i < bytes; ++i)
            v |= uint64_t(p[pos++]) << (8 * i);
        return v;
    }
    std::string_view str(const char* check) {
        size_t k = count(check);
        std::string_view s(reinterpret_cast<const char*>(p + pos), k);
        pos += k;
        return s;
    }
};

// The signature of a boot object that survives mutation by user code: its
// type, and for natives the function pointer and name.
struct BootSig {
    ObjType type;
    NativeFn fn = nullptr;
    std::string name;
    bool operator==(const BootSig& o) const {
        return type == o.type && fn == o.fn && name == o.name;
    }
};

// A value as a boot object holds it right after boot: a primitive (its
// bits), a string (by content: strings are not boot objects) or another boot
// object (by boot id).
struct BootValue {
    enum Kind : uint8_t { Bits, Str, Boot };
    Kind kind = Bits;
    uint64_t bits = 0; // Bits: the Value's bits; Boot: the boot id
    std::string str;
};

// A boot object's state right after boot: what a snapshot compares to know
// whether user code changed it (its prototype, own properties and, for an
// array, elements). `dynamic`: it refers to something a fresh Vm cannot
// rebuild, so it always counts as changed.
struct BootState {
    struct Prop {
        std::string key;
        bool enumerable = true;
        BootValue value;
    };
    bool dynamic = false;
    bool objectLike = false; // has an object part (not a Box, Fiber or Iterator)
    BootValue proto;
    std::vector<Prop> props;
    bool isArray = false;
    std::vector<BootValue> elems;
};

// The boot heap of a fresh Vm of this build, computed once per process: the
// signatures in allocation order (strings excluded: they are written by
// value) and each object's state right after boot.
struct BootReference {
    std::vector<BootSig> sigs;
    std::vector<BootState> states;
};

// Property/slot layout checks of run-time natives, by registered name.
using NativeCheck = bool (*)(NativeFunction* n);
NativeCheck nativeCheck(std::string_view name);

} // namespace snap

// Friend of Vm (Vm.h). Holds the boot-heap machinery too (it reads objects_).
class SnapshotWriter {
public:
    static std::vector<uint8_t> take(Vm& vm, size_t maxBytes);
    // The Vm's surviving boot objects by boot id (nullptr where collected).
    // `heapSize`, when given, receives the number of objects in the heap.
    static std::vector<HeapObject*> bootObjects(Vm& vm, size_t* heapSize = nullptr);
    static const snap::BootReference& reference();
    static void startInit(Vm& vm, size_t k);
    static const std::vector<std::pair<std::string, NativeFn>>& runtimeNatives(const Vm& vm) {
        return vm.runtimeNatives_;
    }
    static bool isInterned(const Vm& vm, const String* s) {
        auto it = vm.internIndex_.find(s->view());
        return it != vm.internIndex_.end() && it->second == s;
    }
    static size_t initCount(const Vm& vm) { return vm.module_->inits.size(); }
};

class SnapshotReader {
public:
    static void restore(Vm& vm, std::span<const uint8_t> blob);
};

} // namespace flow::vm
