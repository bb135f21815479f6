// Progress of a long command (rebuild, reprocess). On a terminal: one line
// redrawn in place with a bar, items done/total, rate and time left. Anywhere
// else (a log, a pipe, journald): a plain line every few seconds and one at
// the end, so the output stays readable as text.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>

namespace feedd {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::FILE* out = stderr;
    bool terminal = false;  // redraw in place; else plain lines
    int columns = 80;       // terminal width, for the bar
    std::chrono::milliseconds redraw_every{100};
    std::chrono::milliseconds line_every{5000};  // plain lines
    std::function<Clock::time_point()> now = [] { return Clock::now(); };
  };

  // Options for `out` as it is: a terminal or not, and its width.
  static Options options_for(std::FILE* out);

  // `label` starts each line ("rebuild"); `total` is the number of items.
  Progress(std::string label, std::size_t total, Options options);
  ~Progress();  // finish() if it has not run
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::size_t items = 1);
  // Prints the final state ("rebuild: 100/100 in 2.1s"); idempotent.
  void finish();

  // "1234/5000  812/s  ETA 0:05" for the current state: what both forms show.
  std::string status() const;

 private:
  void draw_line();
  void print_plain_line();

  std::string label_;
  std::size_t total_;
  std::size_t done_ = 0;
  Options options_;
  Clock::time_point started_;
  Clock::time_point last_output_;
  bool finished_ = false;
};

}  // namespace feedd
