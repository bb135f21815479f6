// The posts owed to the publish hook across processes: what `once` and `run`
// remember before they hand posts to the Publisher, and offer again at
// start (store/lists/unpublished.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "store/archive.h"

namespace feedd {

// Posts a previous process wrote and never got published. Files that are
// gone meanwhile (forgotten entries) are dropped from the backlog: a hook
// cannot publish them. REQUIRES: on the archive's thread.
std::vector<std::filesystem::path> take_publish_backlog(Archive& archive);

}  // namespace feedd
