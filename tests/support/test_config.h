// Config files for the feedd under test, written the same way by every test
// that starts it: the store in DIR/state/feedd.db, the posts in DIR/posts.
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/temp_dir.h"

namespace feedd::test {

// One [[sources]] table with raw content (the seed posts' format), then
// `extra` TOML lines for this source. Any name can be given (a TOML literal
// string holds quotes and backslashes as they are).
std::string source_toml(const std::string& name, const std::string& url, const std::string& extra = "");

// DIR/feedd.toml: [storage] as above, then `sections` ([schedule], say),
// then `sources` (source_toml). Returns its path.
std::filesystem::path write_test_config(const TempDir& dir, const std::string& sections, const std::string& sources);

}  // namespace feedd::test
