// A small fork-join pool: Run(n, fn) calls fn(task, thread) for every task in [0, n) across the
// workers and the calling thread, and returns when all are done. Work is split by tasks that each
// write their own outputs, so results never depend on the thread count.
//
// A forward pass calls Run ~90 times in a row, so the hand-off must be cheap, and waking a sleeping
// thread is a futex round trip (slow in a VM or a Node worker). Workers therefore spin for a short
// while after each job before they sleep, and the caller waits for the workers' check-out by spinning
// (the workers are then at most one task from done). `bert-bench pool` measures a hand-off.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
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
  uint64_t WaitForJob(uint64_t seen);  // returns the new generation, or 0 when stopping
  void DrainTasks(int thread);

  std::vector<std::thread> workers_;

  // The current job: written by the caller while no worker reads it (pending_ == 0), then published
  // by bumping generation_. Every worker checks in on every generation and checks out via pending_.
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  size_t num_tasks_ = 0;
  std::atomic<size_t> next_task_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};  // workers still on the current job
  std::atomic<bool> stop_{false};

  // Sleeping after the spin: workers wait on wake_; sleepers_ tells the caller whether to notify.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<int> sleepers_{0};
};

}  // namespace bert
