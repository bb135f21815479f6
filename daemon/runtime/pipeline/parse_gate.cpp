#include "daemon/runtime/pipeline/parse_gate.h"

#include <utility>

namespace feedd {

void ParseGate::enter(std::function<void()> start) {
  if (running_ < ahead_) {
    ++running_;
    start();
    return;
  }
  waiting_.push_back(std::move(start));
}

void ParseGate::release() {
  if (running_ > 0) --running_;
  while (running_ < ahead_ && !waiting_.empty()) {
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    ++running_;
    next();
  }
}

namespace {

// Bodies waiting at the gate that keep a slow writer busy for a while (a
// few hundred ms of a first pass) without holding much memory.
constexpr std::size_t enough_queued = 8;
constexpr std::size_t fewest_polls = 8;

}  // namespace

void PollWindow::set_most(std::size_t most) {
  most_ = most;
  if (size_ > most_) size_ = most_;
}

void PollWindow::poll_ended(std::size_t queued) {
  if (queued == 0) {
    size_ = size_ + 2 < most_ ? size_ + 2 : most_;
  } else if (queued > enough_queued && size_ > fewest_polls) {
    --size_;
  }
}

}  // namespace feedd
