#include "store/enclosures/enclosure_table.h"

#include <algorithm>

#include "store/enclosures/enclosure_history.h"
#include "store/sqlite.h"

namespace feedd::enclosures {
namespace {

bool same_lists(const std::vector<EnclosureRecord>& a, const std::vector<EnclosureRecord>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const EnclosureRecord& x, const EnclosureRecord& y) {
    return x.url == y.url && x.type == y.type && x.length == y.length;
  });
}

bool store_has_enclosures(Store& store) {
  auto query = store.database().prepare("SELECT 1 FROM entry_enclosures LIMIT 1");
  return query.step();
}

bool lists_any(std::span<const IncomingEntry> entries) {
  return std::any_of(entries.begin(), entries.end(),
                     [](const IncomingEntry& entry) { return !entry.enclosures.empty(); });
}

}  // namespace

std::map<std::int64_t, int> versions_before(Store& store, std::span<const IncomingEntry> entries) {
  std::map<std::int64_t, int> versions;
  if (entries.empty() || !store_has_enclosures(store)) return versions;
  auto query = store.database().prepare(
      "SELECT e.id, coalesce((SELECT max(v.number) FROM entry_versions v WHERE v.entry_id = e.id), 1) "
      "FROM entries e WHERE e.identity = ?1 "
      "AND EXISTS (SELECT 1 FROM entry_enclosures c WHERE c.entry_id = e.id)");
  for (const IncomingEntry& entry : entries) {
    query.bind(1, entry.identity);
    if (query.step()) versions.emplace(query.column_int(0), static_cast<int>(query.column_int(1)));
    query.reset();
  }
  return versions;
}

bool replace_enclosures(Store& store, std::int64_t entry_id, const std::vector<EnclosureRecord>& current, int version,
                        std::int64_t now_ms) {
  const std::vector<EnclosureRecord> stored = enclosures_of(store, entry_id);
  if (same_lists(stored, current)) return false;
  sqlite::Database& db = store.database();
  if (!stored.empty()) keep_replaced(store, entry_id, version, now_ms, stored);
  db.prepare("DELETE FROM entry_enclosures WHERE entry_id = ?1").bind(1, entry_id).run();
  auto insert =
      db.prepare("INSERT INTO entry_enclosures (entry_id, position, url, type, length) VALUES (?1, ?2, ?3, ?4, ?5)");
  std::int64_t position = 0;
  for (const EnclosureRecord& enclosure : current) {
    insert.bind(1, entry_id).bind(2, position++).bind(3, enclosure.url).bind(4, enclosure.type);
    insert.bind(5, enclosure.length).run();
  }
  return true;
}

void record_enclosures(Store& store, std::span<const IncomingEntry> entries, const std::map<std::int64_t, int>& before,
                       std::int64_t now_ms) {
  // Most polls of most feeds list none, in a store that holds none: no
  // transaction for them.
  if (!lists_any(entries) && before.empty()) return;
  sqlite::Transaction transaction(store.database());
  for (const IncomingEntry& entry : entries) {
    // Listing none, and no stored list to empty (`before` names them all).
    if (entry.enclosures.empty() && before.empty()) continue;
    const auto row = store.find_entry(entry.identity);
    if (!row) continue;
    if (entry.enclosures.empty() && !before.contains(row->id)) continue;
    if (entry.timestamp_ms && *entry.timestamp_ms < row->timestamp_ms) continue;  // an older copy, ignored
    if (entry.provisional && entry.enclosures.empty()) continue;
    const auto version = before.find(row->id);
    replace_enclosures(store, row->id, entry.enclosures,
                       version != before.end() ? version->second : latest_version(store, row->id), now_ms);
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
