#include "thread_pool.h"

#include <algorithm>

namespace bert {

// A wasm build without pthreads cannot start threads: everything runs on the caller.
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
constexpr int kMaxThreads = 1;
#else
constexpr int kMaxThreads = 256;
#endif

ThreadPool::ThreadPool(int threads) {
  threads = std::min(threads, kMaxThreads);
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { WorkerLoop(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void ThreadPool::DrainTasks(int thread) {
  for (size_t task; (task = next_task_.fetch_add(1, std::memory_order_relaxed)) < num_tasks_;) fn_(ctx_, task, thread);
}

void ThreadPool::RunErased(size_t n, TaskFn fn, void* ctx) {
  if (n == 0) return;
  if (workers_.empty() || n == 1) {
    for (size_t task = 0; task < n; ++task) fn(ctx, task, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = fn;
    ctx_ = ctx;
    num_tasks_ = n;
    next_task_.store(0, std::memory_order_relaxed);
    busy_workers_ = static_cast<int>(workers_.size());
    ++generation_;
  }
  wake_.notify_all();
  DrainTasks(0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return busy_workers_ == 0; });
}

void ThreadPool::WorkerLoop(int thread) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    DrainTasks(thread);
    std::lock_guard<std::mutex> lock(mutex_);
    if (--busy_workers_ == 0) done_.notify_one();
  }
}

}  // namespace bert
