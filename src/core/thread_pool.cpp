#include "core/thread_pool.h"

#include <algorithm>

namespace bert {

// A wasm build without pthreads cannot start threads: everything runs on the caller.
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
constexpr int kMaxThreads = 1;
#else
constexpr int kMaxThreads = 256;
#endif

// Polls of generation_ before a worker sleeps: a few hundred microseconds, longer than the gaps
// between the jobs of one forward pass, short enough not to burn a core between calls.
constexpr int kSpinsBeforeSleep = 1 << 18;

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
  fn_ = fn;
  ctx_ = ctx;
  num_tasks_ = n;
  next_task_.store(0, std::memory_order_relaxed);
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  // seq_cst pairs with the sleeper's sleepers_ increment: either it sees the new generation before it
  // sleeps, or this thread sees it asleep and wakes it (under the mutex, so the wake is not lost).
  generation_.fetch_add(1, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }
  DrainTasks(0);
  while (pending_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

uint64_t ThreadPool::WaitForJob(uint64_t seen) {
  for (int i = 0; i < kSpinsBeforeSleep; ++i) {
    const uint64_t generation = generation_.load(std::memory_order_acquire);
    if (generation != seen) return generation;
    if (stop_.load(std::memory_order_relaxed)) return 0;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_seq_cst) != seen; });
  sleepers_.fetch_sub(1, std::memory_order_relaxed);
  return stop_ ? 0 : generation_.load(std::memory_order_acquire);
}

void ThreadPool::WorkerLoop(int thread) {
  for (uint64_t seen = 0; (seen = WaitForJob(seen)) != 0;) {
    DrainTasks(thread);
    pending_.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace bert
