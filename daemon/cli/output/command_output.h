// Where a command's words go, so one body serves both places a command runs:
// here, printing to stdout and stderr with a progress display, or on the
// running daemon for a client, sending them over the control socket
// (daemon/cli/commands/run/admin_service.cpp).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace feedd {

class CommandOutput {
 public:
  virtual ~CommandOutput() = default;
  virtual void out(const std::string& text) = 0;  // data and summaries
  virtual void err(const std::string& text) = 0;  // problems, one line each
  virtual void progress_start(const std::string& label, std::size_t total) = 0;
  virtual void progress_advance(std::size_t items) = 0;
  virtual void progress_finish() = 0;
};

// stdout, stderr and daemon/cli/output/progress.h.
std::unique_ptr<CommandOutput> local_output();

}  // namespace feedd
