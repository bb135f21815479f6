#include <malloc.h>

#include "daemon/cli/cli.h"

int main(int argc, char** argv) {
  // glibc gives each thread that contends for malloc an arena of its own
  // (up to 8 per core). feedd's entries are made on the parsing threads and
  // freed on the writer, so every arena ends up holding free memory the
  // others cannot use: two arenas cut a first pass's peak RSS by ~3 MiB
  // (BENCHMARKS.md, issue 17 target 1) at no measurable cost in time.
  mallopt(M_ARENA_MAX, 2);
  return feedd::run_cli(argc, argv);
}
