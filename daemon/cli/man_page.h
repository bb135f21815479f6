// feedd(1) and feedd.toml(5) as roff, written from the command table
// (daemon/cli/command_table.h) and the config reference (config/reference.h).
// The build runs `feedd help --man` and `feedd help --man-config` and installs
// the output, so the pages say what `--help` and the loader do.
#pragma once

#include <span>
#include <string>

#include "daemon/cli/command_table.h"

namespace feedd {

// feedd(1): NAME, SYNOPSIS, DESCRIPTION, COMMANDS (the table's commands, then
// the built-in ones), EXIT STATUS, FILES, ENVIRONMENT, SIGNALS, SEE ALSO.
std::string program_man_page(std::span<const CommandSpec> commands);

// feedd.toml(5): every section and key of the config reference, with type,
// default and meaning.
std::string config_man_page();

// Text made safe for a roff text line: backslashes, a leading '.' or '\'',
// option dashes as \- (so they copy as ASCII hyphen-minus), `code` in bold,
// and non-ASCII characters as \[uXXXX]. Lines stay lines; blank lines become
// paragraph breaks.
std::string roff_text(std::string_view text);

}  // namespace feedd
