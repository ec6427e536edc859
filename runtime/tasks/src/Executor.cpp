// Executor.cpp — the bounded worker pool and the cancellation token.
//
// Workers are plain threads (maxConcurrent of them, created up front) pulling
// TaskRequests from a queue; each attempt blocks its worker (in poll() for
// exec, in the socket for http), which is what bounds the concurrency. Results
// go to a mutex+condvar queue the engine drains with wait().
#include <cerrno>
#include <exception>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include "flow/tasks/Executor.h"
#include "flow/tasks/TaskOutput.h"

namespace flow::tasks {

CancelToken::CancelToken() {
    // Without a pipe, exec attempts would only notice a cancel at their next
    // poll wake-up; that still works, just later.
    if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) pipe_[0] = pipe_[1] = -1;
}

CancelToken::~CancelToken() {
    for (int fd : pipe_)
        if (fd >= 0) ::close(fd);
}

void CancelToken::cancel() {
    std::lock_guard lk(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    if (pipe_[1] >= 0) {
        char one = 1;
        while (::write(pipe_[1], &one, 1) < 0 && errno == EINTR) {
        }
    }
    // Under the lock: setHook({}) then cannot return while the hook still runs.
    if (hook_) hook_();
}

bool CancelToken::cancelled() const {
    std::lock_guard lk(mu_);
    return cancelled_;
}

void CancelToken::setHook(std::function<void()> hook) {
    std::lock_guard lk(mu_);
    hook_ = std::move(hook);
    if (cancelled_ && hook_) hook_();
}

TaskResult runTask(const TaskRequest& r, CancelToken* cancel) {
    try {
        return r.kind == TaskRequest::Kind::Exec ? runExecTask(r, cancel) : runHttpTask(r, cancel);
    } catch (const std::exception& e) {
        // bad_alloc and the like: report, never take the engine down.
        TaskResult res;
        res.id = r.id;
        detail::setError(res, "InternalError", e.what());
        return res;
    }
}

Executor::Executor(size_t maxConcurrent) {
    if (maxConcurrent == 0) maxConcurrent = 1;
    workers_.reserve(maxConcurrent);
    for (size_t i = 0; i < maxConcurrent; ++i)
        workers_.emplace_back([this] { workerLoop(); });
}

Executor::~Executor() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
        queue_.clear();
        for (auto& [id, run] : running_)
            run.token->cancel(); // kills process groups, aborts sockets
    }
    workCv_.notify_all();
    for (auto& t : workers_)
        t.join();
}

void Executor::submit(TaskRequest r) {
    {
        std::lock_guard lk(mu_);
        queue_.push_back(std::move(r));
    }
    workCv_.notify_one();
}

bool Executor::cancel(uint64_t id) {
    std::unique_lock lk(mu_);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->id != id) continue;
        queue_.erase(it);
        lk.unlock();
        TaskResult res;
        res.id = id;
        detail::setError(res, "Cancelled", "cancelled before it started");
        deliver(std::move(res));
        return true;
    }
    auto it = running_.find(id);
    if (it == running_.end() || it->second.delivered) return false;
    auto token = it->second.token;
    bool deliverNow = it->second.kind == TaskRequest::Kind::Http;
    // An http request stuck in connect() cannot be interrupted: report the
    // cancel now and drop the attempt's own result when it comes.
    if (deliverNow) it->second.delivered = true;
    lk.unlock();
    token->cancel();
    if (deliverNow) {
        TaskResult res;
        res.id = id;
        detail::setError(res, "Cancelled", "cancelled (request aborted)");
        deliver(std::move(res));
    }
    return true;
}

std::optional<TaskResult> Executor::wait(int64_t timeoutMs) {
    std::unique_lock lk(mu_);
    auto ready = [this] { return !results_.empty(); };
    if (timeoutMs < 0)
        resultCv_.wait(lk, ready);
    else if (!resultCv_.wait_for(lk, std::chrono::milliseconds(timeoutMs), ready))
        return std::nullopt;
    TaskResult r = std::move(results_.front());
    results_.pop_front();
    return r;
}

size_t Executor::inFlight() const {
    std::lock_guard lk(mu_);
    // A result delivered but not yet taken by wait() still counts: a caller
    // that routes what wait(0) gives and then asks inFlight() must not see 0
    // for a task that finished in between (`work --until-idle` once exited
    // with such a result unrouted).
    size_t n = queue_.size() + results_.size();
    for (const auto& [id, run] : running_)
        if (!run.delivered) ++n;
    return n;
}

void Executor::setOnResult(std::function<void()> fn) {
    std::lock_guard lk(mu_);
    onResult_ = std::move(fn);
}

void Executor::deliver(TaskResult r) {
    std::function<void()> notify;
    {
        std::lock_guard lk(mu_);
        results_.push_back(std::move(r));
        notify = onResult_;
    }
    resultCv_.notify_all();
    if (notify) notify();
}

void Executor::workerLoop() {
    for (;;) {
        TaskRequest req;
        auto token = std::make_shared<CancelToken>();
        {
            std::unique_lock lk(mu_);
            workCv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            req = std::move(queue_.front());
            queue_.pop_front();
            if (running_.count(req.id)) {
                // A caller bug: two in-flight attempts with one id. Refuse the
                // second instead of confusing cancel() and the results.
                lk.unlock();
                TaskResult res;
                res.id = req.id;
                detail::setError(res, "InvalidRequest",
                                 "task id " + std::to_string(req.id) + " is already in flight");
                deliver(std::move(res));
                continue;
            }
            running_.emplace(req.id, Running{token, req.kind});
        }
        TaskResult res = runTask(req, token.get());
        bool drop;
        {
            std::lock_guard lk(mu_);
            auto it = running_.find(req.id);
            drop = it != running_.end() && it->second.delivered;
            running_.erase(req.id);
        }
        if (!drop) deliver(std::move(res));
    }
}

} // namespace flow::tasks
