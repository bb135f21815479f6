// Waiting on a daemon or a server thread without fixed sleeps.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace feedd::test {

// Polls `condition` every 20 ms until it holds or `timeout` passes; the
// answer is the condition's last value, checked once more at the deadline.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace feedd::test
