#include "daemon/cli.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "daemon/commands.h"
#include "fetchers/dates.h"

namespace feedd {
namespace {

constexpr std::string_view default_config_path = "/etc/feedd/feedd.toml";

struct OptionSpec {
  std::string_view name;        // "--config"
  std::string_view short_name;  // "-c" or ""
  std::string_view value_name;  // "FILE", or "" for a flag
  std::string_view help;
};

struct ParsedArgs {
  std::map<std::string_view, std::string> values;  // by long name; flags map to ""
  bool has(std::string_view name) const { return values.contains(name); }
};

struct CommandSpec {
  std::string_view name;
  std::string_view summary;
  std::string_view description;
  std::vector<OptionSpec> options;
  int (*run)(const ParsedArgs&);
};

const OptionSpec config_option{"--config", "-c", "FILE",
                               "config file (default: $FEEDD_CONFIG, else /etc/feedd/feedd.toml)"};
const OptionSpec verbose_option{"--verbose", "-v", "", "log debug detail"};
const OptionSpec quiet_option{"--quiet", "-q", "", "log warnings and errors only"};
const OptionSpec help_option{"--help", "-h", "", "show this help"};

Verbosity verbosity_of(const ParsedArgs& args) {
  if (args.has("--verbose")) return Verbosity::verbose;
  if (args.has("--quiet")) return Verbosity::quiet;
  return Verbosity::normal;
}

std::filesystem::path config_path_of(const ParsedArgs& args) {
  if (auto found = args.values.find("--config"); found != args.values.end()) return found->second;
  if (const char* env = std::getenv("FEEDD_CONFIG"); env != nullptr && *env != '\0') return env;
  return std::string(default_config_path);
}

int run_once(const ParsedArgs& args) {
  CommandContext context{config_path_of(args), verbosity_of(args), std::nullopt};
  if (auto now = args.values.find("--now"); now != args.values.end()) {
    context.now_ms = dates::parse_rfc3339(now->second);
    if (!context.now_ms) {
      fmt::print(stderr, "feedd once: --now: not an RFC 3339 instant: \"{}\" (example: 2021-04-17T02:56:40.156Z)\n",
                 now->second);
      return exit_usage;
    }
  }
  return command_once(context);
}

int run_check(const ParsedArgs& args) {
  return command_check(CommandContext{config_path_of(args), verbosity_of(args), std::nullopt});
}

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> table = {
      {"once", "poll every enabled source once, write posts and rows, exit",
       "Fetches every enabled source concurrently, parses each feed, writes a Jekyll post for every new or\n"
       "updated entry and records everything in the SQLite store. One line per source is logged.\n"
       "Exit status: 0 all sources fine, 1 at least one source failed (the others are still stored),\n"
       "2 bad command line or config, 3 the store cannot be opened.",
       {config_option,
        {"--now", "", "RFC3339", "pin the clock to this instant (for tests and reproducible runs)"},
        verbose_option, quiet_option, help_option},
       run_once},
      {"check", "validate the config and print its sources",
       "Loads the config exactly as `once` would and prints the sources it defines. An invalid config is\n"
       "reported as FILE:LINE: KEY: PROBLEM and the exit status is 2.",
       {config_option, help_option},
       run_check},
  };
  return table;
}

void print_main_help(std::FILE* out) {
  fmt::print(out,
             "feedd {} - polls RSS/Atom feeds and writes them as Jekyll posts and a SQLite archive\n\n"
             "Usage: feedd <command> [options]\n\nCommands:\n",
             FEEDD_VERSION);
  for (const auto& command : commands()) fmt::print(out, "  {:<9} {}\n", command.name, command.summary);
  fmt::print(out, "  {:<9} {}\n  {:<9} {}\n", "version", "print the version", "help", "show help for a command");
  fmt::print(out, "\nRun 'feedd <command> --help' for a command's options.\n");
}

void print_command_help(const CommandSpec& command, std::FILE* out) {
  fmt::print(out, "Usage: feedd {} [options]\n\n{}\n\nOptions:\n", command.name, command.description);
  for (const auto& option : command.options) {
    std::string left = option.short_name.empty() ? fmt::format("    {}", option.name)
                                                 : fmt::format("{}, {}", option.short_name, option.name);
    if (!option.value_name.empty()) left += fmt::format(" {}", option.value_name);
    fmt::print(out, "  {:<22} {}\n", left, option.help);
  }
}

const OptionSpec* find_option(const CommandSpec& command, std::string_view word) {
  for (const auto& option : command.options) {
    if (word == option.name || (!option.short_name.empty() && word == option.short_name)) return &option;
  }
  return nullptr;
}

// Accepts "--name value", "--name=value" and "-n value".
std::optional<ParsedArgs> parse_options(const CommandSpec& command, std::span<char*> words) {
  ParsedArgs args;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string_view word = words[i];
    std::optional<std::string> inline_value;
    if (auto equals = word.find('='); word.starts_with("--") && equals != std::string_view::npos) {
      inline_value = std::string(word.substr(equals + 1));
      word = word.substr(0, equals);
    }
    const OptionSpec* option = find_option(command, word);
    if (option == nullptr) {
      fmt::print(stderr, "feedd {}: unknown option or argument \"{}\"; see 'feedd {} --help'\n", command.name,
                 words[i], command.name);
      return std::nullopt;
    }
    if (option->value_name.empty()) {
      args.values[option->name] = "";
    } else if (inline_value) {
      args.values[option->name] = *inline_value;
    } else if (i + 1 < words.size()) {
      args.values[option->name] = words[++i];
    } else {
      fmt::print(stderr, "feedd {}: {} needs a value ({})\n", command.name, option->name, option->value_name);
      return std::nullopt;
    }
  }
  return args;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& command : commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

int help_for(std::span<char*> rest) {
  if (rest.empty()) {
    print_main_help(stdout);
    return exit_ok;
  }
  if (const auto* command = find_command(rest[0])) {
    print_command_help(*command, stdout);
    return exit_ok;
  }
  fmt::print(stderr, "feedd help: unknown command \"{}\"\n", rest[0]);
  return exit_usage;
}

}  // namespace

int run_cli(int argc, char** argv) {
  std::span<char*> words(argv + 1, static_cast<std::size_t>(std::max(argc - 1, 0)));
  if (words.empty()) {
    print_main_help(stderr);
    return exit_usage;
  }
  const std::string_view name = words[0];
  if (name == "--help" || name == "-h" || name == "help") return help_for(words.subspan(1));
  if (name == "--version" || name == "version") {
    fmt::print("feedd {}\n", FEEDD_VERSION);
    return exit_ok;
  }
  const CommandSpec* command = find_command(name);
  if (command == nullptr) {
    fmt::print(stderr, "feedd: unknown command \"{}\"\n\n", name);
    print_main_help(stderr);
    return exit_usage;
  }
  const auto args = parse_options(*command, words.subspan(1));
  if (!args) return exit_usage;
  if (args->has("--help")) {
    print_command_help(*command, stdout);
    return exit_ok;
  }
  return command->run(*args);
}

}  // namespace feedd
