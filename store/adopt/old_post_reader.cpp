#include "store/adopt/old_post_reader.h"

#include <charconv>
#include <map>

#include <fmt/format.h>

#include "fetchers/feed/dates.h"
#include "fetchers/http/url.h"
#include "fetchers/text/encoding.h"

namespace feedd {
namespace {

constexpr std::string_view ascii_space = " \t";

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(ascii_space);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(ascii_space) - first + 1);
}

// The file's lines without their ends (LF or CRLF).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// `\xNN`, `\uNNNN`, `\UNNNNNNNN` at `text` (after the letter); how many hex
// digits were used, 0 when they are not all there.
std::size_t read_hex(std::string_view text, std::size_t digits, std::uint32_t& value) {
  if (text.size() < digits) return 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + digits, value, 16);
  return error == std::errc{} && end == text.data() + digits ? digits : 0;
}

// The inside of a double-quoted value, escapes read as YAML defines them
// and, where the script wrote something YAML has not (`\'`, `\/`, `\q`),
// as the character after the backslash.
std::string unescape_double_quoted(std::string_view inner) {
  static const std::map<char, std::string_view> simple = {
      {'0', std::string_view("\0", 1)}, {'a', "\a"}, {'b', "\b"}, {'t', "\t"}, {'\t', "\t"}, {'n', "\n"},
      {'v', "\v"}, {'f', "\f"}, {'r', "\r"}, {'e', "\x1b"}, {'N', "\u0085"}, {'_', "\u00a0"},
      {'L', "\u2028"}, {'P', "\u2029"}};
  std::string out;
  out.reserve(inner.size());
  for (std::size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] != '\\' || i + 1 == inner.size()) {
      out += inner[i];
      continue;
    }
    const char letter = inner[++i];
    if (auto found = simple.find(letter); found != simple.end()) {
      out += found->second;
      continue;
    }
    const std::size_t digits = letter == 'x' ? 2 : letter == 'u' ? 4 : letter == 'U' ? 8 : 0;
    std::uint32_t code_point = 0;
    if (digits != 0 && read_hex(inner.substr(i + 1), digits, code_point) == digits) {
      // A UTF-16 surrogate pair, as JSON-minded writers produce.
      std::uint32_t low = 0;
      if (code_point >= 0xD800 && code_point <= 0xDBFF && inner.substr(i + 1 + digits).starts_with("\\u") &&
          read_hex(inner.substr(i + 3 + digits), 4, low) == 4 && low >= 0xDC00 && low <= 0xDFFF) {
        code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
        i += 6;
      }
      encoding::append_utf8(out, code_point);
      i += digits;
      continue;
    }
    out += letter;  // \" \\ \/ \' and escapes YAML does not know
  }
  return out;
}

std::string unescape_single_quoted(std::string_view inner) {
  std::string out;
  for (std::size_t i = 0; i < inner.size(); ++i) {
    out += inner[i];
    if (inner[i] == '\'' && i + 1 < inner.size() && inner[i + 1] == '\'') ++i;
  }
  return out;
}

// `[ a, b ]` (or a single plain value) as a list.
std::vector<std::string> old_list(std::string_view value) {
  value = trim(value);
  std::vector<std::string> items;
  if (value.starts_with('[') && value.ends_with(']')) {
    value = value.substr(1, value.size() - 2);
  } else if (value.empty()) {
    return items;
  }
  while (true) {
    const auto comma = value.find(',');
    std::string item = old_scalar(value.substr(0, comma));
    if (!item.empty()) items.push_back(std::move(item));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return items;
}

struct FrontMatter {
  std::map<std::string, std::string, std::less<>> values;  // raw text after "key:"
  std::vector<std::string_view> body;                      // the lines after it
};

// A double-quoted value the script broke over lines (a title with a line
// break in it) goes on until a line that ends with the quote.
bool open_double_quote(std::string_view value) {
  if (!value.starts_with('"')) return false;
  if (value.size() == 1 || !value.ends_with('"')) return true;
  const auto before_quote = value.substr(1, value.size() - 2);
  const auto last_other = before_quote.find_last_not_of('\\');
  const auto backslashes =
      before_quote.size() - (last_other == std::string_view::npos ? 0 : last_other + 1);
  return backslashes % 2 == 1;  // the last quote is escaped
}

// The keys the script wrote; a line starting with one always starts a new
// value, even inside a title left open.
bool starts_known_key(std::string_view line) {
  for (const std::string_view key : {"layout:", "title:", "date:", "author:", "from:", "tags:", "categories:"}) {
    if (line.starts_with(key)) return true;
  }
  return false;
}

std::optional<FrontMatter> split_front_matter(const std::vector<std::string_view>& lines, std::string& problem) {
  if (lines.empty() || trim(lines[0]) != "---") {
    problem = "no front matter: the file does not start with ---";
    return std::nullopt;
  }
  FrontMatter front;
  std::string* last = nullptr;  // the value a continuation line belongs to
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line == "---" || line == "...") {
      front.body.assign(lines.begin() + static_cast<std::ptrdiff_t>(i) + 1, lines.end());
      return front;
    }
    if (last != nullptr && open_double_quote(trim(*last)) && !starts_known_key(line)) {
      *last += ' ';
      *last += trim(line);
      continue;
    }
    const auto colon = line.find(':');
    const std::string_view key = colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
    const bool is_key = !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos;
    if (!is_key) {
      // A block list item ("- tag") continues a list; anything else the
      // script should not have written is skipped.
      if (last != nullptr && trim(line).starts_with("- ")) {
        *last += (last->empty() ? "" : ",") + std::string(trim(line).substr(2));
      }
      continue;
    }
    last = &front.values[std::string(key)];
    *last = std::string(trim(line.substr(colon + 1)));
  }
  problem = "front matter not closed: no second --- line";
  return std::nullopt;
}

struct LinkLine {
  std::string title;
  std::string url;
};

// "[title](url)": the last "](" splits them, since the script put titles in
// unescaped and they may hold brackets.
std::optional<LinkLine> link_line(std::string_view line) {
  line = trim(line);
  const auto split = line.rfind("](");
  if (!line.starts_with('[') || !line.ends_with(')') || split == std::string_view::npos) return std::nullopt;
  return LinkLine{std::string(line.substr(1, split - 1)), std::string(trim(line.substr(split + 2, line.size() - split - 3)))};
}

std::optional<std::int64_t> time_comment(std::string_view line) {
  line = trim(line);
  if (!line.starts_with("<!--") || !line.ends_with("-->")) return std::nullopt;
  const std::string_view digits = trim(line.substr(4, line.size() - 7));
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// The HTML between the body's first "<div>" line and its last "</div>"
// line; else everything after the link line's "------".
std::string body_content(const std::vector<std::string_view>& body) {
  std::size_t open = body.size();
  std::size_t close = body.size();
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (open == body.size() && trim(body[i]) == "<div>") open = i;
    if (trim(body[i]) == "</div>") close = i;
  }
  std::size_t from = 0;
  std::size_t to = body.size();
  if (open < close && close < body.size()) {
    from = open + 1;
    to = close;
  } else {
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (trim(body[i]).starts_with("------")) from = i + 1;
    }
  }
  std::string content;
  for (std::size_t i = from; i < to; ++i) {
    if (!content.empty()) content += '\n';
    content += body[i];
  }
  return content;
}

std::string problem_of(std::string_view what, std::string_view detail) {
  return fmt::format("{}: {}", what, detail);
}

}  // namespace

std::string old_scalar(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return unescape_double_quoted(value.substr(1, value.size() - 2));
  }
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
    return unescape_single_quoted(value.substr(1, value.size() - 2));
  }
  // An opening quote never closed: the script cut the value short; keep
  // what is there.
  if (value.starts_with('"')) return unescape_double_quoted(value.substr(1));
  return std::string(value);
}

OldPostReading read_old_post(std::string_view bytes) {
  OldPostReading reading;
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  const auto lines = split_lines(bytes);
  auto front = split_front_matter(lines, reading.problem);
  if (!front) return reading;
  const auto value = [&](std::string_view key) -> const std::string* {
    const auto found = front->values.find(key);
    return found == front->values.end() ? nullptr : &found->second;
  };

  std::optional<std::int64_t> comment_ms;
  std::optional<LinkLine> link;
  for (const auto line : front->body) {
    if (trim(line).empty()) continue;
    if (!comment_ms && !link) {
      if ((comment_ms = time_comment(line))) continue;
    }
    if (!link) link = link_line(line);
    if (link || trim(line).starts_with("------") || trim(line) == "<div>") break;
  }

  OldPost post;
  if (const auto* title = value("title")) {
    post.title = old_scalar(*title);
  } else if (link) {
    post.title = link->title;
  } else {
    reading.problem = "no title: neither a title: line nor a link line";
    return reading;
  }

  const auto* from = value("from");
  post.url = from != nullptr ? old_scalar(*from) : std::string{};
  if (post.url.empty() && link) post.url = link->url;
  if (post.url.empty()) {
    reading.problem = "no URL: neither a from: line nor a link line with one";
    return reading;
  }
  auto identity = url::is_absolute(post.url) ? url::canonical(post.url) : std::nullopt;
  if (!identity) {
    reading.problem = problem_of("no usable URL", fmt::format("\"{}\" is not an absolute http(s) URL", post.url));
    return reading;
  }
  post.identity = std::move(*identity);

  std::optional<std::int64_t> date_ms;
  const auto* date = value("date");
  if (date != nullptr) date_ms = dates::parse(old_scalar(*date));
  if (!comment_ms && !date_ms) {
    reading.problem = date == nullptr ? "no time: neither a <!--T--> comment nor a date: line"
                                      : problem_of("no time", fmt::format("no <!--T--> comment, and date: \"{}\" "
                                                                          "is not a date", old_scalar(*date)));
    return reading;
  }
  post.timestamp_ms = comment_ms ? *comment_ms : *date_ms;
  post.date_ms = date_ms ? *date_ms : post.timestamp_ms;

  if (const auto* author = value("author")) post.author = old_scalar(*author);
  if (const auto* tags = value("tags")) post.tags = old_list(*tags);
  if (const auto* categories = value("categories")) post.categories = old_list(*categories);
  post.content = body_content(front->body);
  reading.post = std::move(post);
  return reading;
}

}  // namespace feedd
