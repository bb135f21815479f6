#include "daemon/runtime/writable_store.h"

#include <exception>
#include <string>

#include <spdlog/spdlog.h>

#include "daemon/runtime/exit_status.h"
#include "store/media/media_view.h"
#include "store/versions/update_rule.h"

namespace feedd {

namespace {

UpdateRule update_rule_of(const config::Source& source) {
  UpdateRule rule;
  rule.shrink_limit = source.shrink_limit;
  switch (source.update) {
    case config::UpdateMode::latest: rule.mode = UpdateMode::latest; break;
    case config::UpdateMode::first: rule.mode = UpdateMode::first; break;
    case config::UpdateMode::never_shrink: rule.mode = UpdateMode::never_shrink; break;
  }
  return rule;
}

}  // namespace

std::vector<SourcePresentation> presentations_of(const config::Config& config) {
  std::vector<SourcePresentation> result;
  for (const auto& source : config.sources) {
    result.push_back({source.name, source.tags, source.categories, update_rule_of(source), source.removed_notice});
  }
  return result;
}

std::optional<WritableStore> open_writable_store(const config::Config& config, int& exit_status) {
  const auto lock_path = config.storage.database.string() + ".lock";
  try {
    std::string holder;
    auto lock = InstanceLock::try_acquire(lock_path, holder);
    if (!lock) {
      spdlog::error("another feedd (pid {}) is already running on {}; lock {} is held", holder.empty() ? "?" : holder,
                    config.storage.database.string(), lock_path);
      exit_status = exit_already_running;
      return std::nullopt;
    }
    auto archive =
        std::make_unique<Archive>(config.storage.database, config.storage.posts_dir, presentations_of(config));
    media::show_local_media(*archive, config.storage.media_url);
    if (const int swept = archive->sweep_temp_files(); swept > 0) {
      spdlog::warn("removed {} temporary file(s) left in {} by an interrupted run", swept,
                   config.storage.posts_dir.string());
    }
    const auto repair = archive->repair_pending_posts();
    if (repair.written > 0) spdlog::info("wrote {} post(s) that an earlier run could not write", repair.written);
    if (repair.already_in_place > 0) {
      spdlog::info("{} post(s) an interrupted run had written were in place, as stored", repair.already_in_place);
    }
    return WritableStore{std::move(*lock), std::move(archive)};
  } catch (const std::exception& error) {
    spdlog::error("store: {}", error.what());
    exit_status = exit_store;
    return std::nullopt;
  }
}

void prune_old_poll_records(Archive& archive, std::int64_t before_ms) {
  try {
    if (const auto pruned = archive.prune_fetch_history(before_ms); pruned > 0) {
      spdlog::info("deleted {} poll record(s) older than [storage] fetch_history", pruned);
    }
  } catch (const std::exception& error) {
    spdlog::warn("old poll records not deleted, will retry: {}", error.what());
  }
}

}  // namespace feedd
