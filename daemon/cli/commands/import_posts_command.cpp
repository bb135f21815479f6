// feedd import-posts: adopts the posts folder the old script wrote. Every
// file is read, none is written: a post becomes a row pointing at it
// (store/adopt/post_import.h), anything else is listed with the reason.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <system_error>

#include <fmt/format.h>

#include "daemon/cli/commands/archive_command_support.h"
#include "daemon/cli/commands/archive_commands.h"
#include "daemon/cli/commands/search_catch_up.h"
#include "daemon/cli/output/progress.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/runtime/writable_store.h"
#include "store/adopt/old_post_reader.h"
#include "store/adopt/post_import.h"
#include "store/atomic_file.h"

namespace feedd {
namespace {

namespace fs = std::filesystem;

// Rows committed together: a large archive is not one huge transaction,
// and an interrupted import keeps what it did (a rerun skips it).
constexpr std::size_t files_per_transaction = 500;

struct ImportTally {
  std::size_t imported = 0;
  std::size_t known = 0;
  std::size_t forgotten = 0;
  std::vector<std::string> unreadable;  // "NAME: why"
  std::vector<std::string> duplicates;  // "NAME: …"
};

// The posts folder must be DIR: rows name files inside posts_dir, and the
// old posts stay exactly where they are.
void require_posts_dir(const fs::path& dir, const fs::path& posts_dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    throw CommandFailure(exit_usage, fmt::format("{}: not a folder{}", dir.string(),
                                                 error ? ": " + error.message() : std::string{}));
  }
  if (!fs::exists(posts_dir, error) || !fs::equivalent(dir, posts_dir, error)) {
    throw CommandFailure(exit_usage,
                         fmt::format("{} is not the configured posts folder ({}): imported posts stay where they are "
                                     "and rows name files inside storage.posts_dir; set posts_dir to {} first",
                                     dir.string(), posts_dir.string(), dir.string()));
  }
}

// The folder's entries by name, so runs list them in the same order and
// the first of several posts with one URL is always the one imported.
std::vector<fs::directory_entry> folder_entries(const fs::path& dir) {
  std::vector<fs::directory_entry> entries;
  for (const auto& item : fs::directory_iterator(dir)) {
    const std::string name = item.path().filename().string();
    // feedd's own temporary files: not posts, and not the user's.
    if (name.starts_with(AtomicBatch::temp_prefix)) continue;
    entries.push_back(item);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  return entries;
}

std::optional<std::string> not_a_post(const fs::directory_entry& item) {
  std::error_code error;
  if (item.is_directory(error)) return "a folder (not read)";
  if (!item.is_regular_file(error)) return "not a regular file";
  const auto extension = item.path().extension();
  if (extension != ".md" && extension != ".markdown" && extension != ".html") {
    return "not a post: only .md, .markdown and .html files are read";
  }
  return std::nullopt;
}

std::optional<std::string> read_bytes(const fs::path& path, std::string& problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem = fmt::format("cannot read it: {}", std::error_code(errno, std::generic_category()).message());
    return std::nullopt;
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The source a post is filed under: --source, else the author: the script
// wrote (the source's name), else its first category.
std::optional<std::string> source_of(const OldPost& post, const ArchiveCommandOptions& options) {
  if (options.source) return *options.source;
  if (!post.author.empty()) return post.author;
  if (!post.categories.empty()) return post.categories.front();
  return std::nullopt;
}

class Importer {
 public:
  Importer(Store& store, const config::Config& config, const ArchiveCommandOptions& options, std::int64_t now_ms)
      : store_(store), config_(config), options_(options), now_ms_(now_ms) {}

  void import_file(const fs::directory_entry& item, ImportTally& tally) {
    const std::string name = item.path().filename().string();
    if (auto reason = not_a_post(item)) {
      tally.unreadable.push_back(fmt::format("{}: {}", name, *reason));
      return;
    }
    std::string problem;
    const auto bytes = read_bytes(item.path(), problem);
    if (!bytes) {
      tally.unreadable.push_back(fmt::format("{}: {}", name, problem));
      return;
    }
    auto reading = read_old_post(*bytes);
    if (!reading.post) {
      tally.unreadable.push_back(fmt::format("{}: {}", name, reading.problem));
      return;
    }
    const auto source = source_of(*reading.post, options_);
    if (!source) {
      tally.unreadable.push_back(fmt::format("{}: no source: no author: or categories: (give --source NAME)", name));
      return;
    }
    const auto result = import_old_post(store_, name, *reading.post, source_id(*source), now_ms_);
    switch (result.outcome) {
      case ImportOutcome::imported: ++tally.imported; break;
      case ImportOutcome::known: ++tally.known; break;
      case ImportOutcome::forgotten: ++tally.forgotten; break;
      case ImportOutcome::duplicate:
        tally.duplicates.push_back(fmt::format("{}: same URL as {} ({}); kept, not imported", name,
                                               result.other_post, reading.post->url));
        break;
    }
  }

 private:
  // A configured source keeps its row as polling made it; a source only the
  // old posts name gets a row without a URL.
  std::int64_t source_id(const std::string& name) {
    if (auto found = ids_.find(name); found != ids_.end()) return found->second;
    const config::Source* configured = configured_source(config_, name);
    const std::int64_t id = configured != nullptr ? store_.source_id(name, configured->url) : store_.ensure_source(name);
    ids_.emplace(name, id);
    return id;
  }

  Store& store_;
  const config::Config& config_;
  const ArchiveCommandOptions& options_;
  std::int64_t now_ms_;
  std::map<std::string, std::int64_t> ids_;
};

}  // namespace

int command_import_posts(const ArchiveCommandOptions& options) {
  return run_reporting("import-posts", [&] {
    if (options.operands.size() != 1) {
      throw CommandFailure(exit_usage, "give exactly one folder: feedd import-posts DIR");
    }
    if (options.source && options.source->empty()) throw CommandFailure(exit_usage, "--source: the name is empty");
    const fs::path dir = options.operands[0];
    const auto config = load_config_for(options);
    require_posts_dir(dir, config.storage.posts_dir);
    const auto lock = lock_store(config);
    Store store(config.storage.database);
    Importer importer(store, config, options, now_ms_of(options));
    const auto entries = folder_entries(dir);
    ImportTally tally;
    {
      Progress progress("import-posts", entries.size(), Progress::options_for(stderr));
      for (std::size_t first = 0; first < entries.size(); first += files_per_transaction) {
        const std::size_t last = std::min(entries.size(), first + files_per_transaction);
        sqlite::Transaction transaction(store.database());
        for (std::size_t i = first; i < last; ++i) importer.import_file(entries[i], tally);
        transaction.commit();
        progress.advance(last - first);
      }
    }
    // The rows are committed and searchable by their text already; the
    // index makes later searches fast.
    if (const auto indexed = catch_up_search_index(store, true); !indexed.error.empty()) {
      fmt::print(stderr, "feedd import-posts: search index not brought up to date, the next run will: {}\n",
                 indexed.error);
    }
    for (const auto& line : tally.unreadable) fmt::print("unreadable, left alone: {}\n", line);
    for (const auto& line : tally.duplicates) fmt::print("duplicate: {}\n", line);
    fmt::print("import-posts: {} imported, {} already known, {} unreadable, {} duplicate(s){}\n", tally.imported,
               tally.known, tally.unreadable.size(), tally.duplicates.size(),
               tally.forgotten == 0 ? std::string{} : fmt::format(", {} forgotten (left out)", tally.forgotten));
    return tally.unreadable.empty() ? static_cast<int>(exit_ok) : static_cast<int>(exit_source_failed);
  });
}

}  // namespace feedd
