#include "daemon/cli/commands/search_catch_up.h"

#include <chrono>
#include <exception>
#include <optional>

#include "daemon/cli/output/progress.h"

namespace feedd {

SearchCatchUp catch_up_search_index(Store& store, bool show_progress) {
  SearchCatchUp result;
  const auto started = std::chrono::steady_clock::now();
  try {
    const auto backlog = static_cast<std::size_t>(store.search_backlog());
    if (backlog == 0) return result;
    std::optional<Progress> progress;
    if (show_progress) progress.emplace("search index", backlog, Progress::options_for(stderr));
    while (const int indexed = store.index_search_backlog(1000)) {
      result.indexed += static_cast<std::size_t>(indexed);
      if (progress) progress->advance(static_cast<std::size_t>(indexed));
    }
    if (progress) progress->finish();
  } catch (const std::exception& error) {
    result.error = error.what();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace feedd
