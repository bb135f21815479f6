#include "store/media/media_report.h"

namespace feedd::media {

MediaTotals media_totals(Store& store) {
  MediaTotals totals;
  auto files = store.database().prepare("SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM media_files");
  files.step();
  totals.files = files.column_int(0);
  totals.bytes = files.column_int(1);
  auto waiting = store.database().prepare("SELECT COUNT(*) FROM media_downloads WHERE state = 'waiting'");
  waiting.step();
  totals.waiting = waiting.column_int(0);
  return totals;
}

std::vector<std::string> missing_media_files(Store& store, const std::filesystem::path& media_dir) {
  auto query = store.database().prepare("SELECT name FROM media_files ORDER BY name");
  std::vector<std::string> missing;
  while (query.step()) {
    std::string name = query.column_text(0);
    std::error_code error;
    if (!std::filesystem::is_regular_file(media_dir / name, error)) missing.push_back(std::move(name));
  }
  return missing;
}

}  // namespace feedd::media
