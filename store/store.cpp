#include "store/store.h"

#include "store/post_file_name.h"

#include <array>
#include <string_view>

#include <fmt/format.h>

#include "store/search.h"
#include "store/postings/index_tables.h"
#include "store/postings/search_backlog.h"
#include "store/search_tokenizer.h"

namespace feedd {
namespace {

// Rows from before schema 2 get their search text; the update trigger then
// indexes each one.
void fill_url_keys(sqlite::Database& db) {
  auto rows = db.prepare("SELECT id, post_path FROM entries WHERE url_key = ''");
  auto update = db.prepare("UPDATE entries SET url_key = ?2 WHERE id = ?1");
  while (rows.step()) update.bind(1, rows.column_int(0)).bind(2, url_key_of(rows.column_text(1))).run();
}

void fill_search_text(sqlite::Database& db) {
  fill_url_keys(db);
  std::vector<std::int64_t> ids;
  auto unfilled = db.prepare("SELECT id FROM entries WHERE search_text = ''");
  while (unfilled.step()) ids.push_back(unfilled.column_int(0));
  auto row = db.prepare("SELECT title, content FROM entries WHERE id = ?1");
  auto update = db.prepare("UPDATE entries SET search_text = ?2 WHERE id = ?1");
  for (const auto id : ids) {
    row.bind(1, id);
    row.step();
    update.bind(1, id).bind(2, searchable_text(row.column_text(0), row.column_text(1)));
    row.reset();
    update.run();
  }
}

// Each step takes the schema from version i to i+1: its SQL, then `fill` for
// values only C++ can compute. Steps are never edited once released: a
// database of any earlier version must upgrade in place.
struct Migration {
  std::string_view sql;
  void (*fill)(sqlite::Database&) = nullptr;
};

constexpr std::array<Migration, Store::schema_version> migrations = {{
    // 0 -> 1: the first schema.
    {R"sql(
    CREATE TABLE sources (
      id                   INTEGER PRIMARY KEY,
      name                 TEXT NOT NULL UNIQUE,
      url                  TEXT NOT NULL,
      polled_url           TEXT,
      etag                 TEXT,
      last_modified        TEXT,
      next_poll_ms         INTEGER,
      consecutive_failures INTEGER NOT NULL DEFAULT 0,
      state                TEXT NOT NULL DEFAULT 'ok',
      last_success_ms      INTEGER,
      last_error           TEXT,
      last_error_ms        INTEGER
    );
    CREATE TABLE entries (
      id                INTEGER PRIMARY KEY,
      identity          TEXT NOT NULL UNIQUE,
      source_id         INTEGER NOT NULL REFERENCES sources(id),
      url               TEXT NOT NULL,
      guid              TEXT NOT NULL,
      title             TEXT NOT NULL,
      author            TEXT NOT NULL,
      timestamp_ms      INTEGER NOT NULL,
      has_own_timestamp INTEGER NOT NULL,
      first_seen_ms     INTEGER NOT NULL,
      date_ms           INTEGER NOT NULL,
      content           TEXT NOT NULL,
      post_path         TEXT NOT NULL UNIQUE,
      post_pending      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX entries_by_source ON entries(source_id, timestamp_ms);
    CREATE INDEX entries_pending ON entries(post_pending) WHERE post_pending != 0;
    CREATE TABLE fetches (
      id                INTEGER PRIMARY KEY,
      source_id         INTEGER NOT NULL REFERENCES sources(id),
      started_ms        INTEGER NOT NULL,
      duration_ms       INTEGER NOT NULL,
      http_status       INTEGER NOT NULL,
      bytes             INTEGER NOT NULL,
      new_entries       INTEGER NOT NULL,
      updated_entries   INTEGER NOT NULL,
      unchanged_entries INTEGER NOT NULL,
      error             TEXT
    );
    CREATE INDEX fetches_by_source ON fetches(source_id, started_ms);
    )sql"},
    // 1 -> 2: raw items kept for reprocess; full-text search (store/search.h).
    // search_text is '' only on rows from before this step until `fill` has
    // run; the triggers leave such rows out of the indexes, so the 'delete'
    // they issue always names text that was indexed.
    {R"sql(
    ALTER TABLE entries ADD COLUMN raw_item TEXT NOT NULL DEFAULT '';
    ALTER TABLE entries ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE entries ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
    CREATE INDEX entries_by_date ON entries(date_ms);
    ALTER TABLE entries ADD COLUMN url_key TEXT NOT NULL DEFAULT '';
    CREATE INDEX entries_by_url_key ON entries(url_key);
    CREATE TABLE forgotten (
      identity     TEXT PRIMARY KEY,
      url          TEXT NOT NULL,
      forgotten_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE VIRTUAL TABLE entries_text USING fts5(
      search_text, content='entries', content_rowid='id', tokenize='trigram');
    CREATE VIRTUAL TABLE entries_short USING fts5(
      search_text, content='entries', content_rowid='id', tokenize='feedd_bigram', detail='none', prefix='1');
    CREATE TRIGGER entries_search_insert AFTER INSERT ON entries BEGIN
      INSERT INTO entries_text(rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text != '';
      INSERT INTO entries_short(rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text != '';
    END;
    CREATE TRIGGER entries_search_delete AFTER DELETE ON entries BEGIN
      INSERT INTO entries_text(entries_text, rowid, search_text)
        SELECT 'delete', old.id, old.search_text WHERE old.search_text != '';
      INSERT INTO entries_short(entries_short, rowid, search_text)
        SELECT 'delete', old.id, old.search_text WHERE old.search_text != '';
    END;
    CREATE TRIGGER entries_search_update AFTER UPDATE OF id, search_text ON entries
    WHEN old.id != new.id OR old.search_text != new.search_text BEGIN
      INSERT INTO entries_text(entries_text, rowid, search_text)
        SELECT 'delete', old.id, old.search_text WHERE old.search_text != '';
      INSERT INTO entries_short(entries_short, rowid, search_text)
        SELECT 'delete', old.id, old.search_text WHERE old.search_text != '';
      INSERT INTO entries_text(rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text != '';
      INSERT INTO entries_short(rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text != '';
    END;
    )sql",
     fill_search_text},
    // 2 -> 3: search indexing leaves the ingest path. Maintaining both FTS5
    // indexes on every insert cost about 1.2 ms per entry on the single
    // writer, the largest share of a first pass (BENCHMARKS.md); rows now
    // arrive unindexed (search_indexed = 0) and index_search_backlog() adds
    // them in batches when the writer has nothing else to do. Search covers
    // the rows not indexed yet by reading their text (store/search.cpp).
    // The indexes' content is the view of indexed rows, so FTS5's own
    // integrity check still holds while a backlog waits. The indexes are
    // rebuilt that way: every row starts in the backlog.
    // Invariant the triggers rely on: a row with search_indexed = 1 has
    // exactly its current search_text in both indexes, so a 'delete' always
    // names the tokens that were added.
    {R"sql(
    DROP TRIGGER entries_search_insert;
    DROP TRIGGER entries_search_update;
    DROP TRIGGER entries_search_delete;
    DROP TABLE entries_text;
    DROP TABLE entries_short;
    ALTER TABLE entries ADD COLUMN search_indexed INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX entries_unindexed ON entries(id) WHERE search_indexed = 0;
    CREATE VIEW entries_indexed AS SELECT id, search_text FROM entries WHERE search_indexed;
    CREATE VIRTUAL TABLE entries_text USING fts5(
      search_text, content='entries_indexed', content_rowid='id', tokenize='trigram');
    CREATE VIRTUAL TABLE entries_short USING fts5(
      search_text, content='entries_indexed', content_rowid='id', tokenize='feedd_bigram', detail='none',
      prefix='1');
    CREATE TRIGGER entries_search_delete AFTER DELETE ON entries WHEN old.search_indexed BEGIN
      INSERT INTO entries_text(entries_text, rowid, search_text) VALUES ('delete', old.id, old.search_text);
      INSERT INTO entries_short(entries_short, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END;
    CREATE TRIGGER entries_search_update AFTER UPDATE OF search_text, search_indexed ON entries
    WHEN old.search_indexed AND (NOT new.search_indexed OR old.search_text != new.search_text) BEGIN
      INSERT INTO entries_text(entries_text, rowid, search_text) VALUES ('delete', old.id, old.search_text);
      INSERT INTO entries_short(entries_short, rowid, search_text) VALUES ('delete', old.id, old.search_text);
      UPDATE entries SET search_indexed = 0 WHERE id = new.id AND search_indexed;
    END;
    )sql"},
    // 3 -> 4: posts the publish hook has not taken yet survive the process
    // (store/lists/unpublished.h). A new table: every existing row stays as it is.
    {R"sql(
    CREATE TABLE unpublished (
      path     TEXT PRIMARY KEY,
      since_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    )sql"},
    // 4 -> 5: one index instead of two. The trigram index (positions of every
    // three characters) and the bigram index cost about 1.3 ms of CPU per
    // entry together; one detail=none index of each row's distinct
    // characters and bigrams answers one- and two-character terms exactly
    // and longer ones as the AND of their bigrams, confirmed on the text
    // (store/search_tokenizer.h, BENCHMARKS.md). Every row goes back to the
    // backlog and is indexed anew; the same invariant as schema 3 holds.
    {R"sql(
    DROP TRIGGER entries_search_delete;
    DROP TRIGGER entries_search_update;
    DROP TABLE entries_text;
    DROP TABLE entries_short;
    UPDATE entries SET search_indexed = 0 WHERE search_indexed;
    CREATE VIRTUAL TABLE entries_search USING fts5(
      search_text, content='entries_indexed', content_rowid='id', tokenize='feedd_bigram unigrams',
      detail='none', columnsize=0);
    CREATE TRIGGER entries_search_delete AFTER DELETE ON entries WHEN old.search_indexed BEGIN
      INSERT INTO entries_search(entries_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END;
    CREATE TRIGGER entries_search_update AFTER UPDATE OF search_text, search_indexed ON entries
    WHEN old.search_indexed AND (NOT new.search_indexed OR old.search_text != new.search_text) BEGIN
      INSERT INTO entries_search(entries_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
      UPDATE entries SET search_indexed = 0 WHERE id = new.id AND search_indexed;
    END;
    )sql"},
    // 5 -> 6: posts adopted from an existing archive (`feedd import-posts`).
    // Their rows point at the old script's files, which ingestion, repair
    // and rebuild leave as they are.
    {R"sql(
    ALTER TABLE entries ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
    )sql"},
    // 6 -> 7: local media (store/media/media_table.h). The files kept in
    // media_dir by content; each image address once, with its download's
    // state and retry schedule; which entry refers to which address (gone
    // with the entry). New tables: every existing row stays as it is.
    {R"sql(
    CREATE TABLE media_files (
      name      TEXT PRIMARY KEY,
      bytes     INTEGER NOT NULL,
      stored_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE media_downloads (
      url             TEXT PRIMARY KEY,
      source_id       INTEGER NOT NULL REFERENCES sources(id),
      state           TEXT NOT NULL DEFAULT 'waiting',
      file            TEXT REFERENCES media_files(name),
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_ms INTEGER NOT NULL,
      last_error      TEXT
    ) WITHOUT ROWID;
    CREATE INDEX media_downloads_due ON media_downloads(source_id, state, next_attempt_ms);
    CREATE TABLE media_references (
      entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
      url      TEXT NOT NULL,
      PRIMARY KEY (entry_id, url)
    ) WITHOUT ROWID;
    CREATE INDEX media_references_url ON media_references(url);
    )sql"},
    // 7 -> 8: every version of an entry's title and content
    // (Store::record_version). A new table, filled lazily: an existing row
    // is its entry's version 1 until the entry first changes, so the step
    // copies nothing, takes no time on a large store and keeps every row as
    // it is. search_text is the version's as searchable_text makes it, for
    // `feedd search --all-versions` (read unindexed: versions are few).
    // Deleting an entry (feedd forget) deletes its versions.
    {R"sql(
    CREATE TABLE entry_versions (
      id          INTEGER PRIMARY KEY,
      entry_id    INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
      number      INTEGER NOT NULL,
      origin      TEXT NOT NULL,
      recorded_ms INTEGER NOT NULL,
      title       TEXT NOT NULL,
      content     TEXT NOT NULL,
      search_text TEXT NOT NULL,
      UNIQUE (entry_id, number)
    );
    )sql"},
    // 8 -> 9: removals noticed and Wayback copies (daemon/runtime/watch,
    // watch_tables.h). New tables only; entries older than this step are not
    // enrolled (the cursor starts at the newest row), so an upgrade sends no
    // burst of rechecks or Save Page Now requests for the whole archive.
    {R"sql(
    CREATE TABLE watched (
      entry_id        INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
      first_seen_ms   INTEGER NOT NULL,
      until_ms        INTEGER NOT NULL,
      checks_done     INTEGER NOT NULL DEFAULT 0,
      next_check_ms   INTEGER,
      baseline_chars  INTEGER NOT NULL DEFAULT 0,
      last_check_ms   INTEGER,
      last_result     TEXT
    );
    CREATE INDEX watched_due ON watched(next_check_ms) WHERE next_check_ms IS NOT NULL;
    CREATE TABLE removals (
      entry_id      INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
      removed_ms    INTEGER NOT NULL,
      strength      TEXT NOT NULL,
      evidence      TEXT NOT NULL,
      http_status   INTEGER NOT NULL,
      final_url     TEXT NOT NULL,
      chars_before  INTEGER NOT NULL,
      chars_after   INTEGER NOT NULL
    );
    CREATE INDEX removals_by_time ON removals(removed_ms);
    CREATE TABLE wayback_queue (
      entry_id     INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
      url          TEXT NOT NULL,
      queued_ms    INTEGER NOT NULL,
      next_try_ms  INTEGER NOT NULL,
      tries        INTEGER NOT NULL DEFAULT 0,
      last_error   TEXT
    );
    CREATE INDEX wayback_queue_due ON wayback_queue(next_try_ms);
    CREATE TABLE wayback_snapshots (
      entry_id      INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
      snapshot_url  TEXT NOT NULL,
      saved_ms      INTEGER NOT NULL
    );
    CREATE TABLE watch_cursor (
      name           TEXT PRIMARY KEY,
      last_entry_id  INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO watch_cursor (name, last_entry_id) SELECT 'enrolled', coalesce(max(id), 0) FROM entries;
    )sql"},
    // 9 -> 10: full articles (sources[].full_text). Both contents of an entry
    // whose page is fetched: the feed's and the page's, which one the post
    // carries, and when the page is tried again (store/full_text/).
    {R"sql(
    CREATE TABLE page_contents (
      entry_id          INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
      page_url          TEXT NOT NULL,
      feed_content      TEXT NOT NULL,
      page_content      TEXT,
      carries           TEXT NOT NULL DEFAULT 'feed' CHECK (carries IN ('feed', 'page')),
      fetched_ms        INTEGER,
      attempts          INTEGER NOT NULL DEFAULT 0,
      next_attempt_ms   INTEGER,
      last_error        TEXT
    );
    CREATE INDEX page_contents_due ON page_contents(next_attempt_ms) WHERE next_attempt_ms IS NOT NULL;
    )sql"},
    // 10 -> 11: enclosures (store/enclosures/). Each entry's audio, video
    // and files as the feed last listed them, in its order; looked up by URL
    // too, when local media asks whether a download is a recording.
    {R"sql(
    CREATE TABLE entry_enclosures (
      entry_id   INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
      position   INTEGER NOT NULL,
      url        TEXT NOT NULL,
      type       TEXT NOT NULL DEFAULT '',
      length     INTEGER,
      PRIMARY KEY (entry_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX entry_enclosures_url ON entry_enclosures(url);
    )sql"},
    // 11 -> 12: feedd's own search index instead of FTS5 (store/postings/index_tables.h):
    // FTS5 spent ~0.5 ms of CPU per entry on ~1,100 tokens (BENCHMARKS.md).
    // The same grams, kept as sorted runs of delta-coded row ids. Every row
    // stays and goes back to the backlog, so the index is rebuilt from the
    // rows by the idle writer (or `once`); search reads the text of rows
    // waiting meanwhile. The triggers now only note the rows whose indexed
    // grams may be stale. IF EXISTS: a store taken back to schema 6 by the
    // tests has no FTS5 table (creating one needs feedd's tokenizer).
    {R"sql(
    DROP TRIGGER IF EXISTS entries_search_delete;
    DROP TRIGGER IF EXISTS entries_search_update;
    DROP TABLE IF EXISTS entries_search;
    UPDATE entries SET search_indexed = 0 WHERE search_indexed;
    CREATE TABLE search_runs (
      run    INTEGER PRIMARY KEY,
      level  INTEGER NOT NULL,
      row_count  INTEGER NOT NULL
    );
    CREATE INDEX search_runs_by_level ON search_runs(level, run);
    CREATE TABLE search_chunks (
      id         INTEGER PRIMARY KEY,
      run        INTEGER NOT NULL,
      first_key  INTEGER NOT NULL,
      postings   BLOB NOT NULL
    );
    CREATE UNIQUE INDEX search_chunks_by_key ON search_chunks(run, first_key);
    CREATE TABLE search_dirty (
      id  INTEGER PRIMARY KEY
    );
    CREATE TRIGGER search_dirty_delete AFTER DELETE ON entries WHEN old.search_indexed BEGIN
      INSERT OR IGNORE INTO search_dirty (id) VALUES (old.id);
    END;
    CREATE TRIGGER search_dirty_update AFTER UPDATE OF search_text, search_indexed ON entries
    WHEN old.search_indexed AND (NOT new.search_indexed OR old.search_text != new.search_text) BEGIN
      INSERT OR IGNORE INTO search_dirty (id) VALUES (old.id);
      UPDATE entries SET search_indexed = 0 WHERE id = new.id AND search_indexed;
    END;
    )sql"},
    // 12 -> 13: the enclosure lists an update or `reprocess` replaced, kept
    // with the version they went with (store/enclosures/enclosure_history.h).
    // A new table only: no row is read, so the step is instant on any store.
    // Entries stored before schema 11 get their enclosures from `feedd
    // reprocess` (their raw items), not here: parsing a million raw items
    // would hold the upgrade for minutes.
    {R"sql(
    CREATE TABLE enclosure_history (
      entry_id     INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
      replaced_ms  INTEGER NOT NULL,
      position     INTEGER NOT NULL,
      version      INTEGER NOT NULL,
      url          TEXT NOT NULL,
      type         TEXT NOT NULL DEFAULT '',
      length       INTEGER,
      PRIMARY KEY (entry_id, replaced_ms, position)
    ) WITHOUT ROWID;
    )sql"},
    // 13 -> 14: the rows not indexed for search yet are the ids in a table of
    // their own (store/postings/search_backlog.h) instead of entries rows
    // with search_indexed = 0. Marking a batch indexed rewrote each of its
    // rows, content and raw item included, on the writer; now it deletes a
    // few ids from a small table. The state carries over exactly: the
    // backlog is the rows the flag said were waiting (read through the
    // partial index, so the step costs the backlog, not the archive), and
    // search_dirty stays as it is. The column and schema 3's view over it
    // stay, no longer read or written: dropping a column rewrites every row.
    // The partial index goes, or every new row would be added to it.
    {R"sql(
    CREATE TABLE search_backlog (
      id  INTEGER PRIMARY KEY
    );
    INSERT INTO search_backlog (id) SELECT id FROM entries WHERE search_indexed = 0;
    DROP TRIGGER IF EXISTS search_dirty_delete;
    DROP TRIGGER IF EXISTS search_dirty_update;
    DROP INDEX IF EXISTS entries_unindexed;
    CREATE TRIGGER search_backlog_insert AFTER INSERT ON entries BEGIN
      INSERT OR IGNORE INTO search_backlog (id) VALUES (new.id);
    END;
    CREATE TRIGGER search_dirty_delete AFTER DELETE ON entries BEGIN
      INSERT OR IGNORE INTO search_dirty (id)
        SELECT old.id WHERE NOT EXISTS (SELECT 1 FROM search_backlog WHERE id = old.id);
      DELETE FROM search_backlog WHERE id = old.id;
    END;
    CREATE TRIGGER search_dirty_update AFTER UPDATE OF search_text ON entries
    WHEN old.search_text != new.search_text BEGIN
      INSERT OR IGNORE INTO search_dirty (id)
        SELECT old.id WHERE NOT EXISTS (SELECT 1 FROM search_backlog WHERE id = old.id);
      INSERT OR IGNORE INTO search_backlog (id) VALUES (old.id);
    END;
    )sql"},
    // 14 -> 15: the entries whose post is owed are the ids in a table of
    // their own (Store::set_post_pending), as schema 14 did for the search
    // flag. Marking a post done cleared post_pending: SQLite read the whole
    // record (content, raw item, search text, overflow pages too) to write it
    // back, and the row's leaf page and the partial index's page went to the
    // WAL and again to the database at the checkpoint, for every entry. Now
    // it deletes one small row. The state carries over exactly: the backlog
    // is the rows the flag said were owed, read through the partial index
    // (SQLite's plan for the index's own condition without ORDER BY), so the
    // step costs the backlog, not the archive. The column stays, no longer
    // read or written (dropping a column rewrites every row); the partial
    // index goes, as nothing keeps it. A deleted entry leaves the backlog by
    // a trigger, so that every way a row is deleted keeps it right.
    {R"sql(
    CREATE TABLE post_backlog (
      id  INTEGER PRIMARY KEY
    );
    INSERT INTO post_backlog (id) SELECT id FROM entries WHERE post_pending != 0;
    DROP INDEX entries_pending;
    CREATE TRIGGER post_backlog_delete AFTER DELETE ON entries BEGIN
      DELETE FROM post_backlog WHERE id = old.id;
    END;
    )sql"},
    // 15 -> 16: a new row enters the search backlog by a statement of its
    // own in Store::insert_entry (the only INSERT into entries), not by a
    // trigger. An INSERT that fires a trigger is a "multi-write" statement to
    // SQLite, and one that may also abort (a NOT NULL or UNIQUE constraint,
    // the foreign key on source_id) keeps a statement journal: every page it
    // changes that existed when it began, copied first into a file in
    // /var/tmp once a transaction's journal passed 64 KiB, about 30 writes an
    // entry into a store of 1,000,000 rows (BENCHMARKS.md, target 4). Without
    // the trigger a one-row INSERT checks every constraint before it writes a
    // page, so SQLite keeps no journal for it. The backlog holds the same ids
    // at the same moments: the row and its id are in one transaction.
    {R"sql(
    DROP TRIGGER search_backlog_insert;
    )sql"},
}};

constexpr std::string_view entry_columns =
    "id, identity, source_id, url, guid, title, author, timestamp_ms, has_own_timestamp, first_seen_ms, "
    "date_ms, content, post_path, EXISTS (SELECT 1 FROM post_backlog WHERE post_backlog.id = entries.id), raw_item, "
    "provisional, imported";

// Whether the bound `query` yields a row; it is left ready for its next
// use, whatever happens.
bool yields_row(sqlite::Statement& query) {
  bool found = false;
  try {
    found = query.step();
  } catch (...) {
    query.reset();
    throw;
  }
  query.reset();
  return found;
}

int user_version(sqlite::Database& db) {
  auto statement = db.prepare("PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.column_int(0));
}

sqlite::Database open_migrated(const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  sqlite::Database db(path);
  // Before anything touches entries: the search triggers tokenize with it.
  register_bigram_tokenizer(db);
  db.execute("PRAGMA journal_mode = WAL");
  // WAL with synchronous=FULL makes every commit durable before it returns:
  // a commit is feedd's promise that the post it names is on disk.
  db.execute("PRAGMA synchronous = FULL");
  // A big transaction (a migration, a first import) grows the WAL to its
  // size, and SQLite keeps the file that large for reuse; a daemon that runs
  // for months should hand the space back after the next checkpoint.
  db.execute("PRAGMA journal_size_limit = 67108864");
  db.execute("PRAGMA foreign_keys = ON");

  const int found = user_version(db);
  if (found > Store::schema_version) {
    throw sqlite::SqliteError(
        fmt::format("database {}: schema version {} is newer than this feedd understands ({})", path.string(),
                    found, Store::schema_version),
        0);
  }
  if (found < Store::schema_version) {
    sqlite::Transaction transaction(db);
    for (int version = found; version < Store::schema_version; ++version) {
      const Migration& step = migrations[static_cast<std::size_t>(version)];
      db.execute(step.sql);
      if (step.fill != nullptr) step.fill(db);
    }
    db.execute(fmt::format("PRAGMA user_version = {}", Store::schema_version));
    transaction.commit();
  }
  return db;
}

}  // namespace

Store::Store(const std::filesystem::path& database)
    : db_(open_migrated(database)),
      find_entry_(db_.prepare(fmt::format("SELECT {} FROM entries WHERE identity = ?1", entry_columns))),
      post_path_taken_(db_.prepare("SELECT 1 FROM entries WHERE post_path = ?1 AND identity != ?2")),
      url_key_taken_(db_.prepare("SELECT 1 FROM entries WHERE url_key = ?1 AND identity != ?2 LIMIT 1")),
      is_forgotten_(db_.prepare("SELECT 1 FROM forgotten WHERE identity = ?1")),
      insert_entry_(db_.prepare(
          "INSERT INTO entries (identity, source_id, url, guid, title, author, timestamp_ms, has_own_timestamp, "
          "first_seen_ms, date_ms, content, post_path, raw_item, search_text, url_key, provisional, "
          "imported) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)")),
      update_entry_(db_.prepare(
          "UPDATE entries SET url = ?2, guid = ?3, title = ?4, author = ?5, timestamp_ms = ?6, "
          "has_own_timestamp = ?7, date_ms = ?8, content = ?9, raw_item = ?10, "
          "search_text = ?11, provisional = ?12 WHERE id = ?1")),
      to_search_backlog_(db_.prepare("INSERT OR IGNORE INTO search_backlog (id) VALUES (?1)")),
      post_owed_(db_.prepare("INSERT OR IGNORE INTO post_backlog (id) VALUES (?1)")),
      post_done_(db_.prepare("DELETE FROM post_backlog WHERE id = ?1")),
      insert_fetch_(db_.prepare(
          "INSERT INTO fetches (source_id, started_ms, duration_ms, http_status, bytes, new_entries, "
          "updated_entries, unchanged_entries, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")),
      latest_version_(db_.prepare(
          "SELECT number, title, content FROM entry_versions WHERE entry_id = ?1 ORDER BY number DESC LIMIT 1")),
      insert_version_(db_.prepare(
          "INSERT INTO entry_versions (entry_id, number, origin, recorded_ms, title, content, search_text) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")),
      upsert_source_(db_.prepare(
          "INSERT INTO sources (name, url) VALUES (?1, ?2) "
          "ON CONFLICT(name) DO UPDATE SET "
          "  polled_url = CASE WHEN sources.url = excluded.url THEN sources.polled_url END, "
          "  etag = CASE WHEN sources.url = excluded.url THEN sources.etag END, "
          "  last_modified = CASE WHEN sources.url = excluded.url THEN sources.last_modified END, "
          "  state = CASE WHEN sources.url = excluded.url THEN sources.state ELSE 'ok' END, "
          "  consecutive_failures = CASE WHEN sources.url = excluded.url THEN sources.consecutive_failures ELSE 0 END, "
          "  next_poll_ms = CASE WHEN sources.url = excluded.url THEN sources.next_poll_ms END, "
          "  url = excluded.url "
          "RETURNING id")),
      source_state_(db_.prepare(fmt::format("SELECT {} FROM sources WHERE name = ?1", source_state_columns))),
      save_validators_(
          db_.prepare("UPDATE sources SET polled_url = ?2, etag = ?3, last_modified = ?4 WHERE id = ?1")),
      save_schedule_(db_.prepare(
          "UPDATE sources SET next_poll_ms = ?2, consecutive_failures = ?3, state = ?4, "
          "last_success_ms = coalesce(?5, last_success_ms), last_error = coalesce(?6, last_error), "
          "last_error_ms = coalesce(?7, last_error_ms) WHERE id = ?1")) {}

std::int64_t Store::source_id(const std::string& name, const std::string& url) {
  auto& upsert = upsert_source_;
  upsert.reset();  // a use cut short by an exception left it mid-run
  upsert.bind(1, name).bind(2, url);
  upsert.step();
  const std::int64_t id = upsert.column_int(0);
  upsert.reset();
  return id;
}

std::int64_t Store::ensure_source(const std::string& name) {
  auto insert = db_.prepare("INSERT INTO sources (name, url) VALUES (?1, '') ON CONFLICT(name) DO NOTHING");
  insert.bind(1, name).run();
  auto query = db_.prepare("SELECT id FROM sources WHERE name = ?1");
  query.bind(1, name);
  query.step();
  return query.column_int(0);
}

std::optional<std::string> Store::source_name(std::int64_t source_id) {
  auto query = db_.prepare("SELECT name FROM sources WHERE id = ?1");
  query.bind(1, source_id);
  if (!query.step()) return std::nullopt;
  return query.column_text(0);
}

SourceState read_source_state(const sqlite::Statement& statement) {
  SourceState state;
  state.id = statement.column_int(0);
  state.name = statement.column_text(1);
  state.url = statement.column_text(2);
  state.polled_url = statement.column_text(3);
  state.etag = statement.column_text(4);
  state.last_modified = statement.column_text(5);
  state.next_poll_ms = statement.column_optional_int(6);
  state.consecutive_failures = static_cast<int>(statement.column_int(7));
  state.state = statement.column_text(8);
  state.last_success_ms = statement.column_optional_int(9);
  state.last_error = statement.column_text(10);
  state.last_error_ms = statement.column_optional_int(11);
  return state;
}

std::optional<SourceState> Store::source_state(const std::string& name) {
  auto& query = source_state_;
  query.reset();
  query.bind(1, name);
  std::optional<SourceState> state;
  if (query.step()) state = read_source_state(query);
  query.reset();
  return state;
}

void Store::save_validators(std::int64_t source_id, const SourceValidators& validators) {
  auto& update = save_validators_;
  update.reset();
  const auto text_or_null = [&update](int index, const std::string& value) {
    if (value.empty()) {
      update.bind(index, std::nullopt);
    } else {
      update.bind(index, value);
    }
  };
  update.bind(1, source_id);
  text_or_null(2, validators.polled_url);
  text_or_null(3, validators.etag);
  text_or_null(4, validators.last_modified);
  update.run();
}

void Store::save_schedule(std::int64_t source_id, const SourceSchedule& schedule) {
  auto& update = save_schedule_;
  update.reset();
  update.bind(1, source_id)
      .bind(2, schedule.next_poll_ms)
      .bind(3, std::int64_t{schedule.consecutive_failures})
      .bind(4, schedule.state)
      .bind(5, schedule.last_success_ms);
  if (schedule.last_error.empty()) {
    update.bind(6, std::nullopt);
  } else {
    update.bind(6, schedule.last_error);
  }
  update.bind(7, schedule.last_error_ms);
  update.run();
}

EntryRow Store::read_entry(const sqlite::Statement& statement) const {
  EntryRow row;
  row.id = statement.column_int(0);
  row.identity = statement.column_text(1);
  row.source_id = statement.column_int(2);
  row.url = statement.column_text(3);
  row.guid = statement.column_text(4);
  row.title = statement.column_text(5);
  row.author = statement.column_text(6);
  row.timestamp_ms = statement.column_int(7);
  row.has_own_timestamp = statement.column_int(8) != 0;
  row.first_seen_ms = statement.column_int(9);
  row.date_ms = statement.column_int(10);
  row.content = statement.column_text(11);
  row.post_path = statement.column_text(12);
  row.post_pending = statement.column_int(13) != 0;
  row.raw_item = statement.column_text(14);
  row.provisional = statement.column_int(15) != 0;
  row.imported = statement.column_int(16) != 0;
  return row;
}

std::optional<EntryRow> Store::find_entry(const std::string& identity) {
  find_entry_.bind(1, identity);
  std::optional<EntryRow> row;
  if (find_entry_.step()) row = read_entry(find_entry_);
  find_entry_.reset();
  return row;
}

bool Store::post_path_taken(const std::string& post_path, const std::string& identity) {
  return yields_row(post_path_taken_.bind(1, post_path).bind(2, identity));
}

bool Store::url_key_taken(const std::string& url_key, const std::string& identity) {
  return yields_row(url_key_taken_.bind(1, url_key).bind(2, identity));
}

bool Store::is_forgotten(const std::string& identity) { return yields_row(is_forgotten_.bind(1, identity)); }

void Store::remember_forgotten(const std::string& identity, const std::string& url, std::int64_t when_ms) {
  auto insert = db_.prepare("INSERT OR REPLACE INTO forgotten (identity, url, forgotten_ms) VALUES (?1, ?2, ?3)");
  insert.bind(1, identity).bind(2, url).bind(3, when_ms).run();
}

void Store::insert_entry(EntryRow& row) {
  insert_entry_.bind(1, row.identity)
      .bind(2, row.source_id)
      .bind(3, row.url)
      .bind(4, row.guid)
      .bind(5, row.title)
      .bind(6, row.author)
      .bind(7, row.timestamp_ms)
      .bind(8, std::int64_t{row.has_own_timestamp})
      .bind(9, row.first_seen_ms)
      .bind(10, row.date_ms)
      .bind(11, row.content)
      .bind(12, row.post_path)
      .bind(13, row.raw_item)
      .bind(14, searchable_text(row.search_text, row.title, row.content))
      .bind(15, url_key_of(row.post_path))
      .bind(16, std::int64_t{row.provisional})
      .bind(17, std::int64_t{row.imported});
  insert_entry_.run();
  row.id = db_.last_insert_rowid();
  // What schema 14's trigger did, as a statement of its own (migration 15 -> 16).
  to_search_backlog_.bind(1, row.id).run();
  if (row.post_pending) set_post_pending(row.id, true);
}

void Store::update_entry(const EntryRow& row) {
  update_entry_.bind(1, row.id)
      .bind(2, row.url)
      .bind(3, row.guid)
      .bind(4, row.title)
      .bind(5, row.author)
      .bind(6, row.timestamp_ms)
      .bind(7, std::int64_t{row.has_own_timestamp})
      .bind(8, row.date_ms)
      .bind(9, row.content)
      .bind(10, row.raw_item)
      .bind(11, searchable_text(row.search_text, row.title, row.content))
      .bind(12, std::int64_t{row.provisional});
  update_entry_.run();
  set_post_pending(row.id, row.post_pending);
}

void Store::set_post_pending(std::int64_t entry_id, bool pending) {
  auto& statement = pending ? post_owed_ : post_done_;
  statement.bind(1, entry_id);
  statement.run();
}

void Store::mark_every_post_pending() {
  db_.execute("INSERT OR IGNORE INTO post_backlog (id) SELECT id FROM entries");
}

void Store::clear_imported(std::int64_t entry_id) {
  auto update = db_.prepare("UPDATE entries SET imported = 0 WHERE id = ?1");
  update.bind(1, entry_id).run();
}

std::vector<EntryRow> Store::entries_with_pending_posts() {
  // The backlog's ids looked up one by one: never a walk of the whole
  // table (5 s at every start with 1,000,000 rows).
  auto query = db_.prepare(fmt::format(
      "SELECT {} FROM entries WHERE id IN (SELECT id FROM post_backlog) ORDER BY id", entry_columns));
  std::vector<EntryRow> rows;
  while (query.step()) rows.push_back(read_entry(query));
  return rows;
}

std::optional<EntryRow> Store::find_entry_by_url(const std::string& url) {
  auto query = db_.prepare(fmt::format("SELECT {} FROM entries WHERE url = ?1 ORDER BY id LIMIT 1", entry_columns));
  query.bind(1, url);
  if (!query.step()) return std::nullopt;
  return read_entry(query);
}

std::vector<EntryRow> Store::entries_after(std::int64_t after_id, int limit, std::optional<std::int64_t> source_id) {
  auto query = db_.prepare(fmt::format(
      "SELECT {} FROM entries WHERE id > ?1 AND (?2 IS NULL OR source_id = ?2) ORDER BY id LIMIT ?3", entry_columns));
  query.bind(1, after_id).bind(2, source_id).bind(3, std::int64_t{limit});
  std::vector<EntryRow> rows;
  while (query.step()) rows.push_back(read_entry(query));
  return rows;
}

std::optional<std::int64_t> Store::removed_ms(std::int64_t entry_id) {
  auto query = db_.prepare("SELECT removed_ms FROM removals WHERE entry_id = ?1 AND strength = 'page'");
  query.bind(1, entry_id);
  std::optional<std::int64_t> when;
  if (query.step()) when = query.column_int(0);
  query.reset();
  return when;
}

void Store::delete_entry(std::int64_t entry_id) {
  auto remove = db_.prepare("DELETE FROM entries WHERE id = ?1");
  remove.bind(1, entry_id);
  remove.run();
}

Store::PruneWindow Store::prune_fetches(std::int64_t after_id, std::int64_t before_ms, int max_rows) {
  PruneWindow window;
  auto last = db_.prepare(
      "SELECT id, started_ms FROM (SELECT id, started_ms FROM fetches WHERE id > ?1 ORDER BY id LIMIT ?2) "
      "ORDER BY id DESC LIMIT 1");
  last.bind(1, after_id).bind(2, std::int64_t{max_rows});
  if (!last.step()) return window;
  window.last_id = last.column_int(0);
  window.last_is_young = last.column_int(1) >= before_ms;
  auto prune = db_.prepare("DELETE FROM fetches WHERE id > ?1 AND id <= ?2 AND started_ms < ?3");
  prune.bind(1, after_id).bind(2, window.last_id).bind(3, before_ms).run();
  window.deleted = db_.changes();
  return window;
}

int Store::index_search_backlog(int max_rows) {
  sqlite::Transaction transaction(db_);
  const int indexed = postings::index_search_rows(db_.handle(), max_rows);
  transaction.commit();
  return indexed;
}

postings::PreparedRun Store::prepare_search_run(sqlite::Database& reader, std::int64_t after_id, int max_rows) {
  return postings::prepare_search_run(reader.handle(), after_id, max_rows);
}

std::int64_t Store::search_backlog_after(sqlite::Database& reader, std::int64_t after_id) {
  return postings::backlog_after(reader.handle(), after_id);
}

int Store::write_search_run(postings::PreparedRun& run) {
  if (run.ids.empty()) return 0;
  sqlite::Transaction transaction(db_);
  const int indexed = postings::write_search_run(db_.handle(), run);
  transaction.commit();
  return indexed;
}

std::int64_t Store::search_backlog() {
  auto query = db_.prepare("SELECT count(*) FROM search_backlog");
  query.step();
  return query.column_int(0);
}

std::int64_t Store::count_entries() {
  auto query = db_.prepare("SELECT count(*) FROM entries");
  query.step();
  return query.column_int(0);
}

RecordedVersion Store::record_version(std::int64_t entry_id, std::string_view origin, const std::string& title,
                                      const std::string& content, std::int64_t when_ms) {
  const auto insert = [&](int number, std::string_view from, std::int64_t at, const std::string& version_title,
                          const std::string& version_content) {
    insert_version_.bind(1, entry_id)
        .bind(2, std::int64_t{number})
        .bind(3, from)
        .bind(4, at)
        .bind(5, version_title)
        .bind(6, version_content)
        .bind(7, searchable_text(version_title, version_content));
    insert_version_.run();
  };
  latest_version_.bind(1, entry_id);
  const bool stored = latest_version_.step();
  int latest = 1;
  bool same = false;
  if (stored) {
    latest = static_cast<int>(latest_version_.column_int(0));
    same = latest_version_.column_text(1) == title && latest_version_.column_text(2) == content;
  }
  latest_version_.reset();
  if (!stored) {
    auto row = db_.prepare("SELECT title, content, first_seen_ms FROM entries WHERE id = ?1");
    row.bind(1, entry_id);
    if (!row.step()) throw std::logic_error(fmt::format("record_version: no entry {}", entry_id));
    const std::string first_title = row.column_text(0);
    const std::string first_content = row.column_text(1);
    if (first_title == title && first_content == content) return RecordedVersion{1, false};
    insert(1, "feed", row.column_int(2), first_title, first_content);
  }
  if (same) return RecordedVersion{latest, false};
  insert(latest + 1, origin, when_ms, title, content);
  return RecordedVersion{latest + 1, true};
}

std::vector<EntryVersion> Store::versions_of(std::int64_t entry_id) {
  std::vector<EntryVersion> versions;
  auto query = db_.prepare(
      "SELECT number, origin, recorded_ms, title, content FROM entry_versions WHERE entry_id = ?1 ORDER BY number");
  query.bind(1, entry_id);
  while (query.step()) {
    versions.push_back(EntryVersion{static_cast<int>(query.column_int(0)), query.column_text(1), query.column_int(2),
                                    query.column_text(3), query.column_text(4)});
  }
  if (!versions.empty()) return versions;
  auto row = db_.prepare("SELECT first_seen_ms, title, content FROM entries WHERE id = ?1");
  row.bind(1, entry_id);
  if (row.step()) versions.push_back(EntryVersion{1, "feed", row.column_int(0), row.column_text(1), row.column_text(2)});
  return versions;
}

void Store::record_fetch(const FetchRow& fetch) {
  insert_fetch_.bind(1, fetch.source_id)
      .bind(2, fetch.started_ms)
      .bind(3, fetch.duration_ms)
      .bind(4, std::int64_t{fetch.http_status})
      .bind(5, fetch.bytes)
      .bind(6, std::int64_t{fetch.new_entries})
      .bind(7, std::int64_t{fetch.updated_entries})
      .bind(8, std::int64_t{fetch.unchanged_entries});
  if (fetch.error.empty()) {
    insert_fetch_.bind(9, std::nullopt);
  } else {
    insert_fetch_.bind(9, fetch.error);
  }
  insert_fetch_.run();
}

}  // namespace feedd
