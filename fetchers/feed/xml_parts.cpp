#include "fetchers/feed/xml_parts.h"

#include <algorithm>
#include <utility>

namespace feedd::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_blank(std::string_view text) { return std::all_of(text.begin(), text.end(), is_space); }

std::string_view local_name(std::string_view qname) {
  const auto colon = qname.rfind(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

// Follows the element structure of a document far enough to know where each
// element starts and ends. It does not check what pugixml checks (names,
// attributes, references): a part pugixml rejects sends the caller back to
// reading the whole document.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  struct Element {
    std::string_view name;
    std::size_t begin = 0;
  };
  enum class Token { start, end, empty, other, done, broken };

  // The next markup or text; after start/end/empty, element() and pos()
  // describe it.
  Token next() {
    if (pos_ >= text_.size()) return Token::done;
    if (text_[pos_] != '<') return text();
    token_begin_ = pos_;
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("<!--")) return skip_past("-->");
    if (rest.starts_with("<![CDATA[")) return skip_past("]]>");
    if (rest.starts_with("<?")) return skip_past("?>");
    if (rest.starts_with("<!DOCTYPE")) return doctype();
    if (rest.starts_with("<!")) return Token::broken;
    if (rest.starts_with("</")) return end_tag();
    return start_tag();
  }

  std::string_view name() const { return name_; }
  std::size_t token_begin() const { return token_begin_; }
  std::size_t pos() const { return pos_; }

 private:
  Token text() {
    const auto next_tag = text_.find('<', pos_);
    pos_ = next_tag == std::string_view::npos ? text_.size() : next_tag;
    return Token::other;
  }

  Token skip_past(std::string_view terminator) {
    const auto at = text_.find(terminator, pos_);
    if (at == std::string_view::npos) return Token::broken;
    pos_ = at + terminator.size();
    return Token::other;
  }

  // A quoted string starting at pos_: pos_ moves past its closing quote.
  bool skip_quoted() {
    const auto close = text_.find(text_[pos_], pos_ + 1);
    if (close == std::string_view::npos) return false;
    pos_ = close + 1;
    return true;
  }

  // <!DOCTYPE name ... [ internal subset ]>: brackets, quotes and comments
  // inside the subset may hold '>' and ']'.
  Token doctype() {
    pos_ += 2;
    bool in_subset = false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"' || c == '\'') {
        if (!skip_quoted()) return Token::broken;
        continue;
      }
      if (in_subset && text_.substr(pos_).starts_with("<!--")) {
        if (skip_past("-->") == Token::broken) return Token::broken;
        continue;
      }
      ++pos_;
      if (c == '[') in_subset = true;
      if (c == ']') in_subset = false;
      if (c == '>' && !in_subset) return Token::other;
    }
    return Token::broken;
  }

  std::string_view read_name() {
    const std::size_t begin = pos_;
    while (pos_ < text_.size() && !is_space(text_[pos_]) && text_[pos_] != '>' && text_[pos_] != '/') ++pos_;
    return text_.substr(begin, pos_ - begin);
  }

  Token end_tag() {
    pos_ += 2;
    name_ = read_name();
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    if (name_.empty() || pos_ >= text_.size() || text_[pos_] != '>') return Token::broken;
    ++pos_;
    return Token::end;
  }

  Token start_tag() {
    ++pos_;
    name_ = read_name();
    if (name_.empty()) return Token::broken;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"' || c == '\'') {
        if (!skip_quoted()) return Token::broken;
        continue;
      }
      if (c == '<') return Token::broken;
      ++pos_;
      if (c == '>') return text_[pos_ - 2] == '/' ? Token::empty : Token::start;
    }
    return Token::broken;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t token_begin_ = 0;
  std::string_view name_;
};

// Items are the elements feed formats repeat: RSS and RDF <item>, Atom
// <entry>, as children of the root (RDF, Atom) or of its child (RSS's
// <channel>).
bool is_item(std::string_view qname, std::size_t depth) {
  const std::string_view local = local_name(qname);
  return (depth == 1 || depth == 2) && (local == "item" || local == "entry");
}

}  // namespace

std::optional<XmlParts> XmlParts::split(std::string_view document, std::size_t items_per_part) {
  XmlParts parts;
  parts.document_ = document;
  parts.items_per_part_ = std::max<std::size_t>(items_per_part, 1);
  Scanner scanner(document);
  std::vector<Scanner::Element> open;
  std::optional<std::size_t> container;  // where the items' parent starts
  constexpr std::size_t no_item = std::string_view::npos;
  std::size_t item_depth = no_item;  // inside an item: its depth
  bool root_seen = false;
  for (;;) {
    const Scanner::Token token = scanner.next();
    if (token == Scanner::Token::done) break;
    if (token == Scanner::Token::broken) return std::nullopt;
    if (token == Scanner::Token::other) continue;
    if (token == Scanner::Token::end) {
      if (open.empty() || open.back().name != scanner.name()) return std::nullopt;
      if (item_depth == open.size() - 1) {
        parts.items_.push_back({open.back().begin, scanner.pos()});
        item_depth = no_item;
      }
      open.pop_back();
      continue;
    }
    if (open.empty() && root_seen) return std::nullopt;  // a second root
    root_seen = true;
    const std::size_t depth = open.size();
    const bool item = item_depth == no_item && is_item(scanner.name(), depth);
    if (item) {
      if (container && *container != open.back().begin) return std::nullopt;
      container = open.back().begin;
    }
    if (token == Scanner::Token::empty) {
      if (item) parts.items_.push_back({scanner.token_begin(), scanner.pos()});
      continue;
    }
    if (item) item_depth = depth;
    open.push_back({scanner.name(), scanner.token_begin()});
  }
  if (!open.empty() || parts.items_.empty()) return std::nullopt;
  for (std::size_t i = 0; i + 1 < parts.items_.size(); ++i) {
    const Range gap{parts.items_[i].end, parts.items_[i + 1].begin};
    if (!is_blank(document.substr(gap.begin, gap.end - gap.begin))) parts.interludes_.push_back({i, gap});
  }
  return parts;
}

std::size_t XmlParts::part_count() const { return (items_.size() + items_per_part_ - 1) / items_per_part_; }

std::string XmlParts::part(std::size_t index) const {
  const std::size_t first = index * items_per_part_;
  const std::size_t last = std::min(first + items_per_part_, items_.size()) - 1;
  const auto slice = [this](Range range) { return document_.substr(range.begin, range.end - range.begin); };
  std::string out(document_.substr(0, items_.front().begin));
  auto interlude = interludes_.begin();
  // Interludes before the part's first item, then each item followed by the
  // interludes after it, the ones after its last item included.
  for (; interlude != interludes_.end() && interlude->after_item < first; ++interlude) out += slice(interlude->range);
  for (std::size_t i = first; i <= last; ++i) {
    out += slice(items_[i]);
    const bool last_item = i == last;
    for (; interlude != interludes_.end() && (interlude->after_item == i || last_item); ++interlude) {
      out += slice(interlude->range);
    }
  }
  out += document_.substr(items_.back().end);
  return out;
}

}  // namespace feedd::detail
