// A store taken back to schema 6: the tables of every later migration step
// dropped and user_version set to 6, as a store from before media, versions,
// removal watching and full articles looks. Tests of an upgrade start here;
// one list, so a new step is added once (the steps from 14 on in
// schema_14.h, which this one starts with).
#pragma once

#include <string>

#include "tests/support/schema_14.h"

namespace feedd::test {

inline const std::string back_to_schema_6_sql =
    std::string(back_to_schema_14_sql) +
    "DROP TABLE IF EXISTS media_references; DROP TABLE IF EXISTS media_downloads; DROP TABLE IF EXISTS media_files; "
    "DROP TABLE IF EXISTS entry_versions; "
    "DROP TABLE IF EXISTS watched; DROP TABLE IF EXISTS removals; DROP TABLE IF EXISTS wayback_queue; "
    "DROP TABLE IF EXISTS wayback_snapshots; DROP TABLE IF EXISTS watch_cursor; "
    "DROP TABLE IF EXISTS page_contents; "
    "DROP TABLE IF EXISTS entry_enclosures; "
    "DROP TABLE IF EXISTS enclosure_history; "
    // Schema 11's search index. Schema 6's FTS5 table is not made again (it
    // needs feedd's tokenizer on the connection) and search_indexed is left
    // as it is: the step to 11 drops that table if present and puts every
    // row back in the backlog either way.
    "DROP TRIGGER IF EXISTS search_dirty_delete; DROP TRIGGER IF EXISTS search_dirty_update; "
    "DROP TABLE IF EXISTS search_chunks; DROP TABLE IF EXISTS search_runs; DROP TABLE IF EXISTS search_dirty; "
    // Schema 14's backlog table and the trigger that fills it.
    "DROP TRIGGER IF EXISTS search_backlog_insert; DROP TABLE IF EXISTS search_backlog; "
    "PRAGMA user_version = 6;";

}  // namespace feedd::test
