#include "daemon/runtime/watch/watch_pass.h"

#include <spdlog/spdlog.h>

#include "daemon/runtime/watch/page_watcher.h"
#include "daemon/runtime/watch/wayback_submitter.h"

namespace feedd::watch {

std::vector<std::filesystem::path> run_watch_pass(boost::asio::io_context& io, Pipeline& pipeline, const Clock& clock,
                                                  const config::Config& config) {
  PageWatcher watcher(io, pipeline, clock, config);
  WaybackSubmitter wayback(io, pipeline, clock, config);
  RecheckTally rechecks;
  WaybackTally sent;
  io.restart();
  // Rechecks first, then Save Page Now: both enrol the pass's new entries.
  watcher.run_due([&](RecheckTally tally) {
    rechecks = tally;
    wayback.drain([&](WaybackTally tally_sent) { sent = tally_sent; });
  });
  try {
    io.run();
  } catch (const std::exception& error) {
    spdlog::error("rechecks and Wayback copies stopped: {}", error.what());
  }
  if (rechecks.checked > 0) {
    spdlog::info("{} page(s) rechecked: {} removed, {} to be tried again", rechecks.checked, rechecks.removed,
                 rechecks.transient);
  }
  if (sent.saved + sent.retried + sent.dropped > 0) {
    spdlog::info("wayback: {} saved, {} to be tried again, {} given up", sent.saved, sent.retried, sent.dropped);
  }
  return std::move(rechecks.rewritten);
}

}  // namespace feedd::watch
