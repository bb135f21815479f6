// How posting lists are stored. A run (one indexed batch, or several merged)
// is a sequence of chunks, each a blob of whole lists in ascending key
// order and named by its first key; a chunk is cut once it passes
// `chunk_bytes`, so a rare gram costs a few bytes of a shared chunk, not a
// row of its own, and a common gram's long list fills a chunk alone.
//
// A list: the gram (a length byte and its bytes), then varints: the count of
// ids, the first id, last - first, the size of what follows, and the gaps
// between consecutive ids. Keeping first and last lets two lists whose ids
// do not overlap be joined by copying bytes (merge_lists), which is the
// usual case: runs are indexed in id order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/postings/grams.h"

namespace feedd::postings {

inline constexpr std::size_t chunk_bytes = 4096;

struct StoredList {
  GramKey key = 0;
  std::uint64_t count = 0;
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::string_view gaps;  // count - 1 varints
};

void encode_list(std::string& out, GramKey key, std::span<const std::int64_t> ids);

// One chunk as a row of search_chunks holds it: named by its first key.
struct EncodedChunk {
  GramKey first = 0;
  std::string bytes;
};

// Calls `each(id)` for every id of `list`, ascending.
template <typename Each>
void for_each_id(const StoredList& list, Each&& each);

// The lists of one chunk in order. Throws std::runtime_error on a damaged
// chunk rather than reading past its end.
class ChunkReader {
 public:
  explicit ChunkReader(std::string_view chunk) : rest_(chunk) {}
  bool next(StoredList& list);

 private:
  std::string_view rest_;
};

// `key`'s list in `chunk`, if it holds one.
std::optional<StoredList> find_in_chunk(std::string_view chunk, GramKey key);

// Cuts a sorted sequence of lists into chunks, handing each to `emit(first
// key, bytes)`.
class ChunkWriter {
 public:
  using Emit = std::function<void(GramKey first, std::string_view chunk)>;
  explicit ChunkWriter(Emit emit) : emit_(std::move(emit)) {}
  void add(GramKey key, std::span<const std::int64_t> ids);
  void add_encoded(GramKey key, std::string_view encoded);  // one list from encode_list or merge_lists
  void finish();

 private:
  Emit emit_;
  std::string chunk_;
  GramKey first_ = 0;
};

// One list of the same gram from several runs, in the order the runs were
// written, encoded as one list (encode_list's form). Ids in several lists
// (a row indexed again after an edit) are kept once.
std::string merge_lists(std::span<const StoredList> lists);

// A run read list by list, its chunks asked for in order from `next_chunk`
// (false when there are no more).
class ListStream {
 public:
  using NextChunk = std::function<bool(std::string& chunk)>;
  explicit ListStream(NextChunk next_chunk);
  // current() points into the chunk held here: the stream stays in place.
  ListStream(const ListStream&) = delete;
  ListStream& operator=(const ListStream&) = delete;
  bool valid() const { return valid_; }
  const StoredList& current() const { return current_; }
  void advance();

 private:
  NextChunk next_chunk_;
  std::string chunk_;
  ChunkReader reader_{{}};
  StoredList current_;
  bool valid_ = false;
};

// Every list of `runs` (oldest run first) merged by gram into `out`.
void merge_runs(std::span<const std::unique_ptr<ListStream>> runs, ChunkWriter& out);

// ---- implementation ----
namespace detail {
// Reads an unsigned LEB128 varint; throws on a truncated one.
std::uint64_t read_varint(std::string_view& bytes);
}  // namespace detail

template <typename Each>
void for_each_id(const StoredList& list, Each&& each) {
  if (list.count == 0) return;
  std::int64_t id = list.first;
  each(id);
  const auto* at = reinterpret_cast<const unsigned char*>(list.gaps.data());
  const auto* end = at + list.gaps.size();
  while (at < end) {
    std::uint64_t gap = 0;
    int shift = 0;
    while (at < end) {
      const unsigned char byte = *at++;
      gap |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) break;
      shift += 7;
    }
    id += static_cast<std::int64_t>(gap);
    each(id);
  }
}

}  // namespace feedd::postings
