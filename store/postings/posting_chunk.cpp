#include "store/postings/posting_chunk.h"

#include <algorithm>
#include <stdexcept>

namespace feedd::postings {
namespace {

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void put_key(std::string& out, GramKey key) {
  const std::string text = gram_text(key);
  out += static_cast<char>(text.size());
  out += text;
}

void put_header(std::string& out, GramKey key, std::uint64_t count, std::int64_t first, std::int64_t last,
                std::size_t gap_bytes) {
  put_key(out, key);
  put_varint(out, count);
  put_varint(out, static_cast<std::uint64_t>(first));
  put_varint(out, static_cast<std::uint64_t>(last - first));
  put_varint(out, gap_bytes);
}

[[noreturn]] void damaged() { throw std::runtime_error("search index: a damaged chunk of posting lists"); }

}  // namespace

namespace detail {
std::uint64_t read_varint(std::string_view& bytes) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (bytes.empty()) damaged();
    const auto byte = static_cast<unsigned char>(bytes.front());
    bytes.remove_prefix(1);
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  damaged();
}
}  // namespace detail

void encode_list(std::string& out, GramKey key, std::span<const std::int64_t> ids) {
  std::string gaps;
  for (std::size_t i = 1; i < ids.size(); ++i) put_varint(gaps, static_cast<std::uint64_t>(ids[i] - ids[i - 1]));
  put_header(out, key, ids.size(), ids.front(), ids.back(), gaps.size());
  out += gaps;
}

bool ChunkReader::next(StoredList& list) {
  if (rest_.empty()) return false;
  const auto size = static_cast<unsigned char>(rest_.front());
  if (size == 0 || size > 8 || rest_.size() < 1U + size) damaged();
  GramKey key = 0;
  for (std::size_t i = 0; i < 8; ++i) key = key << 8 | (i < size ? static_cast<unsigned char>(rest_[1 + i]) : 0U);
  rest_.remove_prefix(1U + size);
  list.key = key;
  list.count = detail::read_varint(rest_);
  list.first = static_cast<std::int64_t>(detail::read_varint(rest_));
  list.last = list.first + static_cast<std::int64_t>(detail::read_varint(rest_));
  const std::uint64_t gap_bytes = detail::read_varint(rest_);
  if (gap_bytes > rest_.size() || list.count == 0) damaged();
  list.gaps = rest_.substr(0, gap_bytes);
  rest_.remove_prefix(gap_bytes);
  return true;
}

std::optional<StoredList> find_in_chunk(std::string_view chunk, GramKey key) {
  ChunkReader reader(chunk);
  StoredList list;
  while (reader.next(list)) {
    if (list.key == key) return list;
    if (list.key > key) break;
  }
  return std::nullopt;
}

void ChunkWriter::add(GramKey key, std::span<const std::int64_t> ids) {
  if (chunk_.empty()) first_ = key;
  encode_list(chunk_, key, ids);
  if (chunk_.size() >= chunk_bytes) finish();
}

void ChunkWriter::add_encoded(GramKey key, std::string_view encoded) {
  if (chunk_.empty()) first_ = key;
  chunk_ += encoded;
  if (chunk_.size() >= chunk_bytes) finish();
}

void ChunkWriter::finish() {
  if (chunk_.empty()) return;
  emit_(first_, chunk_);
  chunk_.clear();
}

std::string merge_lists(std::span<const StoredList> lists) {
  bool disjoint = true;
  for (std::size_t i = 1; i < lists.size(); ++i) disjoint = disjoint && lists[i].first > lists[i - 1].last;
  std::string out;
  if (disjoint) {
    // Join: each later list's first id becomes one gap after the earlier
    // list's last; its own gaps are copied as they are.
    std::string gaps(lists.front().gaps);
    std::uint64_t count = lists.front().count;
    for (std::size_t i = 1; i < lists.size(); ++i) {
      put_varint(gaps, static_cast<std::uint64_t>(lists[i].first - lists[i - 1].last));
      gaps += lists[i].gaps;
      count += lists[i].count;
    }
    put_header(out, lists.front().key, count, lists.front().first, lists.back().last, gaps.size());
    out += gaps;
    return out;
  }
  std::vector<std::int64_t> ids;
  for (const auto& list : lists) for_each_id(list, [&](std::int64_t id) { ids.push_back(id); });
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  encode_list(out, lists.front().key, ids);
  return out;
}

ListStream::ListStream(NextChunk next_chunk) : next_chunk_(std::move(next_chunk)) { advance(); }

void ListStream::advance() {
  while (!reader_.next(current_)) {
    if (!next_chunk_(chunk_)) {
      valid_ = false;
      return;
    }
    reader_ = ChunkReader(chunk_);
  }
  valid_ = true;
}

void merge_runs(std::span<const std::unique_ptr<ListStream>> runs, ChunkWriter& out) {
  std::vector<StoredList> same;
  std::vector<ListStream*> holding;
  while (true) {
    std::optional<GramKey> lowest;
    for (const auto& run : runs) {
      if (run->valid() && (!lowest || run->current().key < *lowest)) lowest = run->current().key;
    }
    if (!lowest) break;
    same.clear();
    holding.clear();
    for (const auto& run : runs) {
      if (run->valid() && run->current().key == *lowest) {
        same.push_back(run->current());
        holding.push_back(run.get());
      }
    }
    out.add_encoded(*lowest, merge_lists(same));
    for (auto* run : holding) run->advance();
  }
  out.finish();
}

}  // namespace feedd::postings
