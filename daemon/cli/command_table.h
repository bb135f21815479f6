// The shape of feedd's command table (the table itself is commands() in
// daemon/cli/cli.cpp). The parser, `--help`, feedd(1) and the bash completion are
// all written from it, so none of them can list a command or option the
// others do not.
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace feedd {

// One line under NAME in feedd(1) and at the top of `feedd --help`.
inline constexpr std::string_view program_summary =
    "polls RSS/Atom feeds and writes them as Jekyll posts and a SQLite archive";

struct OptionSpec {
  std::string_view name;        // "--config"; a name without a leading '-' ("FILE...") is the operand
  std::string_view short_name;  // "-c" or ""
  std::string_view value_name;  // "FILE", or "" for a flag
  std::string_view help;
};

struct ParsedArgs {
  std::map<std::string_view, std::string> values;  // by long name; flags map to ""
  std::vector<std::string> operands;  // the other words, for a command with an operand spec
  bool has(std::string_view name) const { return values.contains(name); }
};

struct CommandSpec {
  std::string_view name;
  std::string_view summary;
  std::string_view description;
  std::vector<OptionSpec> options;
  int (*run)(const ParsedArgs&);
};

// Commands run_cli answers itself, before the table; listed with the others.
struct BuiltinCommand {
  std::string_view name;
  std::string_view summary;
};
inline constexpr std::array<BuiltinCommand, 2> builtin_commands{{
    {"version", "print the version"},
    {"help", "show help for a command"},
}};

}  // namespace feedd
