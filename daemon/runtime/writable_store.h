// The store as the commands that ingest open it: locked for this process,
// temporary files of an interrupted run swept, pending posts written.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/runtime/instance_lock.h"
#include "store/archive.h"

namespace feedd {

struct WritableStore {
  InstanceLock lock;
  std::unique_ptr<Archive> archive;
};

// How each configured source presents itself in its posts.
std::vector<SourcePresentation> presentations_of(const config::Config& config);

// On failure logs why and sets `exit_status` (exit_already_running or
// exit_store from daemon/runtime/exit_status.h).
std::optional<WritableStore> open_writable_store(const config::Config& config, int& exit_status);

// Deletes the records of polls started before `before_ms` ([storage]
// fetch_history) and logs how many; a failure is logged and left for the
// next turn.
void prune_old_poll_records(Archive& archive, std::int64_t before_ms);

}  // namespace feedd
