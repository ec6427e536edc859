// Test.cpp — `flowrun test PATH...`: finds the `test` blocks of .flow and
// .test.flow files, runs each on the engine under a virtual clock
// (flow/engine/Testing.h), and reports a line per test, failure details, and
// `N passed, N failed[, N skipped]` as the last line (docs/testing.md).
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "Args.h"
#include "Commands.h"
#include "Load.h"
#include "flow/bytecode/Writer.h"
#include "flow/engine/Engine.h"
#include "flow/engine/Testing.h"

namespace flowrun {

namespace {

namespace fs = std::filesystem;
using flow::engine::TestModule;
using flow::engine::TestOptions;
using flow::engine::TestOutcome;

const char* kUsage =
    "flowrun test PATH... [--filter PATTERN] [--seed N] [--shuffle-seeds N]\n"
    "                    [--junit FILE] [--jobs N] [--hard-snapshot] [--gc-stress]\n"
    "                    [--verbose]";

bool endsWith(const std::string& s, const std::string& x) {
    return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

// Does a .flow file declare a test block? A cheap look at the text, so that a
// directory's plain .flow files (samples, fixtures with deliberate errors)
// are compiled only when they hold tests.
bool hasTestBlock(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    while (std::getline(in, line)) {
        size_t i = line.find_first_not_of(" \t");
        if (i == std::string::npos || line.compare(i, 4, "test") != 0) continue;
        size_t j = line.find_first_not_of(" \t", i + 4);
        if (j != std::string::npos && j > i + 4 && line[j] == '"') return true;
    }
    return false;
}

// Files to run: a file named on the command line always; in a directory
// (recursively, skipping hidden ones) every *.test.flow and every other .flow
// that declares a test. Sorted, so the order is the same everywhere.
bool discover(const std::vector<std::string>& paths, std::vector<std::string>& files,
              std::string& error) {
    for (const auto& p : paths) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) {
            files.push_back(p);
            continue;
        }
        if (!fs::is_directory(p, ec)) {
            error = "no such file or directory: '" + p + "'";
            return false;
        }
        std::vector<std::string> found;
        for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
             it.increment(ec)) {
            std::string name = it->path().filename().string();
            if (it->is_directory() && !name.empty() && name[0] == '.') {
                it.disable_recursion_pending();
                continue;
            }
            if (!it->is_regular_file() || !endsWith(name, ".flow")) continue;
            if (endsWith(name, ".test.flow") || hasTestBlock(it->path()))
                found.push_back(it->path().string());
        }
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    return true;
}

std::string formatMs(double ms) {
    char b[32];
    std::snprintf(b, sizeof b, ms < 10 ? "%.2f ms" : "%.0f ms", ms);
    return b;
}

std::string indent(const std::string& text, const std::string& pad) {
    std::string out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        out += pad + line + "\n";
    return out;
}

std::string xmlEscape(const std::string& s) {
    std::string o;
    for (char c : s) {
        switch (c) {
        case '<':
            o += "&lt;";
            break;
        case '>':
            o += "&gt;";
            break;
        case '&':
            o += "&amp;";
            break;
        case '"':
            o += "&quot;";
            break;
        default:
            if ((unsigned char)c < 0x20 && c != '\n' && c != '\t')
                o += ' ';
            else
                o += c;
        }
    }
    return o;
}

struct Record {
    std::string file, name, where;
    enum class State { Passed, Failed, Skipped } state = State::Passed;
    std::string failure, output;
    double ms = 0;
};

bool writeJunit(const std::string& path, const std::vector<Record>& recs, std::string& error) {
    std::vector<std::string> files;
    for (const auto& r : recs)
        if (std::find(files.begin(), files.end(), r.file) == files.end()) files.push_back(r.file);
    std::string x =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"flowrun test\">\n";
    for (const auto& f : files) {
        int n = 0, failed = 0, skipped = 0;
        double ms = 0;
        std::string cases;
        for (const auto& r : recs) {
            if (r.file != f) continue;
            ++n;
            ms += r.ms;
            char t[32];
            std::snprintf(t, sizeof t, "%.4f", r.ms / 1000);
            cases += "    <testcase classname=\"" + xmlEscape(f) + "\" name=\"" +
                     xmlEscape(r.name) + "\" file=\"" + xmlEscape(r.where) + "\" time=\"" + t +
                     "\"";
            if (r.state == Record::State::Passed) {
                cases += "/>\n";
                continue;
            }
            cases += ">\n";
            if (r.state == Record::State::Skipped) {
                ++skipped;
                cases += "      <skipped/>\n";
            } else {
                ++failed;
                std::string first = r.failure.substr(0, r.failure.find('\n'));
                cases += "      <failure message=\"" + xmlEscape(first) + "\">" +
                         xmlEscape(r.failure) + "</failure>\n";
            }
            if (!r.output.empty())
                cases += "      <system-out>" + xmlEscape(r.output) + "</system-out>\n";
            cases += "    </testcase>\n";
        }
        char t[32];
        std::snprintf(t, sizeof t, "%.4f", ms / 1000);
        x += "  <testsuite name=\"" + xmlEscape(f) + "\" tests=\"" + std::to_string(n) +
             "\" failures=\"" + std::to_string(failed) + "\" skipped=\"" + std::to_string(skipped) +
             "\" time=\"" + t + "\">\n" + cases + "  </testsuite>\n";
    }
    x += "</testsuites>\n";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << x;
    out.close();
    if (!out) {
        error = "cannot write the JUnit report '" + path + "'";
        return false;
    }
    return true;
}

bool parseCount(const Args& a, const char* name, uint64_t& out, std::string& error) {
    auto v = a.get(name);
    if (!v) return true;
    char* end = nullptr;
    errno = 0;
    unsigned long long n = std::strtoull(v->c_str(), &end, 10);
    if (v->empty() || *end || errno || (*v)[0] == '-') {
        error = std::string(name) + " takes a non-negative integer, not '" + *v + "'";
        return false;
    }
    out = n;
    return true;
}

} // namespace

namespace {

// One test to run (or a file that did not compile), in output order.
struct Item {
    size_t unit = 0, test = 0;
    Record rec;
    std::string text; // what to print
    bool done = false;
};

struct Unit {
    std::vector<uint8_t> bytes;
};

// Runs the items on `jobs` threads (each with its own engine per file: a
// TestModule is single-threaded) and prints them in order as they finish.
class Runner {
public:
    Runner(std::vector<Unit>& units, std::vector<Item>& items, TestOptions base, uint64_t shuffle,
           bool verbose)
        : units_(units), items_(items), base_(base), shuffle_(shuffle), verbose_(verbose) {}

    void run(unsigned jobs) {
        std::vector<pthread_t> threads;
        for (unsigned k = 0; k < jobs; ++k) {
            pthread_attr_t attr;
            pthread_t t;
            // The VM's native re-entry needs deep C++ stacks (see main.cpp).
            if (pthread_attr_init(&attr) == 0 &&
                pthread_attr_setstacksize(&attr, size_t(256) << 20) == 0 &&
                pthread_create(&t, &attr, &Runner::thread, this) == 0)
                threads.push_back(t);
            pthread_attr_destroy(&attr);
        }
        if (threads.empty()) work(); // no thread could start: run them here
        for (size_t i = 0; i < items_.size(); ++i) {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [&] { return items_[i].done; });
            std::fwrite(items_[i].text.data(), 1, items_[i].text.size(), stdout);
            std::fflush(stdout);
        }
        for (pthread_t t : threads)
            pthread_join(t, nullptr);
    }

private:
    static void* thread(void* self) {
        static_cast<Runner*>(self)->work();
        return nullptr;
    }

    void work() {
        std::map<size_t, std::unique_ptr<TestModule>> modules;
        for (;;) {
            size_t i = next_.fetch_add(1);
            if (i >= items_.size()) return;
            Item& it = items_[i];
            if (!it.done && it.rec.state == Record::State::Passed) runOne(it, modules);
            std::lock_guard<std::mutex> lock(mu_);
            it.done = true;
            cv_.notify_all();
        }
    }

    void runOne(Item& it, std::map<size_t, std::unique_ptr<TestModule>>& modules) {
        Record& r = it.rec;
        auto& tm = modules[it.unit];
        if (!tm) {
            try {
                tm = std::make_unique<TestModule>(units_[it.unit].bytes);
            } catch (const std::exception& e) {
                r.state = Record::State::Failed;
                r.failure = e.what();
                it.text = "FAIL " + r.where + " " + r.name + "\n" + indent(r.failure, "  ");
                return;
            }
        }
        // Under --shuffle-seeds N the test runs with its natural order (or
        // --seed) and then with seeds 1..N; the first failure counts.
        std::vector<uint64_t> seeds = {base_.seed};
        for (uint64_t s = 1; s <= shuffle_; ++s)
            if (s != base_.seed) seeds.push_back(s);
        TestOutcome o;
        double total = 0;
        for (uint64_t s : seeds) {
            TestOptions opts = base_;
            opts.seed = s;
            o = tm->run(it.test, opts);
            total += o.ms;
            if (!o.passed) {
                if (seeds.size() > 1 || s != 0)
                    o.failure += "\n(with --seed " + std::to_string(s) + ")";
                break;
            }
        }
        r.ms = total;
        r.output = o.output;
        r.state = o.passed ? Record::State::Passed : Record::State::Failed;
        r.failure = o.failure;
        it.text = (o.passed ? "ok   " : "FAIL ") + r.where + " " + r.name + " (" + formatMs(total) +
                  ")\n";
        if (!o.passed) {
            it.text += indent(o.failure, "  ");
            if (!o.output.empty()) it.text += "  console output:\n" + indent(o.output, "    ");
        } else if (verbose_ && !o.output.empty()) {
            it.text += indent(o.output, "    ");
        }
    }

    std::vector<Unit>& units_;
    std::vector<Item>& items_;
    TestOptions base_;
    uint64_t shuffle_;
    bool verbose_;
    std::atomic<size_t> next_{0};
    std::mutex mu_;
    std::condition_variable cv_;
};

} // namespace

int cmdTest(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--filter", "--seed", "--shuffle-seeds", "--junit", "--jobs"},
                       {"--hard-snapshot", "--gc-stress", "--verbose"});
    if (!a.error.empty()) return usageError("test", a.error, kUsage);
    if (a.positional.empty())
        return usageError("test", "give the files or directories to test", kUsage);
    uint64_t seed = 0, shuffle = 0,
             jobs = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    std::string err;
    if (!parseCount(a, "--seed", seed, err) || !parseCount(a, "--shuffle-seeds", shuffle, err) ||
        !parseCount(a, "--jobs", jobs, err))
        return usageError("test", err, kUsage);
    if (shuffle > 10000) return usageError("test", "--shuffle-seeds is at most 10000", kUsage);
    if (jobs < 1 || jobs > 64) return usageError("test", "--jobs takes 1..64", kUsage);
    std::vector<std::string> files;
    if (!discover(a.positional, files, err)) return usageError("test", err, kUsage);
    std::string filter = a.get("--filter").value_or("");

    TestOptions base;
    base.hardSnapshot = a.has("--hard-snapshot");
    base.gcStress = a.has("--gc-stress");
    base.seed = seed;

    std::vector<Unit> units;
    std::vector<Item> items;
    for (const auto& file : files) {
        std::string diags;
        LoadOutcome lo = loadProgram(file, [&diags](std::string_view s) { diags += s; });
        if (!lo.module) {
            Item it;
            Record& r = it.rec;
            r.file = file;
            r.name = "(compile)";
            r.where = file;
            r.state = Record::State::Failed;
            r.failure = diags.empty() ? "cannot load '" + file + "'" : diags;
            while (!r.failure.empty() && r.failure.back() == '\n')
                r.failure.pop_back();
            it.text = "FAIL " + file + ": does not compile\n" + indent(r.failure, "  ");
            it.done = true;
            items.push_back(std::move(it));
            continue;
        }
        // Only the tests of the file itself: the files it imports may have
        // tests of their own, which run when those files are tested.
        const auto& m = *lo.module;
        uint32_t entry = m.sources.empty() ? 0 : uint32_t(m.sources.size() - 1);
        for (uint32_t i = 0; i < m.sources.size(); ++i)
            if (m.str(m.sources[i].path) == file) entry = i;
        size_t unit = units.size();
        for (size_t i = 0; i < m.tests.size(); ++i) {
            const auto& t = m.tests[i];
            if (t.source != entry) continue;
            Item it;
            it.unit = unit;
            it.test = i;
            Record& r = it.rec;
            r.file = file;
            r.name = m.str(t.name);
            r.where = m.str(m.sources[t.source].path) + ":" + std::to_string(t.line);
            if (!filter.empty() && r.name.find(filter) == std::string::npos) {
                r.state = Record::State::Skipped;
                it.done = true;
            }
            items.push_back(std::move(it));
        }
        units.push_back({flow::bytecode::writeModule(*lo.module)});
    }
    size_t runnable = 0;
    for (const auto& it : items)
        runnable += !it.done;
    Runner runner(units, items, base, shuffle, a.has("--verbose"));
    runner.run(unsigned(std::min<uint64_t>(jobs, std::max<size_t>(1, runnable))));

    int passed = 0, failed = 0, skipped = 0;
    std::vector<Record> recs;
    for (auto& it : items) {
        switch (it.rec.state) {
        case Record::State::Passed:
            ++passed;
            break;
        case Record::State::Failed:
            ++failed;
            break;
        case Record::State::Skipped:
            ++skipped;
            break;
        }
        recs.push_back(std::move(it.rec));
    }
    if (passed + failed + skipped == 0)
        std::fprintf(stderr, "flowrun test: no tests found (test \"name\" { ... } blocks in .flow "
                             "or .test.flow files)\n");
    if (auto junit = a.get("--junit")) {
        if (!writeJunit(*junit, recs, err)) {
            std::fprintf(stderr, "flowrun test: error: %s\n", err.c_str());
            ++failed;
        }
    }
    std::string summary = std::to_string(passed) + " passed, " + std::to_string(failed) + " failed";
    if (skipped) summary += ", " + std::to_string(skipped) + " skipped";
    summary += "\n";
    std::fwrite(summary.data(), 1, summary.size(), stdout);
    return failed > 0 || passed + failed + skipped == 0 ? kProgramFailed : kOk;
}

} // namespace flowrun
