#include "daemon/runtime/load_config.h"

#include <stdexcept>

#include <fmt/format.h>

#include "fetchers/html/element_rules.h"

namespace feedd {

config::Config load_checked_config(const std::filesystem::path& path) {
  auto config = config::load_config(path);
  for (std::size_t i = 0; i < config.sources.size(); ++i) {
    const auto& source = config.sources[i];
    try {
      parse_element_rules(source.remove);
    } catch (const std::invalid_argument& error) {
      throw config::ConfigError(path, source.line, fmt::format("sources[{}].remove", i), error.what());
    }
  }
  return config;
}

}  // namespace feedd
