// A posts folder deleted while `feedd run` is up (a clean-up gone wrong, a
// site rebuilt from scratch) is made again, and filled again from the store,
// instead of every new post failing until a person notices.
#pragma once

#include "store/archive.h"

namespace feedd {

// When the archive's posts folder is missing: creates it, logs a warning,
// marks every row's post pending and writes them. Returns whether it did.
// REQUIRES: on the archive's thread. Throws what the file system and store
// throw.
bool restore_missing_posts_dir(Archive& archive);

}  // namespace feedd
