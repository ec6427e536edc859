// TaskOutput.cpp — classification helpers shared by the exec and http
// executors (see TaskOutput.h).
#include "flow/tasks/TaskOutput.h"

#include <cstring>
#include <string.h> // sigabbrev_np (GNU)

#include <nlohmann/json.hpp>

#include "flow/store/Rows.h"

namespace flow::tasks::detail {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid
// (overlong forms, surrogates and code points past U+10FFFF are invalid, as
// nlohmann::json's parser would say).
size_t utf8SeqLen(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

bool isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

} // namespace

std::string sanitizeUtf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        size_t n = utf8SeqLen(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string excerpt(std::string_view s, size_t maxBytes) {
    if (s.size() <= maxBytes) return sanitizeUtf8(s);
    size_t cut = maxBytes;
    // Back up over continuation bytes so a character is not split.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut;
    return sanitizeUtf8(s.substr(0, cut)) + "...";
}

bool parseJsonValue(std::string_view text, std::string& canonical, std::string& error) {
    size_t first = 0;
    while (first < text.size() && isBlank(text[first]))
        ++first;
    if (first == text.size()) {
        canonical = "null";
        return true;
    }
    // Too deep for the store (its commit would fail on every resume), and
    // millions deep would overflow the serializer's recursion below.
    if (std::string e = store::jsonDepthError(text.substr(first), "the value"); !e.empty()) {
        error = e;
        return false;
    }
    try {
        // parse() rejects trailing garbage, so "1 2" or two objects fail.
        nlohmann::ordered_json v = nlohmann::ordered_json::parse(text.begin(), text.end());
        canonical = v.dump();
        return true;
    } catch (const nlohmann::json::exception& e) {
        error = e.what();
        return false;
    }
}

bool errorObject(const std::string& canonical, std::string& name, std::string& message) {
    if (canonical.empty() || canonical[0] != '{') return false;
    nlohmann::ordered_json v = nlohmann::ordered_json::parse(canonical, nullptr, false);
    if (!v.is_object()) return false;
    auto e = v.find("error");
    if (e == v.end() || !e->is_string()) return false;
    name = e->get<std::string>();
    message.clear();
    auto m = v.find("message");
    if (m != v.end()) message = m->is_string() ? m->get<std::string>() : m->dump();
    return true;
}

std::string jsonString(std::string_view s) {
    return nlohmann::json(sanitizeUtf8(s)).dump();
}

std::string lastNonEmptyLine(std::string_view text) {
    size_t end = text.size();
    while (end > 0) {
        size_t start = text.rfind('\n', end - 1);
        start = start == std::string_view::npos ? 0 : start + 1;
        std::string_view line = text.substr(start, end - start);
        size_t a = 0, b = line.size();
        while (a < b && isBlank(line[a]))
            ++a;
        while (b > a && isBlank(line[b - 1]))
            --b;
        if (a < b) return excerpt(line.substr(a, b - a), 500);
        end = start == 0 ? 0 : start - 1;
    }
    return "";
}

std::string signalName(int sig) {
    if (const char* abbrev = sigabbrev_np(sig)) return std::string("SIG") + abbrev;
    return "signal " + std::to_string(sig);
}

void setError(TaskResult& r, std::string name, std::string message) {
    r.ok = false;
    r.resultJson.clear();
    r.errorName = sanitizeUtf8(name);
    r.errorMessage = sanitizeUtf8(message);
}

} // namespace flow::tasks::detail
