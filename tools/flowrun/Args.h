#pragma once
// Args.h — flowrun's small argument parser: `--name VALUE`, `--name=VALUE`,
// boolean `--flag`, and positionals, with messages naming the subcommand.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace flowrun {

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> values; // "--input" -> text
    std::set<std::string> flags;               // "--json"
    std::string error;                         // non-empty: bad usage
    bool has(const std::string& f) const { return flags.count(f) || values.count(f); }
    std::optional<std::string> get(const std::string& k) const {
        auto it = values.find(k);
        if (it == values.end()) return std::nullopt;
        return it->second;
    }
};

// `valued` lists the options that take a value, `boolean` the flags.
Args parseArgs(int argc, char** argv, const std::set<std::string>& valued,
               const std::set<std::string>& boolean);

// Prints "flowrun CMD: error: MSG" and the usage line; returns kBadInput.
int usageError(const char* cmd, const std::string& msg, const char* usage);

// The integer value of option `name` in [min, max] into *out (untouched when
// the option is absent). False with *error set ("--limit takes an integer
// from 0 to ..., not 'abc'") when it is not one: a typo must not silently
// become 0 ("no limit") or a default.
bool intOption(const Args& a, const char* name, int64_t min, int64_t max, int64_t* out,
               std::string* error);

// --max-tasks of run, start, resume, work and serve: task attempts running at
// once per engine.
constexpr int64_t kMaxTasksLimit = 1024;

// --sync: "normal" or "full" (the default). False with *error set otherwise.
bool syncOption(const Args& a, bool* normal, std::string* error);

// --db, else $FLOW_DB, else ./.flow/flow.db.
std::string dbPath(const Args& a);

// Reads `spec` as JSON text, or the file after '@'. False with *error set.
bool readJsonArg(const std::string& spec, std::string* out, std::string* error);

// Runs a command's body: an EngineError prints "flowrun: error: ..." and
// gives its exit code; any other exception (the store's) gives kBadInput.
int guarded(const std::function<int()>& body);

} // namespace flowrun
