// A huge XML feed read in parts without a tree of the whole document
// (issue 11: a 100,000-entry feed in bounded memory). A scan over the bytes
// finds where each item or entry element starts and ends; every part is then
// a small document of its own: the whole document with the items of other
// parts left out. Each part therefore carries the same XML declaration,
// DOCTYPE, namespace declarations, xml:base and channel fields as the whole,
// and reading the parts one after the other gives exactly the entries of
// reading the whole.
//
// The scan checks that tags nest and match; a document it cannot follow
// (mismatched tags, items under different parents, markup it does not
// expect) gets no parts, and the caller reads it whole as before. Internal
// to feedd_feed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::detail {

class XmlParts {
 public:
  // The parts of `document` (UTF-8 XML) when its items can be cut out, each
  // part `items_per_part` items (the last fewer). nullopt when the scan
  // cannot follow the document or it has no items. `document` must outlive
  // the result.
  static std::optional<XmlParts> split(std::string_view document, std::size_t items_per_part);

  std::size_t part_count() const;
  std::size_t item_count() const { return items_.size(); }
  // Part `index` as a document of its own.
  std::string part(std::size_t index) const;

 private:
  struct Range {
    std::size_t begin = 0;
    std::size_t end = 0;
  };
  // Text between two items that is not blank (a channel element written
  // among the items): every part keeps it, in its place.
  struct Interlude {
    std::size_t after_item = 0;
    Range range;
  };

  std::string_view document_;
  std::size_t items_per_part_ = 1;
  std::vector<Range> items_;
  std::vector<Interlude> interludes_;
};

}  // namespace feedd::detail
