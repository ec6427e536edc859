// STUB (owner: bytecode helper) — replace.
#include "flow/bytecode/Module.h"
namespace flow::bytecode {
uint32_t Module::intern(const std::string& s) {
    if (internIndex_.size() != strings.size()) {
        internIndex_.clear();
        for (uint32_t i = 0; i < strings.size(); ++i) internIndex_.emplace(strings[i], i);
    }
    auto [it, inserted] = internIndex_.emplace(s, uint32_t(strings.size()));
    if (inserted) strings.push_back(s);
    return it->second;
}
std::string Module::hashHex() const {
    static const char* hex = "0123456789abcdef";
    std::string out = "sha256:";
    for (uint8_t b : hash) { out += hex[b >> 4]; out += hex[b & 15]; }
    return out;
}
} // namespace flow::bytecode
