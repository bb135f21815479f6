// Where feedd gets "now". Tests and `--now` pin it so runs are repeatable
// without sleeping.
#pragma once

#include <chrono>
#include <cstdint>

namespace feedd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() const = 0;  // Unix milliseconds, UTC
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::int64_t now_ms) : now_ms_(now_ms) {}
  std::int64_t now_ms() const override { return now_ms_; }

 private:
  std::int64_t now_ms_;
};

}  // namespace feedd
