#include "store/postings/prepared_run.h"

#include <functional>
#include <string_view>

#include "store/postings/run_writer.h"
#include "store/postings/search_backlog.h"
#include "store/postings/statement.h"

namespace feedd::postings {
namespace {

// In-process only: compares what was read with what is there now.
std::uint64_t text_hash(std::string_view text) { return std::hash<std::string_view>{}(text) ^ text.size(); }

}  // namespace

PreparedRun prepare_search_run(sqlite3* db, std::int64_t after_id, int max_rows) {
  PreparedRun run;
  PostingBatch batch;
  auto backlog = backlog_rows(db);
  backlog.bind(1, after_id).bind(2, std::int64_t{max_rows});
  while (backlog.step()) {
    const std::string_view text = backlog.column_text(1);
    run.ids.push_back(backlog.column_int(0));
    run.text_hashes.push_back(text_hash(text));
    batch.add(run.ids.back(), text);
  }
  run.chunks = encode_run(batch);
  return run;
}

int write_search_run(sqlite3* db, PreparedRun& run) {
  if (run.ids.empty()) return 0;
  auto current = backlog_text(db);
  for (std::size_t i = 0; i < run.ids.size(); ++i) {
    current.bind(1, run.ids[i]);
    const bool same = current.step() && text_hash(current.column_text(0)) == run.text_hashes[i];
    current.reset();
    if (!same) return 0;
  }
  return write_run(db, run.chunks, run.ids);
}

}  // namespace feedd::postings
