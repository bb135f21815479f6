#include "daemon/runtime/watch/page_watcher.h"

#include <algorithm>
#include <set>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/runtime/pipeline/source_request.h"
#include "daemon/runtime/watch/removal_evidence.h"
#include "fetchers/http/request_scope.h"
#include "fetchers/http/url.h"
#include "fetchers/redact/redact_url.h"

namespace feedd::watch {
namespace {

constexpr std::chrono::milliseconds daemon_period = std::chrono::minutes(1);

// A turn's share of the transfer slots: an eighth of fetch.concurrency
// (8 of the default 64), so polls always find room beside the rechecks.
int recheck_slots(const config::Config& config) { return std::max(1, config.fetch.concurrency / 8); }

}  // namespace

std::map<std::string, SourcePolicy> source_policies(const config::Config& config) {
  std::map<std::string, SourcePolicy> policies;
  for (const auto& source : config.sources) {
    SourcePolicy policy;
    if (source.watch) policy.watch_ms = source.watch->count();
    policy.archive_org = source.archive_org;
    if (policy.watch_ms || policy.archive_org) policies[source.name] = policy;
  }
  return policies;
}

HttpRequest page_request(const config::Source& source, const std::string& url) {
  HttpRequest request;
  try {
    // The login too: a page behind it answers a recheck without it with a
    // 401 or a login page, which says nothing about the article.
    request = source_request(source, url, {});
  } catch (const std::exception& error) {
    spdlog::warn("source {}: recheck of {} without its login: {}", source.name, url::redact(url), error.what());
    config::Source without_login;
    without_login.allow_private = source.allow_private;
    without_login.fetch = source.fetch;
    without_login.fetch.username.clear();
    without_login.fetch.token_file.clear();
    request = source_request(without_login, url, {});
  }
  confine_to_home_hosts(request, source.urls.empty() ? std::vector<std::string>{source.url} : source.urls);
  return request;
}

Pipeline::FeedStored feed_drop_observer(const Clock& clock) {
  return [&clock](Archive& archive, const config::Source& source, const std::vector<IncomingEntry>& entries) {
    if (!source.watch) return;
    for (const auto& url : note_dropped_from_feed(archive.store().database(), source.name, entries, clock.now_ms())) {
      spdlog::info("source {}: entry dropped out of its feed while older entries remain (a weak sign of removal): {}",
                   source.name, url::redact(url));
    }
  };
}

namespace {

// A source with removed_notice: the removed entry's post is written again,
// now with its notice (Archive::render reads the removal); its path joins
// `written`, for the publish hook.
void rewrite_post(Archive& archive, std::int64_t entry_id, std::vector<std::filesystem::path>& written) {
  auto rows = archive.store().entries_after(entry_id - 1, 1);
  if (rows.empty() || rows.front().id != entry_id || rows.front().imported) return;
  archive.store().set_post_pending(entry_id, true);
  rows.front().post_pending = true;
  std::vector<std::string> errors;
  archive.write_posts(rows, errors, &written);
  for (const auto& error : errors) spdlog::warn("removed entry's post not rewritten yet (kept pending): {}", error);
}

}  // namespace

struct PageWatcher::Turn {
  std::vector<DueCheck> due;
  std::size_t next = 0;  // the next of `due` to fetch
  int running = 0;
  std::vector<std::pair<DueCheck, Verdict>> judged;
  std::vector<std::int64_t> unwatched;  // sources that stopped watching
  RecheckTally tally;
  std::function<void(RecheckTally)> done;
};

PageWatcher::PageWatcher(boost::asio::io_context& io, Pipeline& pipeline, const Clock& clock,
                         const config::Config& config)
    : io_(io), pipeline_(pipeline), clock_(clock), timer_(io) {
  reconfigure(config);
}

PageWatcher::~PageWatcher() = default;

void PageWatcher::reconfigure(const config::Config& config) {
  sources_.clear();
  // Only the sources that watch: a copy of all 100,000 would cost tens of MiB.
  for (const auto& source : config.sources) {
    if (source.watch) sources_[source.name] = source;
  }
  policies_ = source_policies(config);
  in_flight_limit_ = recheck_slots(config);
  notice_sources_.clear();
  for (const auto& source : config.sources) {
    if (source.removed_notice) notice_sources_.insert(source.name);
  }
}

void PageWatcher::turn(std::function<void(RecheckTally)> done) {
  auto state = std::make_shared<Turn>();
  state->done = std::move(done);
  const int batch = in_flight_limit_ * 4;
  pipeline_.write(
      [state, policies = policies_, now = clock_.now_ms(), batch](Archive& archive) {
        auto& db = archive.store().database();
        enrol_new_entries(db, policies, now);
        state->due = due_rechecks(db, now, batch);
        state->tally.more = static_cast<int>(state->due.size()) >= batch;
      },
      [this, state] {
        // Entries of sources that no longer watch leave the schedule.
        std::erase_if(state->due, [&](const DueCheck& check) {
          const auto policy = policies_.find(check.source_name);
          const bool watched = policy != policies_.end() && policy->second.watch_ms && sources_.contains(check.source_name);
          if (!watched) state->unwatched.push_back(check.entry_id);
          return !watched;
        });
        if (state->due.empty()) return finish_turn(state);
        for (int i = 0; i < in_flight_limit_; ++i) fetch_next(state);
      });
}

void PageWatcher::fetch_next(const std::shared_ptr<Turn>& turn) {
  if (turn->next >= turn->due.size()) return;
  const DueCheck check = turn->due[turn->next++];
  const auto source = sources_.find(check.source_name);
  if (source == sources_.end()) {  // gone in a reload meanwhile: judged next turn
    if (turn->running == 0 && turn->next >= turn->due.size()) return finish_turn(turn);
    return fetch_next(turn);
  }
  ++turn->running;
  pipeline_.http().fetch(page_request(source->second, check.url),
                         [this, turn, check](HttpResponse response) {
                           --turn->running;
                           if (response.error != "aborted") {
                             Verdict verdict;
                             try {
                               verdict = judge_page(check.url, response, check.baseline_chars);
                             } catch (const std::exception& error) {
                               verdict.kind = Verdict::Kind::transient;
                               verdict.evidence = error.what();
                             }
                             turn->judged.emplace_back(check, std::move(verdict));
                           }
                           if (stopped_) turn->next = turn->due.size();
                           fetch_next(turn);
                           if (turn->running == 0 && turn->next >= turn->due.size()) finish_turn(turn);
                         });
}

void PageWatcher::finish_turn(const std::shared_ptr<Turn>& turn) {
  pipeline_.write(
      [turn, now = clock_.now_ms(), notices = notice_sources_](Archive& archive) {
        auto& db = archive.store().database();
        for (const auto id : turn->unwatched) stop_watching(db, id);
        for (const auto& [check, verdict] : turn->judged) {
          const bool removed = record_check(db, check, verdict, now);
          ++turn->tally.checked;
          if (removed) {
            ++turn->tally.removed;
            if (notices.contains(check.source_name)) rewrite_post(archive, check.entry_id, turn->tally.rewritten);
            spdlog::warn("source {}: entry removed: {}: {}", check.source_name, url::redact(check.url),
                         verdict.evidence);
          } else if (verdict.kind == Verdict::Kind::transient) {
            ++turn->tally.transient;
            spdlog::debug("source {}: recheck of {} not conclusive, tried again later: {}", check.source_name,
                          url::redact(check.url), verdict.evidence);
          }
        }
      },
      [turn] { turn->done(turn->tally); });
}

void PageWatcher::run_due(std::function<void(RecheckTally)> done) {
  auto totals = std::make_shared<RecheckTally>();
  auto step = std::make_shared<std::function<void()>>();
  *step = [this, totals, step, done = std::move(done)] {
    turn([this, totals, step, done](RecheckTally tally) {
      totals->checked += tally.checked;
      totals->removed += tally.removed;
      totals->transient += tally.transient;
      totals->rewritten.insert(totals->rewritten.end(), tally.rewritten.begin(), tally.rewritten.end());
      // Rechecks a batch judged are no longer due, so each turn makes progress.
      if (tally.more && tally.checked > 0 && !stopped_) return (*step)();
      done(*totals);
      *step = nullptr;  // the cycle through `step` ends here
    });
  };
  (*step)();
}

void PageWatcher::start(std::function<void(const RecheckTally&)> on_turn) {
  on_turn_ = std::move(on_turn);
  next_daemon_turn(std::chrono::milliseconds(0));
}

void PageWatcher::next_daemon_turn(std::chrono::milliseconds delay) {
  if (stopped_) return;
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopped_) return;
    turn([this](RecheckTally tally) {
      if (on_turn_) on_turn_(tally);
      next_daemon_turn(tally.more ? std::chrono::milliseconds(0) : daemon_period);
    });
  });
}

void PageWatcher::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace feedd::watch
