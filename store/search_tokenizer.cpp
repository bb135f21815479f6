#include "store/search_tokenizer.h"

#include <sqlite3.h>

#include <memory>
#include <new>
#include <string>
#include <string_view>

namespace feedd {
namespace {

using EmitToken = int (*)(void* context, int flags, const char* token, int size, int start, int end);

// The tokenizer keeps no state; FTS5 still wants a distinct handle per table.
struct BigramTokenizer {};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Bytes of the character starting at `text[at]`. Stored text is valid UTF-8;
// anything else is taken a byte at a time rather than refused.
std::size_t char_size(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t size = 1;
  if (lead >= 0xF0) {
    size = 4;
  } else if (lead >= 0xE0) {
    size = 3;
  } else if (lead >= 0xC0) {
    size = 2;
  }
  return at + size <= text.size() ? size : 1;
}

struct Emitter {
  std::string_view text;
  void* context;
  EmitToken emit;
  std::string folded;

  int operator()(std::size_t start, std::size_t end) {
    folded.assign(text.substr(start, end - start));
    for (char& c : folded) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return emit(context, 0, folded.data(), static_cast<int>(folded.size()), static_cast<int>(start),
                static_cast<int>(end));
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

int create(void*, const char**, int, Fts5Tokenizer** out) {
  *out = reinterpret_cast<Fts5Tokenizer*>(new (std::nothrow) BigramTokenizer);
  return *out != nullptr ? SQLITE_OK : SQLITE_NOMEM;
}

void destroy(Fts5Tokenizer* tokenizer) { delete reinterpret_cast<BigramTokenizer*>(tokenizer); }

int tokenize(Fts5Tokenizer*, void* context, int flags, const char* text, int size, EmitToken emit) {
  // Called from C: nothing may escape, and the only thing that can throw is
  // the allocation of the folding buffer.
  try {
    Emitter emitter{std::string_view(text, static_cast<std::size_t>(size)), context, emit, {}};
    return tokenize_runs(emitter, (flags & FTS5_TOKENIZE_QUERY) != 0);
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

void register_bigram_tokenizer(sqlite::Database& db) {
  fts5_api* api = fts5_api_of(db);
  fts5_tokenizer tokenizer{create, destroy, tokenize};
  const int code = api->xCreateTokenizer(api, bigram_tokenizer_name, nullptr, &tokenizer, nullptr);
  if (code != SQLITE_OK) db.fail("register the feedd_bigram tokenizer", code);
}

}  // namespace feedd
