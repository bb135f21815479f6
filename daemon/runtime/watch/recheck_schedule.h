// When a watched entry's page is fetched again (`watch`, issue 15): often
// while a takedown is most likely, rarely after. The steps count from when
// the entry was first seen, so a missed turn (feedd stopped, a cron gap)
// does not push the whole schedule back.
#pragma once

#include <cstdint>
#include <optional>

namespace feedd::watch {

// About 1h, 6h, 1d, 3d and 7d after first seen; steps past the watch window
// are dropped and the window's end is the last check. Each step gets up to
// 10% of its length added, derived from the entry's id, so entries first
// seen together (a feed's first poll) come due spread out, not in a burst,
// and the same store gives the same schedule on every run.
//
// The time of check number `checks_done` (0: the first recheck) for an entry
// first seen at `first_seen_ms` and watched until `until_ms`; nullopt when
// every check is done.
std::optional<std::int64_t> recheck_time(std::int64_t entry_id, std::int64_t first_seen_ms, std::int64_t until_ms,
                                         int checks_done);

// After a transient failure (5xx, timeout): the same check, an hour later
// (plus jitter), while the window lasts and a day after it.
std::optional<std::int64_t> retry_time(std::int64_t entry_id, std::int64_t now_ms, std::int64_t until_ms);

}  // namespace feedd::watch
