// rebuild, reprocess and forget as jobs cut into slices (a page of rows, or
// one entry), so the same code runs in the command's own process (holding the
// store's lock) and on a running daemon's writer thread, where polls' writes
// take turns with the slices and no two writers ever touch the store or the
// posts folder at once.
#pragma once

#include <exception>
#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "daemon/cli/commands/archive_commands.h"
#include "daemon/cli/output/command_output.h"
#include "store/archive.h"

namespace feedd {

class AdminJob {
 public:
  virtual ~AdminJob() = default;
  // Does the next slice; false when nothing is left.
  virtual bool step(Archive& archive) = 0;
  // Prints the summary; returns the exit status.
  virtual int finish(Archive& archive) = 0;
};

// Where the job runs: the daemon indexes changed rows for search in slices
// of their own; a command by itself catches the index up before it exits.
enum class JobPlace { own_process, daemon };

// `command` is "rebuild", "reprocess" or "forget". Checks the options against
// the store (an unknown source or URL throws CommandFailure(exit_usage)).
// `config` and `output` must outlive the job.
std::unique_ptr<AdminJob> make_admin_job(std::string_view command, Archive& archive, const config::Config& config,
                                         const ArchiveCommandOptions& options, CommandOutput& output,
                                         JobPlace place);

// What a job's slice threw, told to `output` as "feedd COMMAND: problem";
// returns the exit status it means (a bad option's or a lock's own status,
// else the store's), as a command by itself reports it.
int report_job_failure(std::string_view command, const std::exception& error, CommandOutput& output);

// The request that asks a daemon to run `command` with `options`, and back.
nlohmann::json admin_request(std::string_view command, const ArchiveCommandOptions& options);
ArchiveCommandOptions admin_options(const nlohmann::json& request);

}  // namespace feedd
