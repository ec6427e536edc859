// The doctest main lives alone in this file: it is the slowest TU to compile.
//
// The tests run on a thread with a large stack, as flowrun does
// (tools/flowrun/main.cpp): limit tests drive the VM and the JSON natives to
// their documented nesting limits, and sanitizer builds make each C++ frame
// several times larger than the 8 MB main stack was sized for. The stack is
// reserved address space; only touched pages are committed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <pthread.h>

namespace {
constexpr size_t kStackBytes = size_t(1) << 30;

struct Job {
    int argc;
    char** argv;
    int rc;
};

void* runTests(void* p) {
    auto* job = static_cast<Job*>(p);
    doctest::Context context(job->argc, job->argv);
    job->rc = context.run();
    return nullptr;
}
} // namespace

int main(int argc, char** argv) {
    Job job{argc, argv, 0};
    pthread_attr_t attr;
    pthread_t thread;
    if (pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, kStackBytes) == 0 &&
        pthread_create(&thread, &attr, runTests, &job) == 0) {
        pthread_join(thread, nullptr);
        pthread_attr_destroy(&attr);
        return job.rc;
    }
    runTests(&job);
    return job.rc;
}
