// What `feedd check` verifies beyond the file itself, without polling: that
// the paths the config names can be used and the publish command can be run,
// so a config that passes check does not fail at the first batch.
#pragma once

#include <vector>

#include "config/config.h"

namespace feedd {

// Each problem as FILE:LINE: KEY: PROBLEM (line 0 when the key is a default).
std::vector<config::ConfigError> environment_problems(const config::Config& config);

}  // namespace feedd
