// post_load.cpp — the load generator for bench/events/run.py: K threads, each
// POSTing /events over its own keep-alive connection for S seconds.
//
// Python clients cost ~0.4 ms of CPU per request on this 2-core machine, more
// than the server itself, so they measured the clients. This one costs a few
// microseconds per request, so the figure is the server's.
//
//   flow_post_load --port P [--host 127.0.0.1] [--clients K] [--seconds S] [--batch N]
// prints {"events": ok, "errors": n, "seconds": s} (events counts each event of
// an array body).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace {

int usage() {
    std::fprintf(stderr, "usage: flow_post_load --port P [--host H] [--clients K] "
                         "[--seconds S] [--batch N]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    int port = 0, clients = 8, batch = 1;
    double seconds = 3;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc) return usage();
        const char* v = argv[++i];
        if (a == "--port")
            port = std::atoi(v);
        else if (a == "--host")
            host = v;
        else if (a == "--clients")
            clients = std::atoi(v);
        else if (a == "--seconds")
            seconds = std::atof(v);
        else if (a == "--batch")
            batch = std::atoi(v);
        else
            return usage();
    }
    if (port <= 0 || clients <= 0 || batch <= 0 || seconds <= 0) return usage();

    const std::string one = R"({"type":"bench.append","payload":{"order":0,"sku":"SKU-000123",)"
                            R"("qty":2,"price":19.99,"customer":"c-4711","note":"benchmark"}})";
    std::string body = one;
    if (batch > 1) {
        body = "[";
        for (int k = 0; k < batch; ++k)
            body += (k ? "," : "") + one;
        body += "]";
    }
    std::atomic<long> ok{0}, errors{0};
    using Clock = std::chrono::steady_clock;
    auto start = Clock::now();
    auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&] {
            httplib::Client cli(host, port);
            cli.set_keep_alive(true);
            cli.set_tcp_nodelay(true);
            cli.set_read_timeout(30, 0);
            while (Clock::now() < end) {
                auto res = cli.Post("/events", body, "application/json");
                if (res && res->status == 201)
                    ok += batch;
                else
                    ++errors;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    double took = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("{\"events\": %ld, \"errors\": %ld, \"seconds\": %.6f}\n", ok.load(), errors.load(),
                took);
    return 0;
}
