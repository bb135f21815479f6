// A batch of rows turned into one sorted run: each gram that occurs in the
// batch with the ids of the rows that hold it. Rows are added in ascending
// id order; each (gram, row) pair is kept once however often the gram
// repeats. Costs one hash probe per gram of the text and a linear pass
// at the end: no per-gram allocation.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "store/postings/grams.h"

namespace feedd::postings {

class PostingBatch {
 public:
  struct List {
    GramKey key;
    std::span<const std::int64_t> ids;  // ascending
  };

  // `id` greater than every id added before.
  void add(std::int64_t id, std::string_view text);
  std::size_t rows() const { return row_ids_.size(); }
  // Every gram of the batch, by key; valid until the next add().
  std::vector<List> lists();

 private:
  std::uint32_t slot_of(GramKey key);
  void grow();

  struct Bucket {
    GramKey key = 0;  // 0: empty (no gram has key 0)
    std::uint32_t slot = 0;
  };
  std::vector<Bucket> buckets_;
  std::vector<GramKey> slot_keys_;
  std::vector<std::uint32_t> slot_last_row_;  // the last row that added the slot, plus one
  std::vector<std::uint32_t> slot_counts_;
  std::vector<std::uint32_t> pairs_;  // slots, row after row
  std::vector<std::int64_t> row_ids_;
  std::vector<std::size_t> row_ends_;  // end of each row's pairs
  std::vector<std::int64_t> ids_;      // lists(): every slot's ids, slot after slot
};

}  // namespace feedd::postings
