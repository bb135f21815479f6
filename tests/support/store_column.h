// One column of every row a query gives, as text, read through the store's
// own connection (the tests that check a store's tables while it is open).
#pragma once

#include <string>
#include <vector>

#include "store/sqlite.h"

namespace feedd::test {

inline std::vector<std::string> column(sqlite::Database& db, const std::string& sql, int index = 0) {
  std::vector<std::string> values;
  auto query = db.prepare(sql);
  while (query.step()) values.push_back(query.column_text(index));
  return values;
}

}  // namespace feedd::test
