// `feedd run`: the long-running daemon. One io_context drives the scheduler,
// the HTTP transfers, signals (SIGHUP reload, SIGTERM/SIGINT graceful stop)
// and the systemd watchdog.
#pragma once

#include "daemon/cli/commands/commands.h"

namespace feedd {

int command_run(const CommandContext& context);

}  // namespace feedd
