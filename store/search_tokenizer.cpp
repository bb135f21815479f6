#include "store/search_tokenizer.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <vector>
#include <string>
#include <string_view>

#include "store/postings/grams.h"

namespace feedd {
namespace {

using EmitToken = int (*)(void* context, int flags, const char* token, int size, int start, int end);

// The tokens of one document, each kept once: with detail=none FTS5 stores
// only which rows hold a token, so a repeat is work that changes nothing.
// Open addressing over the token's bytes (a character is at most 4 bytes, a
// token at most 8); a generation per slot empties the table in O(1).
class TokenSet {
 public:
  void clear(std::size_t expected) {
    std::size_t capacity = 64;
    while (capacity < expected * 4) capacity *= 2;
    if (capacity > slots_.size()) {
      slots_.assign(capacity, Slot{});
      generation_ = 0;
    }
    if (++generation_ == 0) {
      std::fill(slots_.begin(), slots_.end(), Slot{});
      generation_ = 1;
    }
  }

  // True the first time `token` is seen since clear().
  bool insert(std::string_view token) {
    std::uint64_t bytes = 0;
    std::memcpy(&bytes, token.data(), std::min(token.size(), sizeof bytes));
    const auto size = static_cast<std::uint32_t>(token.size());
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t at = (bytes * 0x9E3779B97F4A7C15ULL >> 40 ^ size) & mask;; at = (at + 1) & mask) {
      Slot& slot = slots_[at];
      if (slot.generation != generation_) {
        slot = Slot{bytes, size, generation_};
        return true;
      }
      if (slot.bytes == bytes && slot.size == size) return false;
    }
  }

 private:
  struct Slot {
    std::uint64_t bytes = 0;
    std::uint32_t size = 0;
    std::uint32_t generation = 0;
  };
  std::vector<Slot> slots_;
  std::uint32_t generation_ = 0;
};

// "feedd_bigram" (schema 2-3's entries_short) emits a document's bigrams and
// the last character of each run; "feedd_bigram unigrams" (schema 4's single
// index) emits every character and every bigram of a document, each once.
struct BigramTokenizer {
  bool unigrams = false;
  TokenSet seen;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

using postings::char_size;

struct Emitter {
  std::string_view text;
  void* context;
  EmitToken emit;
  TokenSet* once = nullptr;  // set: each distinct token only the first time
  std::array<char, 8> folded{};

  int operator()(std::size_t start, std::size_t end) {
    // A token is one or two characters: at most 8 bytes.
    const std::size_t size = std::min(end - start, folded.size());
    for (std::size_t i = 0; i < size; ++i) {
      const char c = text[start + i];
      folded[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (once != nullptr && !once->insert(std::string_view(folded.data(), size))) return SQLITE_OK;
    return emit(context, 0, folded.data(), static_cast<int>(size), static_cast<int>(start), static_cast<int>(end));
  }
};

// A run is a stretch of text between spaces. Documents get every bigram of a
// run and its last character alone, so every character starts some token. A
// query gets only its bigrams, or the character itself when it is alone.
int tokenize_runs(Emitter& emitter, bool query) {
  const std::string_view text = emitter.text;
  std::size_t previous = 0;  // start of the previous character in this run
  std::size_t run_length = 0;
  const auto end_run = [&](std::size_t end) {
    const bool emit_last = run_length > 0 && (!query || run_length == 1);
    run_length = 0;
    return emit_last ? emitter(previous, end) : SQLITE_OK;
  };
  std::size_t at = 0;
  while (at < text.size()) {
    if (is_space(text[at])) {
      if (const int code = end_run(at); code != SQLITE_OK) return code;
      ++at;
      continue;
    }
    const std::size_t next = at + char_size(text, at);
    if (run_length > 0) {
      if (const int code = emitter(previous, next); code != SQLITE_OK) return code;
    }
    previous = at;
    ++run_length;
    at = next;
  }
  return end_run(at);
}

// Every character and every bigram within a run (schema 4's documents).
int tokenize_grams(Emitter& emitter) {
  const std::string_view text = emitter.text;
  std::size_t previous = 0;
  bool in_run = false;
  for (std::size_t at = 0; at < text.size();) {
    if (is_space(text[at])) {
      in_run = false;
      ++at;
      continue;
    }
    const std::size_t next = at + char_size(text, at);
    if (in_run) {
      if (const int code = emitter(previous, next); code != SQLITE_OK) return code;
    }
    if (const int code = emitter(at, next); code != SQLITE_OK) return code;
    previous = at;
    in_run = true;
    at = next;
  }
  return SQLITE_OK;
}

int create(void*, const char** arguments, int count, Fts5Tokenizer** out) {
  auto* tokenizer = new (std::nothrow) BigramTokenizer;
  if (tokenizer == nullptr) return SQLITE_NOMEM;
  for (int i = 0; i < count; ++i) {
    if (std::string_view(arguments[i]) != "unigrams") {
      delete tokenizer;
      return SQLITE_ERROR;
    }
    tokenizer->unigrams = true;
  }
  *out = reinterpret_cast<Fts5Tokenizer*>(tokenizer);
  return SQLITE_OK;
}

void destroy(Fts5Tokenizer* tokenizer) { delete reinterpret_cast<BigramTokenizer*>(tokenizer); }

int tokenize(Fts5Tokenizer* handle, void* context, int flags, const char* text, int size, EmitToken emit) {
  // Called from C: nothing may escape, and the only thing that can throw is
  // the allocation of the token set.
  try {
    auto& tokenizer = *reinterpret_cast<BigramTokenizer*>(handle);
    Emitter emitter{std::string_view(text, static_cast<std::size_t>(size)), context, emit};
    const bool query = (flags & FTS5_TOKENIZE_QUERY) != 0;
    if (!tokenizer.unigrams || query) return tokenize_runs(emitter, query);
    // A 'delete' must name the same tokens as the insert did: both come here.
    tokenizer.seen.clear(static_cast<std::size_t>(size));
    emitter.once = &tokenizer.seen;
    return tokenize_grams(emitter);
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  }
}

struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};

// The documented way to reach FTS5's C API from a connection.
fts5_api* fts5_api_of(sqlite::Database& db) {
  sqlite3_stmt* raw = nullptr;
  const int code = sqlite3_prepare_v2(db.handle(), "SELECT fts5(?1)", -1, &raw, nullptr);
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement(raw);
  if (code != SQLITE_OK) db.fail("FTS5 is not available in this SQLite", code);
  fts5_api* api = nullptr;
  sqlite3_bind_pointer(raw, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
  sqlite3_step(raw);
  if (api == nullptr) db.fail("FTS5 is not available in this SQLite", SQLITE_ERROR);
  return api;
}

}  // namespace

std::vector<std::string> query_grams(std::string_view term) {
  std::vector<std::string> grams;
  const auto add = [&grams](std::string_view gram) {
    if (std::find(grams.begin(), grams.end(), gram) == grams.end()) grams.emplace_back(gram);
  };
  std::size_t run_start = 0;
  std::size_t previous = 0;
  std::size_t run_length = 0;
  const auto end_run = [&](std::size_t end) {
    if (run_length == 1) add(term.substr(run_start, end - run_start));
    run_length = 0;
  };
  for (std::size_t at = 0; at < term.size();) {
    if (is_space(term[at])) {
      end_run(at);
      ++at;
      continue;
    }
    const std::size_t next = at + char_size(term, at);
    if (run_length == 0) run_start = at;
    if (run_length > 0) add(term.substr(previous, next - previous));
    previous = at;
    ++run_length;
    at = next;
  }
  end_run(term.size());
  return grams;
}

void register_bigram_tokenizer(sqlite::Database& db) {
  fts5_api* api = fts5_api_of(db);
  fts5_tokenizer tokenizer{create, destroy, tokenize};
  const int code = api->xCreateTokenizer(api, bigram_tokenizer_name, nullptr, &tokenizer, nullptr);
  if (code != SQLITE_OK) db.fail("register the feedd_bigram tokenizer", code);
}

}  // namespace feedd
