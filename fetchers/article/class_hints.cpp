#include "fetchers/article/class_hints.h"

#include <array>
#include <string>
#include <string_view>

#include "fetchers/article/dom.h"

namespace feedd::article::detail {
namespace {

// Matched anywhere in a class or id word: distinctive enough not to occur by
// chance inside other words.
constexpr std::array<std::string_view, 32> negative_parts = {
    "comment",   "disqus",    "share",     "sharing", "social",      "related",  "recommend", "newsletter",
    "subscri",   "sidebar",   "breadcrumb", "paginat", "footer",     "masthead", "popup",     "modal",
    "cookie",    "sponsor",   "promo",     "advert",  "outbrain",    "taboola",  "skyscraper", "signup",
    "navigation", "navbar",   "follow",    "banner",  "more-stories", "trending", "most-read", "login"};

// Matched as whole words ("ad" in "ad-slot", not in "header").
constexpr std::array<std::string_view, 17> negative_words = {
    "ad",   "ads",  "nav",  "menu", "pager", "tools", "toolbar", "print", "widget",
    "gdpr", "dfp",  "tags", "tag",  "topics", "header", "masthead", "rail"};

constexpr std::array<std::string_view, 5> positive_parts = {"article", "content", "entry", "story", "artikel"};
constexpr std::array<std::string_view, 7> positive_words = {"main", "body", "post", "text", "blog", "hentry", "prose"};

constexpr std::array<std::string_view, 8> metadata_parts = {"byline",  "author",    "dateline", "timestamp",
                                                            "pubdate", "published", "posted",  "meta"};

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

template <std::size_t N>
bool contains_any(std::string_view text, const std::array<std::string_view, N>& parts) {
  for (const auto part : parts) {
    if (text.find(part) != std::string_view::npos) return true;
  }
  return false;
}

template <std::size_t N>
bool has_any_word(std::string_view text, const std::array<std::string_view, N>& words) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_alnum(text[i])) ++i;
    std::size_t end = i;
    while (end < text.size() && is_alnum(text[end])) ++end;
    const std::string_view word = text.substr(i, end - i);
    for (const auto candidate : words) {
      if (word == candidate) return true;
    }
    i = end;
  }
  return false;
}

}  // namespace

ClassHints class_hints(const xmlNode* element) {
  std::string names(attribute(element, "class"));
  names += ' ';
  names += attribute(element, "id");
  for (char& c : names) c = lower(c);
  ClassHints hints;
  const std::string_view role = attribute(element, "role");
  if (role == "navigation" || role == "complementary" || role == "contentinfo" || role == "banner" ||
      role == "menu" || role == "menubar" || role == "dialog" || role == "alertdialog") {
    hints.negative = true;
  }
  if (names.size() <= 1) return hints;
  hints.negative = hints.negative || contains_any(names, negative_parts) || has_any_word(names, negative_words);
  hints.positive = contains_any(names, positive_parts) || has_any_word(names, positive_words);
  hints.metadata = contains_any(names, metadata_parts) || has_any_word(names, std::array<std::string_view, 2>{"date", "time"});
  return hints;
}

}  // namespace feedd::article::detail
