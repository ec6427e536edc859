// Heap.cpp — heap object methods: strings, property tables, tracing.
#include "flow/vm/Heap.h"

#include <algorithm>

#include "flow/vm/Convert.h"
#include "flow/vm/Unicode.h"

namespace flow::vm {

namespace {
// A bounded hash: the length plus at most 32 bytes (the first and last 16).
// Property lookups only use it as a prefilter before comparing bytes, and it
// keeps creating a string O(1) beyond the copy (string building is common).
uint32_t sampleHash(std::string_view s) {
    uint32_t h = 2166136261u ^ uint32_t(s.size());
    auto mix = [&h](unsigned char c) { h = (h ^ c) * 16777619u; };
    if (s.size() <= 32) {
        for (unsigned char c : s)
            mix(c);
    } else {
        for (size_t i = 0; i < 16; ++i)
            mix(uint8_t(s[i]));
        for (size_t i = s.size() - 16; i < s.size(); ++i)
            mix(uint8_t(s[i]));
    }
    return h;
}
// Objects switch from a linear scan to a hash index past this many properties.
constexpr size_t kIndexThreshold = 12;

// True when the WTF-8 bytes hold an encoded lead surrogate immediately
// followed by an encoded trail surrogate: such a pair must be stored as one
// 4-byte sequence so that equal JS strings have equal bytes.
bool hasSplitPair(std::string_view s) {
    for (size_t i = 0; i + 5 < s.size(); ++i) {
        if (uint8_t(s[i]) == 0xED && (uint8_t(s[i + 1]) & 0xF0) == 0xA0 &&
            uint8_t(s[i + 3]) == 0xED && (uint8_t(s[i + 4]) & 0xF0) == 0xB0)
            return true;
    }
    return false;
}
} // namespace

// ---- String
String::String(std::string s) : HeapObject(ObjType::String), data(std::move(s)) {
    length16 = utf16Length(data, &ascii);
    if (!ascii && hasSplitPair(data)) {
        data = fromUnits(toUnits(data));
        length16 = utf16Length(data, &ascii);
    }
    hash = sampleHash(data);
}

String::String(std::string s, uint32_t len16, bool isAscii)
    : HeapObject(ObjType::String), data(std::move(s)), length16(len16), ascii(isAscii) {
    hash = sampleHash(data);
}

uint32_t hashKey(std::string_view s) {
    return sampleHash(s);
}

uint16_t String::unitAt(uint32_t i) const {
    if (ascii) return uint8_t(data[i]);
    return units()[i];
}

const std::u16string& String::units() const {
    if (!units_) units_ = std::make_unique<std::u16string>(toUnits(data));
    return *units_;
}

// ---- Tracer
void Tracer::mark(HeapObject* o) {
    if (!o || o->marked) return;
    o->marked = true;
    gray.push_back(o);
}

// ---- Object
Value* Object::findOwn(std::string_view key, uint32_t hash) {
    if (index_) {
        auto it = index_->find(key);
        return it == index_->end() ? nullptr : &props[it->second].value;
    }
    for (auto& p : props)
        if (p.key->hash == hash && p.key->data == key) return &p.value;
    return nullptr;
}

Value* Object::findOwn(std::string_view key) {
    return findOwn(key, sampleHash(key));
}

void Object::setOwn(String* key, Value v) {
    if (Value* slot = findOwn(key)) {
        *slot = v;
        return;
    }
    props.push_back({key, v});
    if (index_)
        index_->emplace(key->view(), uint32_t(props.size() - 1));
    else if (props.size() > kIndexThreshold)
        rebuildIndex();
}

void Object::setHidden(String* key, Value v) {
    for (auto& p : props) {
        if (p.key->equals(key)) {
            p.value = v;
            p.enumerable = false;
            return;
        }
    }
    setOwn(key, v);
    props.back().enumerable = false;
}

bool Object::removeOwn(std::string_view key) {
    for (size_t i = 0; i < props.size(); ++i) {
        if (props[i].key->data == key) {
            props.erase(props.begin() + ptrdiff_t(i));
            if (index_) rebuildIndex();
            return true;
        }
    }
    return false;
}

void Object::rebuildIndex() {
    index_ = std::make_unique<std::unordered_map<std::string_view, uint32_t>>();
    index_->reserve(props.size() * 2);
    for (uint32_t i = 0; i < props.size(); ++i)
        index_->emplace(props[i].key->view(), i);
}

std::vector<String*> Object::ownKeys() const {
    std::vector<std::pair<uint32_t, String*>> indices;
    std::vector<String*> out;
    out.reserve(props.size());
    for (auto& p : props) {
        uint32_t n;
        if (p.enumerable && isArrayIndex(p.key->view(), &n)) indices.push_back({n, p.key});
    }
    if (indices.empty()) {
        for (auto& p : props)
            if (p.enumerable) out.push_back(p.key);
        return out;
    }
    std::sort(indices.begin(), indices.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [n, k] : indices)
        out.push_back(k);
    for (auto& p : props)
        if (p.enumerable && !isArrayIndex(p.key->view())) out.push_back(p.key);
    return out;
}

void Object::trace(Tracer& t) {
    t.mark(proto);
    for (auto& p : props) {
        t.mark(p.key);
        t.mark(p.value);
    }
}

void Array::trace(Tracer& t) {
    Object::trace(t);
    for (Value v : elems)
        t.mark(v);
}

void Closure::trace(Tracer& t) {
    Object::trace(t);
    t.mark(boundThis);
    for (Box* b : upvals)
        t.mark(b);
}

void NativeFunction::trace(Tracer& t) {
    Object::trace(t);
    t.mark(name);
    for (Value v : slots)
        t.mark(v);
}

void Promise::trace(Tracer& t) {
    Object::trace(t);
    t.mark(result);
    for (auto& r : reactions) {
        t.mark(r.derived);
        t.mark(r.onFulfilled);
        t.mark(r.onRejected);
        t.mark(r.fiber);
    }
}

void Fiber::trace(Tracer& t) {
    // Only the live part of the stack: slots above the top frame are dead.
    size_t top = 0;
    if (!frames.empty()) top = frames.back().base + frames.back().closure->fn->frameSize;
    if (top > stack.size()) top = stack.size();
    for (size_t i = 0; i < top; ++i)
        t.mark(stack[i]);
    for (auto& f : frames) {
        t.mark(f.closure);
        t.mark(f.thisValue);
    }
    t.mark(promise);
    t.mark(resumer);
    t.mark(resumeValue);
}

void Iterator::trace(Tracer& t) {
    t.mark(target);
}

} // namespace flow::vm
