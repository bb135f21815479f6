// feedd poll [NAME…]: poll sources now. With `feedd run` up, the daemon
// polls them (its schedule goes on from the outcome) and the command prints
// each source's result; with no daemon, the command polls them itself, once,
// as `feedd once` would.
#pragma once

#include <string>
#include <vector>

#include "daemon/cli/commands/commands.h"

namespace feedd {

// `names` empty: every enabled source. Exit statuses as for `once`.
int command_poll(const CommandContext& context, const std::vector<std::string>& names);

}  // namespace feedd
