#include "daemon/cli/output/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "daemon/cli/output/terminal.h"

namespace feedd {
namespace {

// "0:05", "12:34", "1:02:03"
std::string clock_time(double seconds) {
  const auto total = static_cast<long long>(std::llround(std::max(seconds, 0.0)));
  if (total >= 3600) return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
  return fmt::format("{}:{:02}", total / 60, total % 60);
}

}  // namespace

Progress::Options Progress::options_for(std::FILE* out) {
  Options options;
  options.out = out;
  const int fd = ::fileno(out);
  options.terminal = fd >= 0 && ::isatty(fd) == 1;
  if (options.terminal) options.columns = std::max(terminal_columns(fd), 20);
  return options;
}

Progress::Progress(std::string label, std::size_t total, Options options)
    : label_(std::move(label)), total_(total), options_(std::move(options)) {
  started_ = options_.now();
  last_output_ = started_;
}

Progress::~Progress() { finish(); }

std::string Progress::status() const {
  const double elapsed = std::chrono::duration<double>(options_.now() - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  std::string text = fmt::format("{}/{}", done_, total_);
  if (rate > 0) {
    text += fmt::format("  {:.0f}/s", rate);
    if (done_ < total_) text += "  ETA " + clock_time(static_cast<double>(total_ - done_) / rate);
  }
  return text;
}

void Progress::advance(std::size_t items) {
  done_ += items;
  const auto now = options_.now();
  const auto interval = options_.terminal ? options_.redraw_every : options_.line_every;
  if (now - last_output_ < interval) return;
  last_output_ = now;
  if (options_.terminal) {
    draw_line();
  } else {
    print_plain_line();
  }
}

void Progress::draw_line() {
  const std::string tail = " " + status();
  const int room = options_.columns - display_width(label_) - display_width(tail) - 4;
  std::string bar;
  if (room >= 10) {
    const int width = std::min(room, 40);
    const double fraction = total_ == 0 ? 1.0 : static_cast<double>(done_) / static_cast<double>(total_);
    const int filled = static_cast<int>(fraction * width);
    bar = " [" + std::string(static_cast<std::size_t>(filled), '#') +
          std::string(static_cast<std::size_t>(width - filled), ' ') + "]";
  }
  // \r and "erase to end of line": the line is redrawn in place.
  fmt::print(options_.out, "\r\x1b[K{}{}{}", label_, bar, tail);
  std::fflush(options_.out);
}

void Progress::print_plain_line() {
  const int percent = total_ == 0 ? 100 : static_cast<int>(100 * done_ / total_);
  fmt::print(options_.out, "{}: {} ({}%)\n", label_, status(), percent);
  std::fflush(options_.out);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  const double elapsed = std::chrono::duration<double>(options_.now() - started_).count();
  // The bar gives way to the summary line.
  if (options_.terminal) fmt::print(options_.out, "\r\x1b[K");
  fmt::print(options_.out, "{}: {}/{} in {:.1f}s\n", label_, done_, total_, elapsed);
  std::fflush(options_.out);
}

}  // namespace feedd
