// feedd's command line: one table of commands and options, from which the
// parser, `--help` and the usage text are all derived, so they cannot drift.
#pragma once

namespace feedd {

int run_cli(int argc, char** argv);

}  // namespace feedd
