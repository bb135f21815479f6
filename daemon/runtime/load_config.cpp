#include "daemon/runtime/load_config.h"

#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "fetchers/article/article.h"
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

// Selectors are read by fetchers/article, so their syntax is checked here,
// against that reader, naming the key as the loader would.
void check_selector(const std::filesystem::path& path, const config::Config& config, const std::string& key,
                    const std::string& selector, int fallback_line) {
  if (selector.empty()) return;
  try {
    article::check_selector(selector);
  } catch (const std::invalid_argument& error) {
    const int line = config.line_of(key);
    throw config::ConfigError(path, line != 0 ? line : fallback_line, key, error.what());
  }
}

void check_full_text(const std::filesystem::path& path, const config::Config& config, const std::string& key,
                     const config::FullText& full_text, int fallback_line) {
  check_selector(path, config, key + ".selector", full_text.selector, fallback_line);
  for (std::size_t i = 0; i < full_text.remove.size(); ++i) {
    check_selector(path, config, fmt::format("{}.remove[{}]", key, i), full_text.remove[i],
                   config.line_of(key + ".remove") != 0 ? config.line_of(key + ".remove") : fallback_line);
  }
}

void check_listing(const std::filesystem::path& path, const config::Config& config, std::size_t index) {
  const auto& source = config.sources[index];
  if (source.kind != config::SourceKind::html) return;
  const std::string key = fmt::format("sources[{}].html", index);
  const std::pair<const char*, const std::string*> selectors[] = {{"item", &source.html.item},
                                                                  {"link", &source.html.link},
                                                                  {"title", &source.html.title},
                                                                  {"date", &source.html.date},
                                                                  {"summary", &source.html.summary}};
  for (const auto& [name, selector] : selectors) {
    check_selector(path, config, fmt::format("{}.{}", key, name), *selector, source.line);
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
    // A source's own full_text is checked where it is written; one it
    // inherits, where [archive] has it.
    const std::string own = fmt::format("sources[{}].full_text", i);
    if (config.line_of(own) != 0) check_full_text(path, config, own, source.full_text, source.line);
    check_listing(path, config, i);
  }
  check_full_text(path, config, "archive.full_text", config.archive.full_text, 0);
  return config;
}

}  // namespace feedd
