#include "store/versions/update_rule.h"

#include "fetchers/html/html_text.h"

namespace feedd {

std::size_t text_size(std::string_view content_html) {
  std::size_t count = 0;
  for (const char c : html_to_text(content_html)) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

bool post_follows(const UpdateRule& rule, std::string_view shown_content, std::string_view incoming_content) {
  switch (rule.mode) {
    case UpdateMode::latest: return true;
    case UpdateMode::first: return false;
    case UpdateMode::never_shrink: {
      // Text, not markup: a notice wrapped in a heavy template must not pass
      // for an article.
      const auto shown = static_cast<double>(text_size(shown_content));
      const auto incoming = static_cast<double>(text_size(incoming_content));
      return incoming >= shown * (1.0 - rule.shrink_limit);
    }
  }
  return true;
}

}  // namespace feedd
