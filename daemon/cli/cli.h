// feedd's command line: one table of commands and options, from which the
// parser, `--help` and the usage text are all derived, so they cannot drift.
#pragma once

namespace feedd {

// Exit statuses, stable for scripts.
enum ExitStatus : int {
  exit_ok = 0,
  exit_source_failed = 1,  // at least one source could not be fetched or stored
  exit_usage = 2,          // bad command line or config
  exit_store = 3,          // the database or posts folder cannot be used
  exit_already_running = 4,  // another feedd holds this store's lock
};

int run_cli(int argc, char** argv);

}  // namespace feedd
