#include "fetchers/html/tokenizer/html_tokens.h"

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>

#include <array>
#include <optional>

#include "fetchers/html/tokenizer/libxml2_elements.h"
#include "fetchers/html/tokenizer/text_scan.h"
#include "fetchers/text/encoding.h"

namespace feedd::detail {
namespace {

// Deeper than this is refused: libxml2's tree builder stops at 256 open
// elements, and the events reader with it (html_events.cpp).
constexpr std::size_t kMostOpen = 200;
// Longer names are refused: libxml2 cuts tag names at 100 bytes.
constexpr std::size_t kLongestName = 60;

constexpr std::string_view kDocumentStart = "<body>";

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// IS_BLANK_CH less '\r', which is refused everywhere.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }
// Where libxml2's htmlParseHTMLName would go on reading a name this reader
// does not (its names may hold '_', ':' and '.').
bool continues_libxml2_name(char c) { return c == '_' || c == ':' || c == '.'; }

// Bytes an attribute value or a comment cannot hold here (text: see
// text_scan.h): control characters (libxml2 drops or reports them; '\t' and
// '\n' excepted), '\r' (line ends are its business) and DEL. U+FFFE and
// U+FFFF, which libxml2 drops as invalid characters, are looked for in the
// whole document first.
enum ByteClass : std::uint8_t { plain, amp, bad };

constexpr std::array<ByteClass, 256> byte_classes() {
  std::array<ByteClass, 256> classes{};
  for (int c = 0; c < 0x20; ++c) classes[static_cast<std::size_t>(c)] = bad;
  classes['\t'] = plain;
  classes['\n'] = plain;
  classes[0x7F] = bad;
  classes['&'] = amp;
  return classes;
}
constexpr std::array<ByteClass, 256> kByteClass = byte_classes();

ByteClass class_of(char c) { return kByteClass[static_cast<unsigned char>(c)]; }

// libxml2's IS_CHAR: what a character reference may stand for.
bool is_xml_char(std::uint32_t code) {
  return code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF) ||
         (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF);
}

}  // namespace

// One read of a document into an HtmlTokens. Every method returns false
// (refuses) at the first thing it does not model; read() then empties the
// tokens.
class TokenReader {
 public:
  TokenReader(std::string_view in, HtmlTokens& out) : in_(in), out_(out) {}

  bool read() {
    if (!in_.starts_with(kDocumentStart)) return false;
    // libxml2 drops U+FFFE and U+FFFF from text as invalid characters.
    if (encoding::holds_fffe_or_ffff(in_)) return false;
    // libxml2 opens an implied <html> for the <body> that starts the input.
    start("html", kUnknownElement, 0, 0);
    start("body", kUnknownElement, 0, 0);
    at_ = kDocumentStart.size();
    while (at_ < in_.size()) {
      if (in_[at_] != '<') {
        if (!text()) return false;
      } else if (!markup()) {
        return false;
      }
    }
    // libxml2 closes what is open at the end of the input, body and html too.
    while (!open_.empty()) end();
    return true;
  }

 private:
  struct Open {
    std::string_view name;
    ElementId id;
  };

  // ---- text ------------------------------------------------------------------

  // Text up to the next '<' or the end, references decoded.
  bool text() {
    std::size_t run = at_;  // start of the bytes not yet told
    while (true) {
      at_ = end_of_text(in_, at_);
      if (at_ >= in_.size() || in_[at_] == '<') break;
      if (in_[at_] != '&') return false;  // a control character
      const std::size_t reference = at_;
      std::string_view decoded;
      if (!this->reference(decoded)) return false;
      if (decoded.data() != nullptr) {  // told as its own piece of the text
        flush_text(run, reference);
        out_.tokens_.push_back({HtmlToken::Kind::text, decoded});
        run = at_;
      }
    }
    flush_text(run, at_);
    return true;
  }

  void flush_text(std::size_t from, std::size_t to) {
    if (to > from) out_.tokens_.push_back({HtmlToken::Kind::text, in_.substr(from, to - from)});
  }

  // At '&': as libxml2's htmlParseReference and htmlParseHTMLAttribute read
  // it. Sets `decoded` to what a reference stands for, or leaves it null
  // when the bytes read stay as they are ("&", "&x=1", "&unknown;"'s
  // "&unknown", whose ';' libxml2 leaves to the text after it).
  bool reference(std::string_view& decoded) {
    const std::size_t name = at_ + 1;
    if (name >= in_.size()) return false;
    const char first = in_[name];
    if (first == '#') return character_reference(decoded);
    if (static_cast<unsigned char>(first) >= 0x80) return false;
    if (!is_letter(first) && first != '_' && first != ':') {  // no name: a lone '&'
      at_ = name;
      return true;
    }
    // htmlParseName's ASCII names; at the end of the input or before a
    // non-ASCII byte it reads by other rules.
    std::size_t end = name;
    while (end < in_.size() && (is_letter(in_[end]) || is_digit(in_[end]) || in_[end] == '-' ||
                                continues_libxml2_name(in_[end]))) {
      ++end;
    }
    if (end >= in_.size() || end - name > kLongestName || static_cast<unsigned char>(in_[end]) >= 0x80) return false;
    if (in_[end] != ';') {  // "&name" stays: libxml2 wants the ';'
      at_ = end;
      return true;
    }
    const std::string entity(in_.substr(name, end - name));
    const htmlEntityDesc* const known = htmlEntityLookup(reinterpret_cast<const xmlChar*>(entity.c_str()));
    if (known == nullptr) {  // "&name" stays, the ';' is text
      at_ = end;
      return true;
    }
    if (!decode(known->value, decoded)) return false;
    at_ = end + 1;
    return true;
  }

  // "&#NNN;" and "&#xHHH;" only; without the ';', without digits, or for a
  // character libxml2 drops or sanitize_html maps (C1 references: see
  // with_html5_references), libxml2 is asked.
  bool character_reference(std::string_view& decoded) {
    std::size_t digits = at_ + 2;
    const bool hex = digits < in_.size() && (in_[digits] == 'x' || in_[digits] == 'X');
    if (hex) ++digits;
    std::size_t end = digits;
    std::uint32_t code = 0;
    while (end < in_.size() && end - digits < 7 && (hex ? is_hex_digit(in_[end]) : is_digit(in_[end]))) {
      const char c = in_[end];
      const std::uint32_t digit = is_digit(c) ? static_cast<std::uint32_t>(c - '0')
                                              : static_cast<std::uint32_t>((c | 0x20) - 'a' + 10);
      code = code * (hex ? 16 : 10) + digit;
      ++end;
    }
    if (end == digits || end >= in_.size() || in_[end] != ';') return false;
    if (!is_xml_char(code) || encoding::html_reference_code(code) != code) return false;
    if (!decode(code, decoded)) return false;
    at_ = end + 1;
    return true;
  }

  bool decode(std::uint32_t code, std::string_view& decoded) {
    std::string& store = out_.decoded_;
    if (store.size() + 4 > store.capacity()) return false;  // the views into it must not move
    const std::size_t from = store.size();
    encoding::append_utf8(store, code);
    decoded = std::string_view(store).substr(from);
    return true;
  }

  // ---- markup ----------------------------------------------------------------

  bool markup() {
    if (at_ + 1 >= in_.size()) return false;
    const char next = in_[at_ + 1];
    if (is_letter(next)) return start_tag();
    if (next == '/') return end_tag();
    if (in_.substr(at_, 4) == "<!--") return comment();
    return false;
  }

  // A name of ASCII letters, digits and '-' starting with a letter, lower
  // cased; empty (refused) when libxml2 would read it differently.
  std::string_view name() {
    const std::size_t from = at_;
    if (at_ >= in_.size() || !is_letter(in_[at_])) return {};
    while (at_ < in_.size() && (is_letter(in_[at_]) || is_digit(in_[at_]) || in_[at_] == '-')) ++at_;
    if (at_ >= in_.size() || continues_libxml2_name(in_[at_]) || at_ - from > kLongestName) return {};
    return lower_case(in_.substr(from, at_ - from));
  }

  void skip_blanks() {
    while (at_ < in_.size() && is_blank(in_[at_])) ++at_;
  }

  bool start_tag() {
    ++at_;  // '<'
    const std::string_view tag = name();
    if (tag.empty()) return false;
    const ElementId id = element_id(tag);
    if (is_refused(id)) return false;
    const auto first_attribute = static_cast<std::uint32_t>(out_.attributes_.size());
    bool self_closed = false;
    // As htmlParseStartTag: attributes until '>' or "/>".
    while (true) {
      skip_blanks();
      if (at_ >= in_.size()) return false;  // libxml2 drops a start tag cut by the end
      if (in_[at_] == '>') {
        ++at_;
        break;
      }
      if (in_[at_] == '/' && at_ + 1 < in_.size() && in_[at_ + 1] == '>') {
        at_ += 2;
        self_closed = true;
        break;
      }
      if (!attribute(first_attribute)) return false;
    }
    const auto count = static_cast<std::uint32_t>(out_.attributes_.size()) - first_attribute;
    // The start tags that close the innermost element (htmlAutoClose), body
    // and html excepted: that would be a document libxml2 reshapes.
    while (open_.size() > 2 && closes(id, open_.back().id)) end();
    if (open_.size() >= kMostOpen) return false;
    start(tag, id, first_attribute, count);
    // libxml2 ends a void element, and one written "<x/>", at once.
    if (self_closed || is_void(id)) end();
    return true;
  }

  // As htmlParseAttribute: name, blanks, '=', blanks, value. A repeated
  // name is dropped, as libxml2 keeps the first.
  bool attribute(std::uint32_t first_of_tag) {
    const std::size_t from = at_;
    if (!is_letter(in_[at_])) return false;  // libxml2 skips such bytes as bogus
    while (at_ < in_.size() && (is_letter(in_[at_]) || is_digit(in_[at_]) || in_[at_] == '-' || in_[at_] == '_' ||
                                in_[at_] == ':' || in_[at_] == '.')) {
      ++at_;
    }
    if (at_ - from > kLongestName || at_ >= in_.size()) return false;
    const std::string_view attribute_name = lower_case(in_.substr(from, at_ - from));
    if (attribute_name.empty()) return false;
    const char after = in_[at_];
    if (!is_blank(after) && after != '=' && after != '>' && after != '/') return false;
    skip_blanks();
    std::string_view value;
    bool valued = false;
    if (at_ < in_.size() && in_[at_] == '=') {
      ++at_;
      skip_blanks();
      if (!attribute_value(value)) return false;
      valued = true;
    }
    for (std::size_t i = first_of_tag; i < out_.attributes_.size(); ++i) {
      if (out_.attributes_[i].name == attribute_name) return true;
    }
    if (!valued) {  // as xmlSAX2AttributeInternal: <option selected> is selected="selected"
      const std::string terminated(attribute_name);
      value = htmlIsBooleanAttr(reinterpret_cast<const xmlChar*>(terminated.c_str())) ? attribute_name
                                                                                        : std::string_view("");
    }
    out_.attributes_.push_back({attribute_name, value});
    return true;
  }

  // `read` lower-cased: itself, or a copy in decoded_; empty when that is
  // full (refused).
  std::string_view lower_case(std::string_view read) {
    bool upper = false;
    for (const char c : read) upper = upper || (c >= 'A' && c <= 'Z');
    if (!upper) return read;
    std::string& store = out_.decoded_;
    if (store.size() + read.size() > store.capacity()) return {};
    const std::size_t start = store.size();
    for (const char c : read) store += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return std::string_view(store).substr(start);
  }

  // As htmlParseAttValue: quoted up to the same quote, or unquoted up to a
  // blank or '>'; references decoded.
  bool attribute_value(std::string_view& value) {
    if (at_ >= in_.size()) return false;
    const char quote = in_[at_];
    const bool quoted = quote == '"' || quote == '\'';
    if (quoted) ++at_;
    const std::size_t from = at_;
    std::optional<std::size_t> copied_from;  // into decoded_, once a reference needs it
    std::size_t run = from;
    while (true) {
      if (at_ >= in_.size()) return false;
      const char c = in_[at_];
      if (quoted ? c == quote : (is_blank(c) || c == '>')) break;
      switch (class_of(c)) {
        case bad:
          return false;
        case plain:
          ++at_;
          continue;
        case amp: {
          const std::size_t reference = at_;
          std::string_view decoded;
          if (!this->reference(decoded)) return false;
          if (decoded.data() == nullptr) continue;
          // The value is pieced together in decoded_: the bytes before the
          // reference, then what it stands for.
          std::string& store = out_.decoded_;
          if (!copied_from) copied_from = store.size() - decoded.size();
          const std::string piece(decoded);  // decoded sits at the end of store
          store.resize(store.size() - decoded.size());
          if (store.size() + (reference - run) + piece.size() > store.capacity()) return false;
          store.append(in_.substr(run, reference - run));
          store += piece;
          run = at_;
          continue;
        }
      }
    }
    if (!quoted && at_ == from) return false;  // "<a href=>": libxml2's reading of no value is not modelled
    if (copied_from) {
      std::string& store = out_.decoded_;
      if (store.size() + (at_ - run) > store.capacity()) return false;
      store.append(in_.substr(run, at_ - run));
      value = std::string_view(store).substr(*copied_from);
    } else {
      value = in_.substr(from, at_ - from);
    }
    if (quoted) ++at_;
    return true;
  }

  // "</name>" closing the innermost element; libxml2's recovery from any
  // other end tag (closing several, or none) is not modelled.
  bool end_tag() {
    at_ += 2;  // "</"
    const std::string_view tag = name();
    if (tag.empty()) return false;
    skip_blanks();
    if (at_ >= in_.size() || in_[at_] != '>') return false;
    ++at_;
    if (open_.size() <= 2 || open_.back().name != tag) return false;
    end();
    return true;
  }

  // "<!--" up to the first "-->" after it, as libxml2 2.9's htmlParseComment
  // reads it; "--!>" (which other versions end a comment at) is refused.
  bool comment() {
    const std::size_t close = in_.find("-->", at_ + 4);
    if (close == std::string_view::npos) return false;
    const std::string_view body = in_.substr(at_ + 4, close - (at_ + 4));
    // "<!-->" and "<!--->" end there for a browser, not for libxml2 2.9.
    if (body.starts_with('>') || body.starts_with("->") || body.find("--!>") != std::string_view::npos) return false;
    for (const char c : body) {
      if (class_of(c) == bad) return false;
    }
    at_ = close + 3;
    out_.tokens_.push_back({HtmlToken::Kind::other, {}});
    return true;
  }

  // ---- tokens ----------------------------------------------------------------

  void start(std::string_view tag, ElementId id, std::uint32_t first_attribute, std::uint32_t count) {
    out_.tokens_.push_back({HtmlToken::Kind::start, tag, first_attribute, count});
    open_.push_back({tag, id});
  }

  void end() {
    out_.tokens_.push_back({HtmlToken::Kind::end, {}});
    open_.pop_back();
  }

  std::string_view in_;
  HtmlTokens& out_;
  std::size_t at_ = 0;
  std::vector<Open> open_;
};

bool HtmlTokens::read(std::string_view document) {
  tokens_.clear();
  attributes_.clear();
  decoded_.clear();
  // Decoded references and lower-cased names are never longer than the
  // bytes they come from, so this much never reallocates.
  decoded_.reserve(document.size());
  TokenReader reader(document, *this);
  if (reader.read()) return true;
  tokens_.clear();
  attributes_.clear();
  return false;
}

}  // namespace feedd::detail
