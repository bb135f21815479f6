// A set of row ids as a bitmap: O(1) to test, cheap to intersect and unite,
// 1 MiB per 8 million ids. The search keeps one per term while it walks the
// date index, testing each row it passes.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace feedd::postings {

class IdSet {
 public:
  void insert(std::int64_t id) {
    if (id < 0) return;
    const auto word = static_cast<std::size_t>(id >> 6);
    if (word >= words_.size()) words_.resize(word + 1 + word / 4, 0);
    words_[word] |= std::uint64_t{1} << (id & 63);
  }
  bool contains(std::int64_t id) const {
    if (id < 0) return false;
    const auto word = static_cast<std::size_t>(id >> 6);
    return word < words_.size() && (words_[word] >> (id & 63) & 1) != 0;
  }
  void unite(const IdSet& other) {
    if (other.words_.size() > words_.size()) words_.resize(other.words_.size(), 0);
    for (std::size_t i = 0; i < other.words_.size(); ++i) words_[i] |= other.words_[i];
  }
  void intersect(const IdSet& other) {
    if (words_.size() > other.words_.size()) words_.resize(other.words_.size());
    for (std::size_t i = 0; i < words_.size(); ++i) words_[i] &= other.words_[i];
  }
  void subtract(const IdSet& other) {
    const std::size_t n = std::min(words_.size(), other.words_.size());
    for (std::size_t i = 0; i < n; ++i) words_[i] &= ~other.words_[i];
  }
  std::size_t size() const {
    std::size_t count = 0;
    for (const auto word : words_) count += static_cast<std::size_t>(std::popcount(word));
    return count;
  }
  template <typename Each>
  void for_each(Each&& each) const {
    for (std::size_t i = 0; i < words_.size(); ++i) {
      for (std::uint64_t word = words_[i]; word != 0; word &= word - 1) {
        each(static_cast<std::int64_t>(i * 64 + static_cast<std::size_t>(std::countr_zero(word))));
      }
    }
  }

 private:
  std::vector<std::uint64_t> words_;
};

}  // namespace feedd::postings
