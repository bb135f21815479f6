// A store taken back to schema 14: a new row enters the search backlog by
// schema 14's trigger again (schema 16 dropped it), the posts owed are again
// the rows with post_pending set, found through schema 1's partial index,
// and schema 15's post_backlog and its trigger are gone. Tests of an upgrade
// from 14 or earlier start here, so that the backlog a store had survives
// the way back.
#pragma once

#include <string_view>

namespace feedd::test {

inline constexpr std::string_view back_to_schema_14_sql =
    "CREATE TRIGGER IF NOT EXISTS search_backlog_insert AFTER INSERT ON entries BEGIN "
    "INSERT OR IGNORE INTO search_backlog (id) VALUES (new.id); END; "
    "UPDATE entries SET post_pending = (id IN (SELECT id FROM post_backlog)) "
    "WHERE post_pending != (id IN (SELECT id FROM post_backlog)); "
    "CREATE INDEX entries_pending ON entries(post_pending) WHERE post_pending != 0; "
    "DROP TRIGGER post_backlog_delete; DROP TABLE post_backlog; "
    "PRAGMA user_version = 14;";

}  // namespace feedd::test
