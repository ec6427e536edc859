// Properties.cpp — property reads and writes with JS semantics: own
// properties, the prototype chain, array elements, string indexing and the
// "length"/"name" of functions.
#include <cmath>

#include "flow/vm/Convert.h"
#include "flow/vm/Vm.h"

namespace flow::vm {

namespace {
// Describes a receiver for TypeError messages ("undefined", "null").
const char* nullishName(Value v) {
    return v.isNull() ? "null" : "undefined";
}

bool numberIndex(Value key, uint32_t* out) {
    if (!key.isNumber()) return false;
    double d = key.asNumber();
    if (!(d >= 0 && d < 4294967295.0)) return false;
    auto i = uint32_t(d);
    if (double(i) != d) return false;
    *out = i;
    return true;
}
} // namespace

Value* Vm::lookup(Object* o, std::string_view key, uint32_t hash) {
    for (; o; o = o->proto)
        if (Value* v = o->findOwn(key, hash)) return v;
    return nullptr;
}

String* Vm::toPropertyKey(Value key) {
    if (isString(key)) return asString(key);
    return toString(*this, key);
}

Value Vm::getNamed(Value obj, std::string_view key) {
    String tmp{std::string(key)};
    return getNamed(obj, &tmp);
}

Value Vm::getNamed(Value obj, const String* key) {
    if (obj.isObject()) {
        HeapObject* h = obj.asObject();
        switch (h->type) {
        case ObjType::String: {
            auto* s = static_cast<String*>(h);
            if (key == names.length || key->view() == "length") return Value::compact(s->length16);
            uint32_t i;
            if (isArrayIndex(key->view(), &i)) {
                if (i >= s->length16) return Value::undefined();
                char16_t u = s->unitAt(i);
                return Value::object(newStringFromUnits(std::u16string_view(&u, 1)));
            }
            Value* v = lookup(stringProto, key->view(), key->hash);
            return v ? *v : Value::undefined();
        }
        case ObjType::Array: {
            auto* a = static_cast<Array*>(h);
            if (key == names.length || key->view() == "length")
                return Value::compact(double(a->elems.size()));
            uint32_t i;
            if (isArrayIndex(key->view(), &i))
                return i < a->elems.size() ? a->elems[i] : Value::undefined();
            break;
        }
        case ObjType::Closure: {
            auto* c = static_cast<Closure*>(h);
            if (Value* v = c->findOwn(key)) return *v;
            if (key->view() == "name") return Value::object(newString(module_->str(c->fn->name)));
            if (key->view() == "length") return Value::number(c->fn->numParams);
            break;
        }
        case ObjType::Native: {
            auto* n = static_cast<NativeFunction*>(h);
            if (Value* v = n->findOwn(key)) return *v;
            if (key->view() == "name") return Value::object(n->name);
            if (key->view() == "length") return Value::number(n->arity);
            break;
        }
        case ObjType::Task:
        case ObjType::Workflow: {
            if (key->view() == "name") {
                uint32_t nm = h->type == ObjType::Task
                                  ? module_->tasks[static_cast<TaskRef*>(h)->index].name
                                  : module_->workflows[static_cast<WorkflowRef*>(h)->index].name;
                return Value::object(newString(module_->str(nm)));
            }
            break;
        }
        case ObjType::Box:
        case ObjType::Fiber:
        case ObjType::Iterator:
            return Value::undefined();
        default:
            break;
        }
        Value* v = lookup(static_cast<Object*>(h), key->view(), key->hash);
        return v ? *v : Value::undefined();
    }
    if (obj.isNullish()) {
        throwError(ErrorKind::TypeError, std::string("Cannot read properties of ") +
                                             nullishName(obj) + " (reading '" + key->data + "')");
    }
    Object* proto = obj.isNumber() ? numberProto : obj.isBool() ? booleanProto : nullptr;
    Value* v = proto ? lookup(proto, key->view(), key->hash) : nullptr;
    return v ? *v : Value::undefined();
}

Value Vm::get(Value obj, Value key) {
    uint32_t i;
    if (numberIndex(key, &i)) {
        if (isArray(obj)) {
            auto* a = asArray(obj);
            return i < a->elems.size() ? a->elems[i] : Value::undefined();
        }
        if (isString(obj)) {
            String* s = asString(obj);
            if (i >= s->length16) return Value::undefined();
            char16_t u = s->unitAt(i);
            return Value::object(newStringFromUnits(std::u16string_view(&u, 1)));
        }
    }
    if (obj.isNullish()) {
        String* k = toPropertyKey(key);
        throwError(ErrorKind::TypeError, std::string("Cannot read properties of ") +
                                             nullishName(obj) + " (reading '" + k->data + "')");
    }
    HandleScope hs(*this);
    hs.add(obj);
    String* k = toPropertyKey(key);
    hs.add(Value::object(k));
    return getNamed(obj, k);
}

void Vm::setNamed(Value obj, std::string_view key, Value v) {
    HandleScope hs(*this);
    hs.add(obj);
    hs.add(v);
    setNamed(obj, newString(key), v);
}

void Vm::setNamed(Value obj, String* key, Value v) {
    if (!isObjectLike(obj)) {
        if (obj.isNullish())
            throwError(ErrorKind::TypeError, std::string("Cannot set properties of ") +
                                                 nullishName(obj) + " (setting '" + key->data +
                                                 "')");
        throwError(ErrorKind::TypeError, "Cannot create property '" + key->data + "' on " +
                                             typeOf(*this, obj)->data + " '" +
                                             toStdString(*this, obj) + "'");
    }
    Object* o = asObj(obj);
    if (o->type == ObjType::Array) {
        auto* a = static_cast<Array*>(o);
        uint32_t i;
        if (isArrayIndex(key->view(), &i)) {
            set(obj, Value::number(i), v);
            return;
        }
        if (key->view() == "length") {
            double d = toNumber(*this, v);
            if (!(d >= 0 && d <= double(maxArrayLength())) || d != std::floor(d))
                throwError(ErrorKind::RangeError, "Invalid array length");
            a->elems.resize(size_t(d), Value::undefined());
            return;
        }
    }
    o->setOwn(key, v);
}

void Vm::set(Value obj, Value key, Value v) {
    uint32_t i;
    if (isArray(obj) && numberIndex(key, &i)) {
        auto* a = asArray(obj);
        if (i < a->elems.size()) {
            a->elems[i] = v;
            return;
        }
        if (i >= maxArrayLength()) throwError(ErrorKind::RangeError, "Invalid array length");
        // No holes: the gap is filled with undefined (DESIGN: arrays have no holes).
        a->elems.resize(size_t(i) + 1, Value::undefined());
        a->elems[i] = v;
        return;
    }
    HandleScope hs(*this);
    hs.add(obj);
    hs.add(v);
    String* k = toPropertyKey(key);
    hs.add(Value::object(k));
    setNamed(obj, k, v);
}

} // namespace flow::vm
