#include "daemon/cli/commands/poll_command.h"

#include <fmt/format.h>

#include "daemon/cli/commands/archive_command_support.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/cli/commands/control_client.h"

namespace feedd {
namespace {

// Names the config does not poll are refused before anything is polled.
void check_names(const config::Config& config, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const config::Source* source = configured_source(config, name);
    if (source == nullptr) {
      throw CommandFailure(exit_usage, fmt::format("no source named \"{}\" in {}", name, config.file.string()));
    }
    if (!source->enabled) {
      throw CommandFailure(exit_usage, fmt::format("source \"{}\" is disabled (enabled = false on line {} of {})",
                                                   name, source->line, config.file.string()));
    }
  }
}

}  // namespace

int command_poll(const CommandContext& context, const std::vector<std::string>& names) {
  std::optional<int> daemon_status;
  const int status = run_reporting("poll", [&] {
    ArchiveCommandOptions options;
    options.config_path = context.config_path;
    const auto config = load_config_for(options);
    check_names(config, names);
    auto output = local_output();
    auto place = hand_to_daemon_or_lock(config, nlohmann::json{{"command", "poll"}, {"sources", names}}, *output);
    daemon_status = place.daemon_status;
    return daemon_status.value_or(exit_ok);
  });
  if (daemon_status || status != exit_ok) return status;
  // The lock was free a moment ago and is released again: `once` takes it
  // for itself (a daemon starting in between makes it exit 4, saying so).
  fmt::print(stderr, "feedd poll: no feedd run is up on this store: polling {} here, once\n",
             names.empty() ? std::string("every enabled source") : fmt::format("{} source(s)", names.size()));
  return command_once(context, names);
}

}  // namespace feedd
