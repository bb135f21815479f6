#include "daemon/runtime/load_config.h"

#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "fetchers/html/element_rules.h"
#include "fetchers/http/url.h"

namespace feedd {

namespace {

// Two sources polling one feed would fetch it twice and race for its entries;
// URLs are compared as feedd identifies links (host case, default port,
// fragment and tracking parameters do not make a URL different).
void reject_duplicate_urls(const std::filesystem::path& path, const config::Config& config) {
  std::map<std::string, std::size_t> first_with;
  for (std::size_t i = 0; i < config.sources.size(); ++i) {
    const auto& url = config.sources[i].url;
    const std::string key = url::canonical(url).value_or(url);
    const auto [first, inserted] = first_with.emplace(key, i);
    if (inserted) continue;
    const std::string dotted = fmt::format("sources[{}].url", i);
    const auto& other = config.sources[first->second];
    throw config::ConfigError(path, config.line_of(dotted), dotted,
                              fmt::format("the same feed as source \"{}\" (line {}): \"{}\"", other.name,
                                          config.line_of(fmt::format("sources[{}].url", first->second)), url));
  }
}

}  // namespace

config::Config load_checked_config(const std::filesystem::path& path) {
  auto config = config::load_config(path);
  reject_duplicate_urls(path, config);
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
