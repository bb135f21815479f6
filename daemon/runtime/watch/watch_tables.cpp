#include "daemon/runtime/watch/watch_tables.h"

#include <algorithm>
#include <limits>
#include <set>

#include "daemon/runtime/watch/recheck_schedule.h"

namespace feedd::watch {

Enrolment enrol_new_entries(sqlite::Database& db, const std::map<std::string, SourcePolicy>& policies,
                            std::int64_t now_ms) {
  Enrolment enrolment;
  sqlite::Transaction transaction(db);
  auto cursor = db.prepare("SELECT last_entry_id FROM watch_cursor WHERE name = 'enrolled'");
  std::int64_t last = cursor.step() ? cursor.column_int(0) : 0;
  cursor.reset();
  // Each new row's id and source only, from the front of its record: the
  // rest (content, raw item, `imported` last of all: about 15 KB a row, read
  // through its overflow pages) only for the sources with a policy. Read
  // whole, on the writer, even where no source watches: a third of the
  // writer's CPU in the first round on a store of 1,000,000 rows (all of
  // them after its cursor), and every new row's 15 KB again after that
  // (BENCHMARKS.md, target 4).
  auto fresh = db.prepare(
      "SELECT e.id, s.name FROM entries e JOIN sources s ON s.id = e.source_id WHERE e.id > ?1 ORDER BY e.id");
  auto details = db.prepare("SELECT first_seen_ms, url, content FROM entries WHERE id = ?1 AND imported = 0");
  auto watch = db.prepare(
      "INSERT OR IGNORE INTO watched (entry_id, first_seen_ms, until_ms, next_check_ms, baseline_chars) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  auto queue = db.prepare(
      "INSERT OR IGNORE INTO wayback_queue (entry_id, url, queued_ms, next_try_ms) VALUES (?1, ?2, ?3, ?3)");
  fresh.bind(1, last);
  while (fresh.step()) {
    const std::int64_t id = fresh.column_int(0);
    last = id;
    const auto policy = policies.find(fresh.column_text(1));
    if (policy == policies.end()) continue;
    if (!details.bind(1, id).step()) {
      details.reset();
      continue;
    }
    const std::int64_t first_seen = details.column_int(0);
    const std::string url = details.column_text(1);
    const bool fetchable = url.starts_with("http://") || url.starts_with("https://");
    if (!fetchable) {
      details.reset();
      continue;
    }
    if (const auto& window = policy->second.watch_ms; window && first_seen + *window > now_ms) {
      const std::int64_t until = first_seen + *window;
      watch.bind(1, id).bind(2, first_seen).bind(3, until).bind(4, recheck_time(id, first_seen, until, 0));
      watch.bind(5, text_chars_of_html(details.column_text(2)));
      watch.run();
      ++enrolment.watched;
    }
    details.reset();
    if (policy->second.archive_org) {
      queue.bind(1, id).bind(2, url).bind(3, now_ms);
      queue.run();
      ++enrolment.queued;
    }
  }
  fresh.reset();
  db.prepare("INSERT OR REPLACE INTO watch_cursor (name, last_entry_id) VALUES ('enrolled', ?1)").bind(1, last).run();
  transaction.commit();
  return enrolment;
}

std::vector<DueCheck> due_rechecks(sqlite::Database& db, std::int64_t now_ms, int limit) {
  auto query = db.prepare(
      "SELECT w.entry_id, s.name, e.url, w.first_seen_ms, w.until_ms, w.checks_done, w.baseline_chars "
      "FROM watched w JOIN entries e ON e.id = w.entry_id JOIN sources s ON s.id = e.source_id "
      "WHERE w.next_check_ms IS NOT NULL AND w.next_check_ms <= ?1 ORDER BY w.next_check_ms LIMIT ?2");
  query.bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
  std::vector<DueCheck> due;
  while (query.step()) {
    due.push_back(DueCheck{query.column_int(0), query.column_text(1), query.column_text(2), query.column_int(3),
                           query.column_int(4), static_cast<int>(query.column_int(5)), query.column_int(6)});
  }
  query.reset();
  return due;
}

std::optional<std::int64_t> next_recheck_ms(sqlite::Database& db) {
  auto query = db.prepare("SELECT min(next_check_ms) FROM watched WHERE next_check_ms IS NOT NULL");
  query.step();
  auto next = query.column_optional_int(0);
  query.reset();
  return next;
}

bool record_check(sqlite::Database& db, const DueCheck& check, const Verdict& verdict, std::int64_t now_ms) {
  sqlite::Transaction transaction(db);
  auto update = db.prepare(
      "UPDATE watched SET checks_done = ?2, next_check_ms = ?3, baseline_chars = ?4, last_check_ms = ?5, "
      "last_result = ?6 WHERE entry_id = ?1");
  bool found_removal = false;
  int checks_done = check.checks_done;
  std::optional<std::int64_t> next;
  std::int64_t baseline = check.baseline_chars;
  std::string result = verdict.evidence.empty() ? "alive" : verdict.evidence;
  switch (verdict.kind) {
    case Verdict::Kind::removed: {
      db.prepare(
            "INSERT OR REPLACE INTO removals (entry_id, removed_ms, strength, evidence, http_status, final_url, "
            "chars_before, chars_after) VALUES (?1, ?2, 'page', ?3, ?4, ?5, ?6, ?7)")
          .bind(1, check.entry_id)
          .bind(2, now_ms)
          .bind(3, verdict.evidence)
          .bind(4, static_cast<std::int64_t>(verdict.http_status))
          .bind(5, verdict.final_url)
          .bind(6, verdict.chars_before)
          .bind(7, verdict.chars_after)
          .run();
      found_removal = true;
      ++checks_done;
      result = "removed: " + verdict.evidence;
      break;
    }
    case Verdict::Kind::alive:
      // The first page read is the measure later pages are held to: the
      // feed's text may be a summary, the page is the article.
      if (checks_done == 0 && verdict.chars_after > 0) baseline = verdict.chars_after;
      ++checks_done;
      next = recheck_time(check.entry_id, check.first_seen_ms, check.until_ms, checks_done);
      break;
    case Verdict::Kind::transient:
      next = retry_time(check.entry_id, now_ms, check.until_ms);
      result = "retry: " + verdict.evidence;
      break;
  }
  update.bind(1, check.entry_id).bind(2, static_cast<std::int64_t>(checks_done)).bind(3, next).bind(4, baseline);
  update.bind(5, now_ms).bind(6, result).run();
  transaction.commit();
  return found_removal;
}

void stop_watching(sqlite::Database& db, std::int64_t entry_id) {
  db.prepare("UPDATE watched SET next_check_ms = NULL, last_result = 'source no longer watched' WHERE entry_id = ?1")
      .bind(1, entry_id)
      .run();
}

std::vector<std::string> note_dropped_from_feed(sqlite::Database& db, const std::string& source,
                                                const std::vector<IncomingEntry>& feed, std::int64_t now_ms) {
  std::set<std::string> present;
  std::optional<std::int64_t> oldest;
  for (const auto& entry : feed) {
    present.insert(entry.identity);
    if (entry.timestamp_ms) oldest = std::min(oldest.value_or(*entry.timestamp_ms), *entry.timestamp_ms);
  }
  std::vector<std::string> noted;
  if (!oldest || feed.empty()) return noted;
  sqlite::Transaction transaction(db);
  auto watched = db.prepare(
      "SELECT w.entry_id, e.identity, e.url FROM watched w JOIN entries e ON e.id = w.entry_id "
      "JOIN sources s ON s.id = e.source_id WHERE s.name = ?1 AND w.next_check_ms IS NOT NULL "
      "AND e.timestamp_ms > ?2 AND NOT EXISTS (SELECT 1 FROM removals r WHERE r.entry_id = w.entry_id)");
  auto note = db.prepare(
      "INSERT INTO removals (entry_id, removed_ms, strength, evidence, http_status, final_url, chars_before, "
      "chars_after) VALUES (?1, ?2, 'feed', 'dropped out of its feed while older entries remain', 0, '', 0, 0)");
  watched.bind(1, source).bind(2, *oldest);
  std::vector<std::pair<std::int64_t, std::string>> missing;
  while (watched.step()) {
    if (!present.contains(watched.column_text(1))) missing.emplace_back(watched.column_int(0), watched.column_text(2));
  }
  watched.reset();
  for (const auto& [id, url] : missing) {
    note.bind(1, id).bind(2, now_ms).run();
    noted.push_back(url);
  }
  transaction.commit();
  return noted;
}

std::vector<RemovedEntry> removed_entries(sqlite::Database& db, std::optional<std::int64_t> since_ms) {
  auto query = db.prepare(
      "SELECT r.entry_id, r.removed_ms, r.strength, s.name, e.url, e.title, e.post_path, r.evidence, r.http_status, r.final_url, "
      "r.chars_before, r.chars_after FROM removals r JOIN entries e ON e.id = r.entry_id "
      "JOIN sources s ON s.id = e.source_id WHERE r.removed_ms >= ?1 ORDER BY r.removed_ms DESC, r.entry_id DESC");
  query.bind(1, since_ms.value_or(std::numeric_limits<std::int64_t>::min()));
  std::vector<RemovedEntry> removed;
  while (query.step()) {
    removed.push_back(RemovedEntry{query.column_int(0), query.column_int(1), query.column_text(2),
                                   query.column_text(3), query.column_text(4), query.column_text(5),
                                   query.column_text(6), query.column_text(7), static_cast<long>(query.column_int(8)),
                                   query.column_text(9), query.column_int(10), query.column_int(11)});
  }
  query.reset();
  return removed;
}

}  // namespace feedd::watch
