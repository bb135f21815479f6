// How many fetched feeds may be parsed ahead of the writer.
//
// A parsed and normalised feed takes two to three times the memory of its
// body (content, raw item and search text of every entry), and the writer
// stores one feed at a time. When the writer is the slower side (a first
// pass: every entry new), parsing every fetched body at once only moves the
// queue in front of the writer into its largest form. The gate lets a few
// parses run ahead, enough that the writer never waits for one, and keeps
// the other bodies as they arrived until the writer takes one.
//
// Thread: used on the io_context's thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>

namespace feedd {

class ParseGate {
 public:
  explicit ParseGate(std::size_t ahead) : ahead_(ahead == 0 ? 1 : ahead) {}

  // Runs `start` now when fewer than `ahead` parses are ahead of the
  // writer, else later, in arrival order, from release().
  void enter(std::function<void()> start);

  // One parse's feed was taken by the writer (or the parse failed): the
  // oldest waiting one starts.
  void release();

  std::size_t waiting() const { return waiting_.size(); }

 private:
  std::size_t ahead_;
  std::size_t running_ = 0;
  std::deque<std::function<void()>> waiting_;
};

// How many polls may be active at once: the fetch limits when the writer
// keeps up, fewer when fetched bodies queue at the gate. Every poll started
// holds its body until the writer takes it, so a pass whose writer is the
// slower side would otherwise hold fetch.concurrency bodies for its whole
// length (about 200 KiB each for a 30-entry feed) and gain nothing by it.
// It starts with a few and grows by two each time a poll ends with nothing
// waiting at the gate, so a pass of 304s reaches the limits after the first
// few answers.
class PollWindow {
 public:
  PollWindow(std::size_t first, std::size_t most) : most_(most), size_(first < most ? first : most) {}
  std::size_t size() const { return size_; }
  void set_most(std::size_t most);
  // A poll ended while `queued` fetched bodies waited at the gate.
  void poll_ended(std::size_t queued);

 private:
  std::size_t most_;
  std::size_t size_;
};

}  // namespace feedd
