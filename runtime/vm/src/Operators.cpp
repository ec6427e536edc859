// Operators.cpp — the slow paths of the interpreter's operators (JS
// coercions), iteration, and object spread/rest.
#include <algorithm>
#include <cmath>

#include "Internal.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Unicode.h"

namespace flow::vm {

std::string describe(Vm& vm, Value v) {
    if (isString(v)) return "\"" + asString(v)->data + "\"";
    if (isArray(v)) return "array";
    if (isObjectLike(v)) return isCallable(v) ? "function" : "object";
    return toStdString(vm, v);
}

Value opAdd(Vm& vm, Value a, Value b) {
    if (a.isNumber() && b.isNumber()) return Value::number(a.asNumber() + b.asNumber());
    // String + string and string + number (string building, "ab" + i): no
    // conversion can run user code, so skip the handle scope and, for a
    // number next to a short string, the intermediate String object
    // (newString rescans its bytes: worth it only when they are few; a long
    // string goes through concat, which does not rescan).
    if (isString(a) && isString(b)) {
        String* sa = asString(a);
        String* sb = asString(b);
        if (sb->data.empty()) return a;
        if (sa->data.empty()) return b;
        return Value::object(vm.concat(sa, sb));
    }
    if (isString(a) && b.isNumber() && asString(a)->data.size() <= 64) {
        std::string s = asString(a)->data;
        s += numberToString(b.asNumber());
        return Value::object(vm.newString(std::move(s)));
    }
    if (a.isNumber() && isString(b) && asString(b)->data.size() <= 64) {
        std::string s = numberToString(a.asNumber());
        s += asString(b)->data;
        return Value::object(vm.newString(std::move(s)));
    }
    HandleScope hs(vm);
    Value pa = toPrimitive(vm, a, false);
    hs.add(pa);
    Value pb = toPrimitive(vm, b, false);
    hs.add(pb);
    if (isString(pa) || isString(pb)) {
        String* sa = toString(vm, pa);
        hs.add(Value::object(sa));
        String* sb = toString(vm, pb);
        if (sb->data.empty()) return Value::object(sa);
        if (sa->data.empty()) return Value::object(sb);
        return Value::object(vm.concat(sa, sb));
    }
    return Value::number(toNumber(vm, pa) + toNumber(vm, pb));
}

namespace {
// Compares strings by UTF-16 code units (JS order).
int compareStrings(const String* a, const String* b) {
    if (a->ascii && b->ascii) {
        int c = a->data.compare(b->data);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    int c = a->units().compare(b->units());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}
} // namespace

int opLess(Vm& vm, Value a, Value b, bool leftFirst) {
    HandleScope hs(vm);
    Value pa, pb;
    if (leftFirst) {
        pa = toPrimitive(vm, a, false);
        hs.add(pa);
        pb = toPrimitive(vm, b, false);
    } else {
        pb = toPrimitive(vm, b, false);
        hs.add(pb);
        pa = toPrimitive(vm, a, false);
    }
    if (isString(pa) && isString(pb)) return compareStrings(asString(pa), asString(pb)) < 0;
    double x = toNumber(vm, pa), y = toNumber(vm, pb);
    if (x != x || y != y) return 2;
    return x < y ? 1 : 0;
}

bool opIn(Vm& vm, Value key, Value obj) {
    if (!isObjectLike(obj)) {
        vm.throwError(ErrorKind::TypeError, "Cannot use 'in' operator to search for '" +
                                                toStdString(vm, key) + "' in " +
                                                toStdString(vm, obj));
    }
    HandleScope hs(vm);
    String* k = vm.toPropertyKey(key);
    hs.add(Value::object(k));
    if (isArray(obj)) {
        uint32_t i;
        if (isArrayIndex(k->view(), &i)) return i < asArray(obj)->elems.size();
        if (k->view() == "length") return true;
    }
    return vm.lookup(asObj(obj), k->view(), k->hash) != nullptr;
}

bool opInstanceOf(Vm& vm, Value v, Value ctor) {
    if (!isCallable(ctor))
        vm.throwError(ErrorKind::TypeError, "Right-hand side of 'instanceof' is not callable");
    Value proto = vm.getNamed(ctor, vm.names.prototype);
    if (!isObjectLike(proto) || !isObjectLike(v)) return false;
    for (Object* o = asObj(v)->proto; o; o = o->proto)
        if (o == asObj(proto)) return true;
    return false;
}

Iterator* makeIterator(Vm& vm, Value v, bool keys) {
    HandleScope hs(vm);
    Iterator* it = vm.alloc<Iterator>();
    hs.add(Value::object(it));
    if (!keys) {
        if (isArray(v))
            it->kind = IterKind::ArrayValues;
        else if (isString(v))
            it->kind = IterKind::StringCodePoints;
        else
            vm.throwError(ErrorKind::TypeError, describe(vm, v) + " is not iterable");
        it->target = v;
        return it;
    }
    // for-in: a snapshot of the enumerable keys, in JS order.
    it->kind = IterKind::Keys;
    Array* list = vm.newArray();
    it->target = Value::object(list);
    if (isArray(v) || isString(v)) {
        uint32_t n = isArray(v) ? uint32_t(asArray(v)->elems.size()) : asString(v)->length16;
        for (uint32_t i = 0; i < n; ++i)
            list->elems.push_back(Value::object(vm.newString(std::to_string(i))));
    }
    if (isObjectLike(v))
        for (String* k : asObj(v)->ownKeys())
            list->elems.push_back(Value::object(k));
    return it;
}

bool iterNext(Vm& vm, Iterator* it, Value* out) {
    switch (it->kind) {
    case IterKind::ArrayValues:
    case IterKind::Keys: {
        Array* a = asArray(it->target);
        if (it->index >= a->elems.size()) return false;
        *out = a->elems[it->index++];
        return true;
    }
    case IterKind::StringCodePoints: {
        String* s = asString(it->target);
        if (it->index >= s->length16) return false;
        uint32_t i = it->index;
        if (s->ascii) {
            it->index++;
            char c = s->data[i];
            *out = Value::object(vm.newString(std::string(1, c)));
            return true;
        }
        const std::u16string& u = s->units();
        uint32_t n = 1;
        if (u[i] >= 0xD800 && u[i] < 0xDC00 && i + 1 < u.size() && u[i + 1] >= 0xDC00 &&
            u[i + 1] < 0xE000)
            n = 2;
        it->index += n;
        *out = Value::object(vm.newStringFromUnits(std::u16string_view(u).substr(i, n)));
        return true;
    }
    }
    return false;
}

void appendSpread(Vm& vm, Array* dst, Value src) {
    if (isArray(src)) {
        auto& e = asArray(src)->elems;
        if (dst->elems.size() + e.size() > vm.maxArrayLength())
            vm.throwError(ErrorKind::RangeError, "Invalid array length");
        // Copy first: src may be dst ([...a, ...a] builds a new array, but be safe).
        std::vector<Value> copy(e);
        dst->elems.insert(dst->elems.end(), copy.begin(), copy.end());
        return;
    }
    HandleScope hs(vm);
    Iterator* it = makeIterator(vm, src, false);
    hs.add(Value::object(it));
    Value v;
    while (iterNext(vm, it, &v))
        dst->elems.push_back(v);
}

void copyProps(Vm& vm, Object* dst, Value src) {
    if (src.isNullish() || src.isNumber() || src.isBool()) return;
    HandleScope hs(vm);
    if (isString(src)) {
        String* s = asString(src);
        for (uint32_t i = 0; i < s->length16; ++i) {
            String* k = vm.newString(std::to_string(i));
            hs.add(Value::object(k));
            char16_t u = s->unitAt(i);
            dst->setOwn(k, Value::object(vm.newStringFromUnits(std::u16string_view(&u, 1))));
        }
        return;
    }
    if (!isObjectLike(src)) return;
    if (isArray(src)) {
        Array* a = asArray(src);
        for (uint32_t i = 0; i < a->elems.size(); ++i) {
            String* k = vm.newString(std::to_string(i));
            dst->setOwn(k, a->elems[i]);
        }
    }
    Object* o = asObj(src);
    for (String* k : o->ownKeys())
        dst->setOwn(k, *o->findOwn(k));
}

Object* objectRest(Vm& vm, Value src, Value excluded) {
    if (src.isNullish())
        vm.throwError(ErrorKind::TypeError, "Cannot destructure '" + toStdString(vm, src) +
                                                "' as it is " + toStdString(vm, src) + ".");
    HandleScope hs(vm);
    Object* tmp = vm.newObject();
    hs.add(Value::object(tmp));
    copyProps(vm, tmp, src);
    if (isArray(excluded)) {
        for (Value k : asArray(excluded)->elems) {
            String* ks = vm.toPropertyKey(k);
            tmp->removeOwn(ks->view());
        }
    }
    return tmp;
}

} // namespace flow::vm
