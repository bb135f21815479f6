// The search index brought up to date before a command that stored or
// changed many rows (`once`, `reprocess`) exits.
#pragma once

#include <cstddef>
#include <string>

#include "store/store.h"

namespace feedd {

// Indexes every stored row still waiting for the search index, after a
// command that stored or changed many (`once`, `reprocess`), showing progress
// on stderr when `show_progress`. A failure costs nothing but time: the rows
// stay searchable by their text, and the next run indexes them.
struct SearchCatchUp {
  std::size_t indexed = 0;
  double seconds = 0;
  std::string error;  // why it stopped short; empty when all are indexed
};
SearchCatchUp catch_up_search_index(Store& store, bool show_progress);

}  // namespace feedd
