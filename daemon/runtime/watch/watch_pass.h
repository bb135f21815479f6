// `feedd once`'s share of removal watching and Wayback copies: after the
// polls, the rechecks due at the pass's clock (`--now`) and the Save Page
// Now requests due, through the same pipeline and HttpClient, so a
// timer-driven archive sees them as the daemon would.
#pragma once

#include <filesystem>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config/config.h"
#include "daemon/runtime/pipeline/clock.h"
#include "daemon/runtime/pipeline/ingest.h"

namespace feedd::watch {

// REQUIRES: `io` has run out of work (the polls are done); it is restarted
// and run again until both are done. Logs a line when anything was checked
// or sent; failures are logged, never thrown. Returns the posts written
// again with a removal notice, for the publish hook.
std::vector<std::filesystem::path> run_watch_pass(boost::asio::io_context& io, Pipeline& pipeline, const Clock& clock,
                                                  const config::Config& config);

}  // namespace feedd::watch
