// The config as the daemon uses it: loaded and checked by the config
// library, then the parts only the fetchers understand (remove rules) checked
// too, so every mistake is a FILE:LINE: KEY error before anything runs.
#pragma once

#include <filesystem>

#include "config/config.h"

namespace feedd {

// Throws config::ConfigError.
config::Config load_checked_config(const std::filesystem::path& path);

}  // namespace feedd
