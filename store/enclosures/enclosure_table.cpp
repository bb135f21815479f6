#include "store/enclosures/enclosure_table.h"

#include <algorithm>

#include "store/sqlite.h"

namespace feedd::enclosures {

void record_enclosures(Store& store, std::span<const IncomingEntry> entries) {
  // Most polls of most feeds list none: no transaction for them.
  const bool any = std::any_of(entries.begin(), entries.end(),
                               [](const IncomingEntry& entry) { return !entry.enclosures.empty(); });
  if (!any) return;
  sqlite::Database& db = store.database();
  sqlite::Transaction transaction(db);
  auto clear = db.prepare("DELETE FROM entry_enclosures WHERE entry_id = ?1");
  auto insert =
      db.prepare("INSERT INTO entry_enclosures (entry_id, position, url, type, length) VALUES (?1, ?2, ?3, ?4, ?5)");
  for (const IncomingEntry& entry : entries) {
    if (entry.enclosures.empty()) continue;
    const auto row = store.find_entry(entry.identity);
    if (!row) continue;
    clear.bind(1, row->id).run();
    std::int64_t position = 0;
    for (const EnclosureRecord& enclosure : entry.enclosures) {
      insert.bind(1, row->id).bind(2, position++).bind(3, enclosure.url).bind(4, enclosure.type);
      insert.bind(5, enclosure.length).run();
    }
  }
  transaction.commit();
}

std::vector<EnclosureRecord> enclosures_of(Store& store, std::int64_t entry_id) {
  auto query = store.database().prepare(
      "SELECT url, type, length FROM entry_enclosures WHERE entry_id = ?1 ORDER BY position");
  query.bind(1, entry_id);
  std::vector<EnclosureRecord> enclosures;
  while (query.step()) {
    enclosures.push_back({query.column_text(0), query.column_text(1), query.column_optional_int(2)});
  }
  return enclosures;
}

bool is_enclosure(Store& store, const std::string& url) {
  auto query = store.database().prepare("SELECT 1 FROM entry_enclosures WHERE url = ?1 LIMIT 1");
  query.bind(1, url);
  return query.step();
}

}  // namespace feedd::enclosures
