// Whether a watched entry's page is gone, judged from one fetch of it. The
// rules, strongest first (README.md, "Removals and Wayback copies"):
//
// - 404 or 410: removed.
// - The fetch was redirected and ended on the site's front page (path "/"
//   or empty), or on another page: a path that neither is the entry's path
//   (ignoring a trailing slash) nor starts with it (a slug added to an id
//   is the same article): removed. http -> https and host changes alone are
//   not.
// - 200 and the article text (fetchers/article's extraction) is under a
//   fifth of the length recorded before (the first check's page, else the
//   feed's text), when that was at least 200 characters; or it is short
//   (under 500 characters) and says one of the known removal phrases
//   ("该文章已被删除", "this article has been removed", ...): removed.
// - No answer, 401, 403, 5xx, 429 and other statuses: transient, checked
//   again later; never a removal (a 401 or 403 is a login refused or a wall,
//   not a takedown).
#pragma once

#include <cstdint>
#include <string>

#include "fetchers/http/http_client.h"

namespace feedd::watch {

struct Verdict {
  enum class Kind { alive, removed, transient };
  Kind kind = Kind::alive;
  std::string evidence;          // "HTTP 404", "redirected to the front page https://…", ...
  long http_status = 0;
  std::string final_url;         // after redirects
  std::int64_t chars_before = 0;  // the baseline judged against
  std::int64_t chars_after = 0;   // the page's article text now (0 when not read)
};

// `entry_url` as stored; `baseline_chars` the text length recorded before.
Verdict judge_page(const std::string& entry_url, const HttpResponse& response, std::int64_t baseline_chars);

// Characters of text in an entry's stored HTML content (the first baseline).
std::int64_t text_chars_of_html(const std::string& html);

}  // namespace feedd::watch
