#pragma once
// EdgeCache.h — internal to compiler/src/parse: a lock-free copy of ANTLR's
// DFA edges, used by the lexer's and the parser's simulators.
//
// ANTLR 4.9 keeps the edges of a DFA state in an unordered_map guarded by one
// process-wide reader/writer lock: every character lexed and every token
// looked at by a prediction paid four mutex operations and a hash lookup
// (~15 % of a compile). This keeps a per-simulator copy of the edges already
// found in flat arrays indexed by (table, state number, symbol). An edge never
// changes once ANTLR has added it (the DFAs are never cleared), so the copy
// stays valid; misses go to ANTLR, which adds the edge under its lock.
#include <algorithm>
#include <vector>

#include "antlr4-runtime.h"

namespace flow::compiler::parse {

class EdgeCache {
public:
    explicit EdgeCache(size_t width) : width_(width) {}

    antlr4::dfa::DFAState* get(size_t table, const antlr4::dfa::DFAState* from,
                               size_t symbol) const {
        if (table >= tables_.size() || from->stateNumber < 0 || symbol >= width_) return nullptr;
        const auto& t = tables_[table];
        size_t i = size_t(from->stateNumber) * width_ + symbol;
        return i < t.size() ? t[i] : nullptr;
    }
    void put(size_t table, const antlr4::dfa::DFAState* from, size_t symbol,
             antlr4::dfa::DFAState* to) {
        if (from->stateNumber < 0 || symbol >= width_) return;
        if (table >= tables_.size()) tables_.resize(table + 1);
        auto& t = tables_[table];
        size_t i = size_t(from->stateNumber) * width_ + symbol;
        if (i >= t.size()) t.resize(std::max(i + 1, t.size() * 2), nullptr);
        t[i] = to;
    }

private:
    size_t width_;
    std::vector<std::vector<antlr4::dfa::DFAState*>> tables_;
};

} // namespace flow::compiler::parse
