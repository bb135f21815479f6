#include "tests/support/changing_feed.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace feedd::test {
namespace {

// 2021-04-15T00:00:00Z: every date lies on this day, so a post's file name
// never depends on which revision was stored first.
constexpr std::int64_t base_ms = 1618444800000;

std::string rfc822(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return text;
}

}  // namespace

ChangingFeed::ChangingFeed(Options options) : options_(std::move(options)), random_(options_.seed) {
  for (int i = 0; i < options_.initial_entries; ++i) entries_.push_back(make_entry(next_number_++, 0));
}

ChangingFeed::Entry ChangingFeed::make_entry(int number, int revision) const {
  Entry entry;
  entry.number = number;
  entry.revision = revision;
  entry.link = fmt::format("https://news.example/{}/{}", options_.name, number);
  entry.title = fmt::format("{} 第{}条 r{}", options_.name, number, revision);
  // Minutes apart per entry, a second later per revision: always newer.
  entry.published_ms = base_ms + std::int64_t{number} * 60000 + std::int64_t{revision} * 1000;
  entry.body = fmt::format("<p>{} 新闻 {} 修订 {}</p><p>{}</p>", options_.name, number, revision,
                           std::string(static_cast<std::size_t>(40 + number % 7 * 20), 'x'));
  return entry;
}

void ChangingFeed::maybe_change() {
  if (settled_) return;
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  if (chance(random_) < options_.add_chance) {
    entries_.push_back(make_entry(next_number_++, 0));
    if (static_cast<int>(entries_.size()) > options_.window) entries_.erase(entries_.begin());
    ++state_;
  }
  if (!entries_.empty() && chance(random_) < options_.update_chance) {
    std::uniform_int_distribution<std::size_t> pick(0, entries_.size() - 1);
    auto& entry = entries_[pick(random_)];
    entry = make_entry(entry.number, entry.revision + 1);
    ++state_;
  }
}

std::string ChangingFeed::document_locked() const {
  std::vector<Entry> shown;
  if (settled_) {
    for (const auto& [number, entry] : served_) shown.push_back(entry);
  } else {
    shown.assign(entries_.begin(), entries_.end());
  }
  std::string xml = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{0}</title>"
      "<link>https://news.example/{0}/</link><description>changing feed</description>\n",
      options_.name);
  // Newest first, as feeds list them.
  for (auto it = shown.rbegin(); it != shown.rend(); ++it) {
    xml += fmt::format(
        "<item><title>{}</title><link>{}</link><guid>{}</guid><pubDate>{}</pubDate>"
        "<description><![CDATA[{}]]></description></item>\n",
        it->title, it->link, it->link, rfc822(it->published_ms), it->body);
  }
  return xml + "</channel></rss>\n";
}

TestResponse ChangingFeed::answer(const TestRequest& request) {
  const std::lock_guard lock(mutex_);
  ++requests_;
  maybe_change();
  const std::string etag = fmt::format("\"{}-{}{}\"", options_.name, state_, settled_ ? "-all" : "");
  TestResponse response;
  response.headers = {{"ETag", etag}};
  const auto sent = request.headers.find("if-none-match");
  if (!ignore_validators_ && sent != request.headers.end() && sent->second == etag) {
    ++not_modified_;
    response.status = 304;
    return response;
  }
  response.headers.emplace_back("Content-Type", "application/rss+xml; charset=utf-8");
  response.body = document_locked();
  if (!settled_) {
    for (const auto& entry : entries_) served_[entry.number] = entry;
  }
  return response;
}

std::vector<ChangingFeed::Entry> ChangingFeed::served() const {
  const std::lock_guard lock(mutex_);
  std::vector<Entry> result;
  for (const auto& [number, entry] : served_) result.push_back(entry);
  return result;
}

std::vector<ChangingFeed::Entry> ChangingFeed::current() const {
  const std::lock_guard lock(mutex_);
  return entries_;
}

void ChangingFeed::settle() {
  const std::lock_guard lock(mutex_);
  settled_ = true;
  // The settled document holds what was served and what the window holds
  // now: a feed no reader asked for before settling still has its entries
  // to give (an empty document would leave them unserved for ever).
  for (const auto& entry : entries_) served_.insert_or_assign(entry.number, entry);
}

void ChangingFeed::ignore_validators(bool ignore) {
  const std::lock_guard lock(mutex_);
  ignore_validators_ = ignore;
}

void ChangingFeed::set_chances(double add, double update) {
  const std::lock_guard lock(mutex_);
  options_.add_chance = add;
  options_.update_chance = update;
}

int ChangingFeed::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

int ChangingFeed::not_modified() const {
  const std::lock_guard lock(mutex_);
  return not_modified_;
}

}  // namespace feedd::test
