#include "daemon/runtime/pipeline/full_text/page_article.h"

#include <stdexcept>

#include <fmt/format.h>

#include "fetchers/article/article.h"
#include "fetchers/html/html_sanitize.h"
#include "fetchers/html/html_text.h"

namespace feedd::full_text {
namespace {

bool is_space(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x3000 || c == 0xa0; }

std::string status_problem(const HttpResponse& response) {
  if (!response.error.empty()) return response.error;
  return fmt::format("HTTP {}", response.status);
}

}  // namespace

std::size_t text_length(const std::string& html) {
  const std::string text = html_to_text(html);
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t width = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    char32_t c = lead;
    if (width == 2 && i + 1 < text.size()) c = ((lead & 0x1f) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3f);
    if (width == 3 && i + 2 < text.size()) {
      c = ((lead & 0x0f) << 12) | ((static_cast<unsigned char>(text[i + 1]) & 0x3f) << 6) |
          (static_cast<unsigned char>(text[i + 2]) & 0x3f);
    }
    if (!is_space(c)) ++count;
    i += width;
  }
  return count;
}

PageVerdict judge_page(const HttpResponse& response, const config::Source& source, const std::string& page_url,
                       const std::string& feed_content) {
  PageVerdict verdict;
  if (!response.ok() || response.status != 200) {
    verdict.problem = status_problem(response);
    return verdict;
  }
  const std::string base = response.effective_url.empty() ? page_url : response.effective_url;
  article::ExtractOptions options;
  options.selector = source.full_text.selector;
  options.remove = source.full_text.remove;
  article::Article found;
  try {
    found = article::extract(article::Page{response.body, response.content_type, base}, options);
  } catch (const std::invalid_argument& error) {
    verdict.problem = error.what();  // the config was checked: only a reload race gets here
    return verdict;
  }
  verdict.content = found.content;
  if (source.content == config::ContentMode::sanitize && !source.remove.empty()) {
    SanitizeOptions sanitize;
    sanitize.base_url = base;
    try {
      sanitize.remove = parse_element_rules(source.remove);
    } catch (const std::invalid_argument& error) {
      verdict.problem = error.what();
      return verdict;
    }
    verdict.content = sanitize_html(verdict.content, sanitize);
  }
  const std::size_t page_text = text_length(verdict.content);
  const std::size_t feed_text = text_length(feed_content);
  if (page_text == 0) {
    verdict.problem = source.full_text.selector.empty()
                          ? "no article found"
                          : fmt::format("selector \"{}\" matched no text", source.full_text.selector);
  } else if (page_text <= feed_text) {
    verdict.problem = fmt::format("the page's article has {} characters of text, the feed's {}: feed content kept",
                                  page_text, feed_text);
  } else {
    verdict.page_wins = true;
  }
  return verdict;
}

}  // namespace feedd::full_text
