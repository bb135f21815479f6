#include "daemon/cli/output/command_output.h"

#include <cstdio>
#include <optional>

#include <fmt/format.h>

#include "daemon/cli/output/progress.h"

namespace feedd {
namespace {

class LocalOutput : public CommandOutput {
 public:
  void out(const std::string& text) override { fmt::print("{}", text); }
  void err(const std::string& text) override { fmt::print(stderr, "{}", text); }
  void progress_start(const std::string& label, std::size_t total) override {
    std::fflush(stdout);
    progress_.emplace(label, total, Progress::options_for(stderr));
  }
  void progress_advance(std::size_t items) override {
    if (progress_) progress_->advance(items);
  }
  void progress_finish() override { progress_.reset(); }

 private:
  std::optional<Progress> progress_;
};

}  // namespace

std::unique_ptr<CommandOutput> local_output() { return std::make_unique<LocalOutput>(); }

}  // namespace feedd
