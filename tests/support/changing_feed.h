// A feed that changes between requests, the way a busy news source does:
// before each answer it may publish a new entry, revise one (new title and
// body, a later date) and so push its oldest entry out of the window. It
// remembers the latest revision of every entry it ever sent, so a test can
// check afterwards that nothing served was lost or stored twice.
//
// Deterministic for a given seed and order of requests. Thread-safety: every
// member may be called from any thread (route handlers run on the server's).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "tests/support/http_test_server.h"

namespace feedd::test {

class ChangingFeed {
 public:
  struct Options {
    std::string name{};             // in titles and links; unique per test
    int initial_entries = 20;
    int window = 20;                // newest entries one document holds
    double add_chance = 0.1;        // per request, before answering
    double update_chance = 0.1;     // per request, before answering
    std::uint32_t seed = 1;
  };

  struct Entry {
    int number = 0;                 // 0, 1, 2... in order of publication
    int revision = 0;               // 0 when published, then 1, 2...
    std::string link;               // never changes: the entry's identity
    std::string title;              // changes with every revision
    std::int64_t published_ms = 0;  // later with every revision, same day
    std::string body;               // HTML, changes with every revision
  };

  explicit ChangingFeed(Options options);

  // The route handler: 200 with the current RSS 2.0 document and its ETag,
  // or 304 when If-None-Match names the current one.
  TestResponse answer(const TestRequest& request);

  // Every entry ever sent in a 200, at the latest revision sent, by number.
  std::vector<Entry> served() const;
  // Entries in the document the next request would get (no change applied).
  std::vector<Entry> current() const;

  // Stops all changes, and from now on the document holds every entry ever
  // served, at its latest revision sent, and the current window, instead of
  // the window alone: a final pass in which a reader can catch up on
  // whatever it missed (served() counts the window from now on).
  void settle();
  // true: answer 200 even to a matching If-None-Match (forces a full read).
  void ignore_validators(bool ignore);
  void set_chances(double add, double update);

  int requests() const;
  int not_modified() const;  // 304s sent

 private:
  void maybe_change();
  Entry make_entry(int number, int revision) const;
  std::string document_locked() const;

  mutable std::mutex mutex_;
  Options options_;
  std::mt19937 random_;
  std::vector<Entry> entries_;       // newest last
  std::map<int, Entry> served_;      // by number
  int next_number_ = 0;
  std::uint64_t state_ = 0;          // bumped by every change; in the ETag
  bool settled_ = false;
  bool ignore_validators_ = false;
  int requests_ = 0;
  int not_modified_ = 0;
};

}  // namespace feedd::test
