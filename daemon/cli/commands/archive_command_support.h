// What the archive commands share: loading the config, opening the store
// (locked when they write posts), reading dates and numbers from options,
// and turning a failure into one "feedd COMMAND: problem" line and an exit
// status.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "daemon/runtime/writable_store.h"
#include "daemon/cli/commands/archive_commands.h"
#include "daemon/runtime/instance_lock.h"
#include "store/archive.h"

namespace feedd {

// A problem a command stops on, with the exit status it means.
class CommandFailure : public std::runtime_error {
 public:
  CommandFailure(int status, const std::string& problem) : std::runtime_error(problem), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

// Runs `body`; an exception becomes "feedd NAME: what" on stderr and an exit
// status (bad input 2, store 3).
int run_reporting(std::string_view name, const std::function<int()>& body);

// Throws CommandFailure(exit_usage) with the config's own FILE:LINE message.
config::Config load_config_for(const ArchiveCommandOptions& options);

// For commands that only read: a store that does not exist yet is reported,
// not created. Throws CommandFailure(exit_store).
void require_existing_store(const config::Config& config);

// The lock `feedd run` and `once` hold, so posts are never written by two
// processes at once. Throws CommandFailure(exit_already_running).
InstanceLock lock_store(const config::Config& config);

// The configured source named `name`, if any.
const config::Source* configured_source(const config::Config& config, std::string_view name);

// --now, else the system clock. Throws CommandFailure(exit_usage).
std::int64_t now_ms_of(const ArchiveCommandOptions& options);

// "2021-04-17" (a UTC day: its start, or with `end_of_day` the start of the
// next day) or an RFC 3339 instant. Throws CommandFailure(exit_usage) naming
// `option`.
std::int64_t parse_date_option(std::string_view option, const std::string& text, bool end_of_day);

// A positive integer no larger than `max`. Throws CommandFailure(exit_usage).
int parse_count_option(std::string_view option, const std::string& text, int max);

// "2021-04-17 02:56" in UTC, for people.
std::string format_minute(std::int64_t unix_ms);
// "2021-04-17", UTC.
std::string format_day(std::int64_t unix_ms);

}  // namespace feedd
