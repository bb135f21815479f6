#include "store/postings/posting_batch.h"

#include <algorithm>
#include <numeric>

namespace feedd::postings {
namespace {

// MurmurHash3's finaliser: a gram's key has its low bytes zero, so the key
// itself, or a plain multiple of it, would leave the low bits of the hash
// empty.
std::size_t hash(GramKey key) {
  key ^= key >> 33;
  key *= 0xFF51AFD7ED558CCDULL;
  key ^= key >> 33;
  key *= 0xC4CEB9FE1A85EC53ULL;
  key ^= key >> 33;
  return static_cast<std::size_t>(key);
}

}  // namespace

void PostingBatch::grow() {
  const std::size_t capacity = buckets_.empty() ? 1 << 14 : buckets_.size() * 2;
  std::vector<Bucket> old(capacity);
  old.swap(buckets_);
  const std::size_t mask = buckets_.size() - 1;
  for (const Bucket& bucket : old) {
    if (bucket.key == 0) continue;
    std::size_t at = hash(bucket.key) & mask;
    while (buckets_[at].key != 0) at = (at + 1) & mask;
    buckets_[at] = bucket;
  }
}

std::uint32_t PostingBatch::slot_of(GramKey key) {
  if (slot_keys_.size() * 2 >= buckets_.size()) grow();
  const std::size_t mask = buckets_.size() - 1;
  for (std::size_t at = hash(key) & mask;; at = (at + 1) & mask) {
    Bucket& bucket = buckets_[at];
    if (bucket.key == key) return bucket.slot;
    if (bucket.key == 0) {
      bucket = Bucket{key, static_cast<std::uint32_t>(slot_keys_.size())};
      slot_keys_.push_back(key);
      slot_last_row_.push_back(0);
      slot_counts_.push_back(0);
      return bucket.slot;
    }
  }
}

void PostingBatch::add(std::int64_t id, std::string_view text) {
  const auto row = static_cast<std::uint32_t>(row_ids_.size() + 1);
  for_each_gram(text, [&](GramKey key) {
    const std::uint32_t slot = slot_of(key);
    if (slot_last_row_[slot] == row) return;
    slot_last_row_[slot] = row;
    ++slot_counts_[slot];
    pairs_.push_back(slot);
  });
  row_ids_.push_back(id);
  row_ends_.push_back(pairs_.size());
}

std::vector<PostingBatch::List> PostingBatch::lists() {
  // Counting sort of the pairs by slot: rows were added in id order, so each
  // slot's ids come out ascending.
  std::vector<std::size_t> starts(slot_keys_.size() + 1, 0);
  for (std::size_t slot = 0; slot < slot_keys_.size(); ++slot) starts[slot + 1] = starts[slot] + slot_counts_[slot];
  std::vector<std::size_t> fill(starts.begin(), starts.end() - 1);
  ids_.assign(pairs_.size(), 0);
  std::size_t pair = 0;
  for (std::size_t row = 0; row < row_ids_.size(); ++row) {
    for (; pair < row_ends_[row]; ++pair) ids_[fill[pairs_[pair]]++] = row_ids_[row];
  }
  std::vector<std::uint32_t> order(slot_keys_.size());
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return slot_keys_[a] < slot_keys_[b]; });
  std::vector<List> out;
  out.reserve(order.size());
  for (const std::uint32_t slot : order) {
    out.push_back(List{slot_keys_[slot], std::span<const std::int64_t>(ids_.data() + starts[slot], slot_counts_[slot])});
  }
  return out;
}

}  // namespace feedd::postings
