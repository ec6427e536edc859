// Args.cpp — see Args.h.
#include "Args.h"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "Commands.h"
#include "flow/engine/Engine.h"

namespace flowrun {

Args parseArgs(int argc, char** argv, const std::set<std::string>& valued,
               const std::set<std::string>& boolean) {
    Args out;
    bool onlyPositional = false;
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        if (onlyPositional || a.size() < 2 || a[0] != '-' || a == "-") {
            out.positional.push_back(a);
            continue;
        }
        if (a == "--") {
            onlyPositional = true;
            continue;
        }
        std::string name = a, value;
        bool inlineValue = false;
        if (auto eq = a.find('='); eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            inlineValue = true;
        }
        if (valued.count(name)) {
            if (!inlineValue) {
                if (i + 1 >= argc) {
                    out.error = name + " needs a value";
                    return out;
                }
                value = argv[++i];
            }
            out.values[name] = value;
        } else if (boolean.count(name) && !inlineValue) {
            out.flags.insert(name);
        } else {
            out.error = "unknown option '" + a + "'";
            return out;
        }
    }
    return out;
}

int usageError(const char* cmd, const std::string& msg, const char* usage) {
    std::fprintf(stderr, "flowrun %s: error: %s\nusage: %s\n", cmd, msg.c_str(), usage);
    return kBadInput;
}

bool intOption(const Args& a, const char* name, int64_t min, int64_t max, int64_t* out,
               std::string* error) {
    auto v = a.get(name);
    if (!v) return true;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (v->empty() || ec != std::errc() || p != v->data() + v->size() || n < min || n > max) {
        std::string range = max == INT64_MAX ? "an integer >= " + std::to_string(min)
                                             : "an integer from " + std::to_string(min) + " to " +
                                                   std::to_string(max);
        *error = std::string(name) + " takes " + range + ", not '" + *v + "'";
        return false;
    }
    *out = n;
    return true;
}

bool syncOption(const Args& a, bool* normal, std::string* error) {
    auto v = a.get("--sync");
    if (!v) return true;
    if (*v != "normal" && *v != "full") {
        *error = "--sync takes 'normal' or 'full', not '" + *v + "'";
        return false;
    }
    *normal = *v == "normal";
    return true;
}

std::string dbPath(const Args& a) {
    if (auto d = a.get("--db")) return *d;
    if (const char* e = std::getenv("FLOW_DB"); e && *e) return e;
    return ".flow/flow.db";
}

bool readJsonArg(const std::string& spec, std::string* out, std::string* error) {
    if (spec.empty() || spec[0] != '@') {
        *out = spec;
        return true;
    }
    std::string path = spec.substr(1);
    // A directory opens as a stream and reads as nothing: it would be
    // reported as "not valid JSON: unexpected end of input".
    if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
        *error = "cannot read input file '" + path + "': it is a directory";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = "cannot read input file '" + path + "': " + std::strerror(errno);
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) {
        *error = "cannot read input file '" + path + "'";
        return false;
    }
    *out = ss.str();
    return true;
}

int guarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (const flow::engine::EngineError& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "flowrun: error: %s\n", e.what());
        return e.exitCode;
    } catch (const std::exception& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "flowrun: error: %s\n", e.what());
        return kBadInput;
    }
}

} // namespace flowrun
