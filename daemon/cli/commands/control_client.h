// The command-line side of the control socket (daemon/runtime/control_socket.h):
// hands a request to the `feedd run` on this store and shows its answer, or
// says that no daemon is there so the command can run by itself.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "daemon/cli/output/command_output.h"
#include "daemon/runtime/instance_lock.h"

namespace feedd {

// Sends `request` to the daemon of `config`'s store and passes what it says
// to `output` ({"out"}, {"err"}, progress) and every other message to
// `on_message`. Returns the daemon's exit status, or nullopt when no daemon
// listens there (no socket, or nobody behind it). A daemon that hangs up
// before it is done is exit_store with a message.
std::optional<int> ask_daemon(const config::Config& config, const nlohmann::json& request, CommandOutput& output,
                              const std::function<void(const nlohmann::json&)>& on_message = {});

// For a command that writes to the store: either the daemon ran `request`
// (`daemon_status`), or this process now holds the store's lock and runs it
// itself. While another process holds the lock without answering on the
// socket (a daemon still starting, or `feedd once`), waits a few seconds,
// then throws CommandFailure(exit_already_running).
struct DaemonOrLock {
  std::optional<int> daemon_status;
  std::optional<InstanceLock> lock;
};
DaemonOrLock hand_to_daemon_or_lock(const config::Config& config, const nlohmann::json& request,
                                    CommandOutput& output);

}  // namespace feedd
