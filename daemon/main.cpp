#include "daemon/cli/cli.h"

int main(int argc, char** argv) { return feedd::run_cli(argc, argv); }
