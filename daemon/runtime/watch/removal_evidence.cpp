#include "daemon/runtime/watch/removal_evidence.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include <fmt/format.h>

#include "fetchers/article/article.h"
#include "fetchers/html/html_text.h"
#include "fetchers/redact/redact_url.h"

namespace feedd::watch {
namespace {

// Below these, a shrink says little: a feed of one-line summaries, a page
// that was short to begin with.
constexpr std::int64_t min_baseline_chars = 200;
constexpr std::int64_t notice_max_chars = 500;

// What publishers and platforms put where an article was (lower case).
constexpr std::array<std::string_view, 18> removal_phrases = {
    "该文章已被删除", "此文章已被删除", "文章已被删除", "文章已删除", "内容已被删除", "该内容已被删除",
    "該文章已被刪除", "文章已被刪除", "内容不存在", "页面不存在", "頁面不存在", "文章不存在",
    "this article has been removed", "this article is no longer available", "this page has been removed",
    "this content is no longer available", "this article has been deleted", "page not found",
};

// The path of an absolute URL without a trailing slash ("" for the root).
std::string path_of(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto start = url.find('/', scheme + 3);
  if (start == std::string_view::npos) return "";
  std::string_view path = url.substr(start);
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::int64_t code_points(std::string_view text) {
  std::int64_t count = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) != 0x80 && !std::isspace(byte)) ++count;
  }
  return count;
}

Verdict removed(Verdict verdict, std::string evidence) {
  verdict.kind = Verdict::Kind::removed;
  verdict.evidence = std::move(evidence);
  return verdict;
}

// A redirect that lands off the article: the front page, or another page.
std::optional<std::string> redirect_evidence(const std::string& entry_url, const std::string& final_url) {
  if (final_url.empty() || final_url == entry_url) return std::nullopt;
  const std::string before = path_of(entry_url);
  const std::string after = path_of(final_url);
  if (after == before || (!before.empty() && after.starts_with(before))) return std::nullopt;
  if (after.empty()) return fmt::format("redirected to the front page {}", url::redact(final_url));
  return fmt::format("redirected to another page {}", url::redact(final_url));
}

}  // namespace

std::int64_t text_chars_of_html(const std::string& html) { return code_points(html_to_text(html)); }

Verdict judge_page(const std::string& entry_url, const HttpResponse& response, std::int64_t baseline_chars) {
  Verdict verdict;
  verdict.http_status = response.status;
  verdict.final_url = response.effective_url.empty() ? entry_url : response.effective_url;
  verdict.chars_before = baseline_chars;
  if (response.status == 404 || response.status == 410) {
    return removed(verdict, fmt::format("HTTP {}", response.status));
  }
  if (response.status == 401 || response.status == 403) {
    // A login refused or a wall put up (a lapsed subscription, a blocked
    // reader) says nothing about the article: never a removal.
    verdict.kind = Verdict::Kind::transient;
    verdict.evidence = fmt::format("HTTP {}: refused to this reader, not a removal", response.status);
    return verdict;
  }
  if (response.status != 200 || !response.error.empty()) {
    verdict.kind = Verdict::Kind::transient;
    verdict.evidence = response.error.empty() ? fmt::format("HTTP {}", response.status) : response.error;
    return verdict;
  }
  if (auto moved = redirect_evidence(entry_url, verdict.final_url)) return removed(verdict, *moved);
  const article::Article page =
      article::extract(article::Page{response.body, response.content_type, verdict.final_url}, {});
  verdict.chars_after = static_cast<std::int64_t>(page.text_length);
  if (baseline_chars >= min_baseline_chars && verdict.chars_after * 5 < baseline_chars) {
    return removed(verdict, fmt::format("article text shrank from {} to {} characters", baseline_chars,
                                        verdict.chars_after));
  }
  if (verdict.chars_after < notice_max_chars) {
    const std::string text = lower(page.text + "\n" + page.title);
    for (const auto phrase : removal_phrases) {
      if (text.find(phrase) != std::string::npos) {
        return removed(verdict, fmt::format("the page says \"{}\" ({} characters)", phrase, verdict.chars_after));
      }
    }
  }
  return verdict;
}

}  // namespace feedd::watch
