#include "fetchers/html/sanitize_stream.h"

#include <cstdint>
#include <vector>

#include "fetchers/html/html_events.h"
#include "fetchers/html/sanitize_writer.h"
#include "fetchers/text/encoding.h"

namespace feedd::detail {
namespace {

class StreamSanitizer final : public HtmlEvents {
 public:
  StreamSanitizer(const SanitizeOptions& options, bool keep_fallback) : writer_(options, keep_fallback) {}

  void start_element(std::string_view tag, std::span<const AttributeView> attributes) override {
    if (skipped_depth_ > 0) {
      ++skipped_depth_;
      return;
    }
    note_child();
    const Markup context = context_here();
    if (is_wrapper_element(tag)) {
      ++wrappers_;
      open_.push_back({tag, Mode::transparent, context});
      return;
    }
    const Markup markup = writer_.markup_here(tag, context);
    if (writer_.is_dropped(tag, markup) || writer_.is_cut(tag, attributes, markup)) {
      // libxml2 hangs what follows <source>, <wbr>, ... underneath them (see
      // html_sanitize.cpp): that content stays where it was.
      if (writer_.keeps_children_when_cut(tag)) {
        open_.push_back({tag, Mode::cut_keeping_children, context});
      } else {
        skipped_depth_ = 1;
      }
    } else {
      const std::string_view written = writer_.start_tag(tag, attributes, markup, context);
      if (is_void_element(tag, markup)) {
        open_.push_back({written, Mode::written_void, context});
      } else {
        open_.push_back({written, Mode::written, children_markup_of(tag, markup)});
      }
    }
  }

  void end_element() override {
    if (skipped_depth_ > 0) {
      --skipped_depth_;
      return;
    }
    const Open closed = open_.back();
    open_.pop_back();
    if (closed.mode == Mode::written) writer_.end_tag(closed.tag);
  }

  void text(std::string_view content, bool cdata) override {
    if (skipped_depth_ > 0) return;
    note_child();
    writer_.text(content, cdata);
  }

  void other_child() override {
    if (skipped_depth_ == 0) note_child();
  }

  // See SanitizeWriter::texts_are_valid_utf8.
  void texts_are_valid_utf8(bool known) { writer_.texts_are_valid_utf8(known); }

  SanitizePass finish() {
    const bool valid = writer_.wrote_valid_utf8();
    std::string output = writer_.take();
    // As html_sanitize.cpp's tree walk: pieces that were all well-formed make
    // a well-formed whole, and repairing a whole is right in any case.
    if (!valid) output = encoding::repair_utf8(output);
    return {std::move(output), wrappers_ > 2 || flattened_ || writer_.dropped_a_prefix()};
  }

 private:
  enum class Mode : std::uint8_t {
    written,               // start tag written: the end tag follows its content
    written_void,          // start tag written, no end tag; content follows it
    transparent,           // html, head, body: their content is the fragment's
    cut_keeping_children,  // not written, its content written in its place
  };
  struct Open {
    std::string_view tag;  // as written, for its end tag
    Mode mode;
    Markup inside;  // the markup of its children, as the tree walk's context
  };

  // The markup of what comes next: the tree walk's context, which only a
  // written element changes.
  Markup context_here() const { return open_.empty() ? Markup::html : open_.back().inside; }

  // A cut element that keeps its children has one: the tree walk's
  // `flattened`, which asks for a second pass.
  void note_child() {
    if (!open_.empty() && open_.back().mode == Mode::cut_keeping_children) flattened_ = true;
  }

  SanitizeWriter writer_;
  std::vector<Open> open_;  // outside any left-out subtree
  int skipped_depth_ = 0;   // elements open inside a subtree left out whole
  int wrappers_ = 0;
  bool flattened_ = false;
};

}  // namespace

SanitizePass sanitize_stream(std::string_view document, const SanitizeOptions& options, bool keep_fallback,
                             HtmlReader reader) {
  StreamSanitizer sanitizer(options, keep_fallback);
  // The tokenizer refuses before it tells anything, so what libxml2 tells
  // after a refusal is checked as before.
  sanitizer.texts_are_valid_utf8(true);
  bool told = reader == HtmlReader::tokenizer_first && read_html_tokens(document, sanitizer);
  if (!told) {
    sanitizer.texts_are_valid_utf8(false);
    told = read_html_events(document, sanitizer);
  }
  if (!told) return {};
  return sanitizer.finish();
}

}  // namespace feedd::detail
