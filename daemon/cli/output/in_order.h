// Work done on several threads, results used one by one in their original
// order: `feedd parse` parses files side by side but must print them as the
// command line lists them, as they finish, without holding them all.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace feedd {
namespace detail {

// Results of indexes [taken, taken + window) in a ring; a worker may only
// start an index whose slot the consumer has emptied, which bounds memory.
template <class Result>
class InOrderSlots {
 public:
  using Outcome = std::variant<Result, std::exception_ptr>;

  InOrderSlots(std::size_t count, std::size_t window) : count_(count), slots_(window) {}

  // The next index to produce, once it fits the window; nullopt when all
  // are claimed or the consumer has stopped.
  std::optional<std::size_t> claim() {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return stopped_ || next_ >= count_ || next_ < taken_ + slots_.size(); });
    if (stopped_ || next_ >= count_) return std::nullopt;
    return next_++;
  }

  void put(std::size_t index, Outcome outcome) {
    {
      const std::lock_guard lock(mutex_);
      slots_[index % slots_.size()].emplace(std::move(outcome));
    }
    ready_.notify_all();
  }

  // Waits for the outcome of `index`, the oldest not yet taken.
  Outcome take(std::size_t index) {
    std::unique_lock lock(mutex_);
    auto& slot = slots_[index % slots_.size()];
    ready_.wait(lock, [&] { return slot.has_value(); });
    Outcome outcome = std::move(*slot);
    slot.reset();
    ++taken_;
    lock.unlock();
    room_.notify_all();
    return outcome;
  }

  // Workers claim nothing more; those busy finish their current index.
  void stop() {
    {
      const std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    room_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable room_;   // a slot was emptied, or stop
  std::condition_variable ready_;  // an outcome was put
  const std::size_t count_;
  std::size_t next_ = 0;   // next index to claim
  std::size_t taken_ = 0;  // outcomes the consumer has taken
  bool stopped_ = false;
  std::vector<std::optional<Outcome>> slots_;
};

// Stops the slots and joins the workers however the consumer leaves,
// including by an exception.
template <class Result>
class InOrderWorkers {
 public:
  explicit InOrderWorkers(InOrderSlots<Result>& slots) : slots_(slots) {}
  InOrderWorkers(const InOrderWorkers&) = delete;
  InOrderWorkers& operator=(const InOrderWorkers&) = delete;
  ~InOrderWorkers() {
    slots_.stop();
    for (auto& thread : threads_) thread.join();
  }

  template <class Function>
  void start(Function&& function) {
    threads_.emplace_back(std::forward<Function>(function));
  }

 private:
  InOrderSlots<Result>& slots_;
  std::vector<std::thread> threads_;
};

}  // namespace detail

// Calls produce(i) for every i in [0, count) on up to `threads` threads, at
// most `window` (>= 1) indexes ahead of the consumer, and consume(i, result)
// on the calling thread in index order, each as soon as it is ready. An
// exception thrown by produce(i) is rethrown here in place of consume(i),
// after every earlier index was consumed; nothing past it is consumed. With
// one thread (or one index) everything runs on the calling thread.
// `produce` must be safe to call concurrently.
template <class Result, class Produce, class Consume>
void run_in_order(std::size_t count, unsigned threads, std::size_t window, const Produce& produce,
                  const Consume& consume) {
  const std::size_t workers = std::min<std::size_t>(threads, count);
  if (workers <= 1) {
    for (std::size_t i = 0; i < count; ++i) consume(i, produce(i));
    return;
  }
  detail::InOrderSlots<Result> slots(count, std::max<std::size_t>(window, 1));
  detail::InOrderWorkers<Result> pool(slots);
  for (std::size_t w = 0; w < workers; ++w) {
    pool.start([&slots, &produce] {
      while (const auto index = slots.claim()) {
        try {
          slots.put(*index, produce(*index));
        } catch (...) {
          slots.put(*index, std::current_exception());
        }
      }
    });
  }
  for (std::size_t i = 0; i < count; ++i) {
    auto outcome = slots.take(i);
    if (auto* error = std::get_if<std::exception_ptr>(&outcome)) std::rethrow_exception(*error);
    consume(i, std::move(std::get<Result>(outcome)));
  }
}

}  // namespace feedd
