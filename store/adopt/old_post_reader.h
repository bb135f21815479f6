// Reads posts written by the script feedd replaces, for `feedd import-posts`.
// Their layout is feedd's own (store/POST_FORMAT.md), but the script built
// the front matter by pasting strings: titles hold `\'` or bare `"` inside
// double quotes, values carry unquoted `: `, a line break can split a title.
// Many such files are not YAML at all, so this is no YAML parser: it knows
// the fixed keys and reads each line the way the script meant it, then falls
// back on the body (the <!--T--> comment and the link line) for what the
// front matter lost.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedd {

struct OldPost {
  std::string title;     // plain text: title:, else the link line's
  std::string url;       // from:, else the link line's
  std::string identity;  // the URL's canonical form: what dedup keys on
  std::int64_t timestamp_ms = 0;  // the <!--T--> comment, else date:
  std::int64_t date_ms = 0;       // date:, else the timestamp
  std::string author;             // the script wrote the source's name here
  std::vector<std::string> tags;
  std::vector<std::string> categories;
  std::string content;  // the HTML inside <div>…</div>
};

struct OldPostReading {
  std::optional<OldPost> post;
  std::string problem;  // why not, when there is no post: "no URL: …"
};

// Never throws for any input: what cannot be recovered (title, URL, time)
// is the problem.
OldPostReading read_old_post(std::string_view bytes);

// A front-matter value as the script meant it: double-quoted with lenient
// escapes (`\'`, unknown escapes kept, the last `"` closes), single-quoted,
// or plain. Exposed for tests.
std::string old_scalar(std::string_view value);

}  // namespace feedd
