// Bash completion for feedd, written from the command table so it offers
// exactly the commands and options the parser accepts. The build runs
// `feedd completion bash` and installs the output as
// share/bash-completion/completions/feedd.
#pragma once

#include <span>
#include <string>

#include "daemon/cli/command_table.h"

namespace feedd {

// A script defining _feedd and `complete -F _feedd feedd`. It needs bash only,
// not the bash-completion package's helpers: the first word completes to a
// command, later words to that command's long options; an option's value to
// file names when its value name is FILE or PATH (folders for DIR), to nothing
// otherwise; operands (FILE...) to file names.
std::string bash_completion(std::span<const CommandSpec> commands);

}  // namespace feedd
