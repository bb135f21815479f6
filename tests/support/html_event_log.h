// The parse events of an HTML document written down as one string, so that
// feedd's tokenizer (read_html_tokens) and libxml2 (read_html_events) can be
// compared: "<name a=v>" for a start, "</>" for an end, "[text]" for text
// (consecutive pieces joined: libxml2 splits text where it likes), "{cdata}"
// and "<!>" for a comment or processing instruction. Shared by
// html_tokens_test and the fuzz target fuzz_html_tokens.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fetchers/html/html_events.h"

namespace feedd::test {

class HtmlEventLog final : public detail::HtmlEvents {
 public:
  void start_element(std::string_view name, std::span<const AttributeView> attributes) override {
    close_text();
    log_ += '<';
    log_ += name;
    for (const AttributeView& attribute : attributes) {
      log_ += ' ';
      log_ += attribute.name;
      log_ += "=\"";
      log_ += attribute.value;
      log_ += '"';
    }
    log_ += '>';
  }
  void end_element() override {
    close_text();
    log_ += "</>";
  }
  void text(std::string_view content, bool cdata) override {
    if (cdata) {
      close_text();
      log_ += '{';
      log_ += content;
      log_ += '}';
      return;
    }
    if (!in_text_) log_ += '[';
    in_text_ = true;
    log_ += content;
  }
  void other_child() override {
    close_text();
    log_ += "<!>";
  }

  std::string take() {
    close_text();
    return std::move(log_);
  }

 private:
  void close_text() {
    if (in_text_) log_ += ']';
    in_text_ = false;
  }

  std::string log_;
  bool in_text_ = false;
};

// libxml2's events for `document` ("FAILED" when it finds no document).
inline std::string libxml2_events(std::string_view document) {
  HtmlEventLog log;
  const bool read = detail::read_html_events(document, log);
  return read ? log.take() : "FAILED";
}

// The tokenizer's events, nullopt when it refuses the document.
inline std::optional<std::string> tokenizer_events(std::string_view document) {
  HtmlEventLog log;
  if (!detail::read_html_tokens(document, log)) return std::nullopt;
  return log.take();
}

}  // namespace feedd::test
