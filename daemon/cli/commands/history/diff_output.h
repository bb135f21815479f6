// A word diff (store/versions/word_diff.h) written out: for a person with
// [-removed-]{+added+} markers, in red and green when stdout is a terminal,
// long unchanged stretches shortened to their ends; or as JSON pieces.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/versions/word_diff.h"

namespace feedd {

// The diff as text; `colour` adds ANSI colours around the markers.
std::string diff_for_people(const std::vector<DiffPiece>& pieces, bool colour);

// [{"op": "same"|"removed"|"added", "text": ...}, ...], every piece whole.
nlohmann::json diff_as_json(const std::vector<DiffPiece>& pieces);

}  // namespace feedd
