// The publish hook: after batches that wrote posts, runs the operator's
// command (an argv list, never a shell string) with the written paths on its
// stdin (one per line) and in FEEDD_POSTS, "{count}" in any argument replaced
// by their number. At most one run at a time and one per min_interval. The
// command runs in a process group of its own, and a run longer than
// `timeout` is stopped as a group: a hung `git push` it started must not
// outlive it (nor keep feedd's stdout open). A failed run is logged and its
// paths are offered again with the next batch; the owner keeps them in the
// store (store/lists/unpublished.h) so a later process offers them too.
// Everything is asynchronous on the io_context: publishing never holds up
// ingestion.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

namespace feedd {

struct PublishSettings {
  std::vector<std::string> command;  // empty: publishing is off
  std::chrono::milliseconds min_interval{60000};
  std::chrono::milliseconds timeout{120000};
};

class Publisher {
 public:
  Publisher(boost::asio::io_context& io, PublishSettings settings);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  void reconfigure(PublishSettings settings);
  // Called on the io_context's thread with the paths of each successful run.
  using Published = std::function<void(const std::vector<std::filesystem::path>&)>;
  void on_published(Published callback) { on_published_ = std::move(callback); }
  bool enabled() const { return !settings_.command.empty(); }
  // Posts a batch wrote; a run starts as soon as the rules allow.
  void add(const std::vector<std::filesystem::path>& written);
  // Runs now for whatever is pending, ignoring min_interval (at shutdown and
  // at the end of `once`).
  void flush();
  bool idle() const { return child_ < 0 && !delay_armed_; }
  std::size_t pending() const { return pending_.size(); }

 private:
  void maybe_start(bool ignore_interval);
  void start();
  void on_child_signal();
  void finished(int status);
  void signal_group(int signal_number) const;

  boost::asio::io_context& io_;
  PublishSettings settings_;
  Published on_published_;
  std::set<std::filesystem::path> pending_;
  std::vector<std::filesystem::path> running_paths_;
  pid_t child_ = -1;
  std::chrono::steady_clock::time_point last_start_{};
  bool delay_armed_ = false;
  bool escalated_ = false;
  boost::asio::steady_timer delay_;
  boost::asio::steady_timer deadline_;
  std::unique_ptr<boost::asio::signal_set> child_signals_;
};

}  // namespace feedd
