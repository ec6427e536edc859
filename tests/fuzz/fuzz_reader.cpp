// fuzz_reader — libFuzzer target: readModule on arbitrary bytes must return a
// module or a LoadError, never crash, hang or trip a sanitizer. Most random
// inputs die at the hash check, so a second pass recomputes the header hash
// (when the input is long enough to have one) to reach the structural checks.
#include <cstring>
#include <vector>

#include "flow/bytecode/Disassembler.h"
#include "flow/bytecode/Format.h"
#include "flow/bytecode/Reader.h"
#include "flow/bytecode/Sha256.h"

using namespace flow::bytecode;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)readModule(std::span<const uint8_t>(data, size));
    if (size < kHeaderSize) return 0;
    std::vector<uint8_t> bytes(data, data + size);
    std::memcpy(bytes.data(), kMagic, sizeof kMagic);
    auto h = sha256(bytes.data() + kHeaderSize, size - kHeaderSize);
    std::memcpy(bytes.data() + 16, h.data(), h.size());
    LoadResult r = readModule(bytes);
    // A module that loads is verified: the disassembler must handle it too.
    if (r.ok()) (void)disassemble(*r.module);
    return 0;
}
