// Log output that suits where feedd runs: under systemd every line carries
// a <N> priority prefix and no timestamp (journald adds its own); on a
// terminal, timestamps and colour; otherwise timestamps, no colour.
#pragma once

namespace feedd {

enum class Verbosity { quiet, normal, verbose };

void setup_logging(Verbosity verbosity);

// True when stderr is connected to the journal (systemd sets JOURNAL_STREAM
// to stderr's device:inode).
bool stderr_is_journal();

}  // namespace feedd
