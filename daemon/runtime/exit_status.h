// How feedd's process ends. The commands return these, and the runtime
// decides some of them itself (the store cannot be opened, another feedd
// holds its lock), so they live here, below the command line.
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

}  // namespace feedd
