// A small fork-join pool: Run(n, fn) calls fn(task, thread) for every task in [0, n) across the
// workers and the calling thread, and returns when all are done. Work is split by tasks that each
// write their own outputs, so results never depend on the thread count.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace bert {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // total threads including the caller; 1 runs everything inline
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  template <typename F>
  void Run(size_t n, F&& fn) {
    auto call = [](void* ctx, size_t task, int thread) { (*static_cast<F*>(ctx))(task, thread); };
    RunErased(n, call, &fn);
  }

 private:
  using TaskFn = void (*)(void* ctx, size_t task, int thread);
  void RunErased(size_t n, TaskFn fn, void* ctx);
  void WorkerLoop(int thread);
  void DrainTasks(int thread);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  uint64_t generation_ = 0;  // bumped per Run, guarded by mutex_
  int busy_workers_ = 0;     // guarded by mutex_
  bool stop_ = false;        // guarded by mutex_

  // The current job, published under mutex_ before workers wake.
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  size_t num_tasks_ = 0;
  std::atomic<size_t> next_task_{0};
};

}  // namespace bert
