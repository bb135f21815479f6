#include "fetchers/media/media_references.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>

#include "fetchers/html/srcset.h"
#include "fetchers/http/url.h"
#include "fetchers/text/encoding.h"

namespace feedd::media {
namespace {

enum class Kind { none, single, srcset };

constexpr std::array img_single{"src",      "data-src", "data-original", "data-lazy-src", "data-lazy",
                                "data-echo", "data-actualsrc", "data-orig-file", "data-hi-res-src"};
constexpr std::array any_srcset{"srcset", "data-srcset", "data-lazy-srcset"};

template <std::size_t N>
bool among(const std::array<const char*, N>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(), [&](const char* known) { return name == known; });
}

// `recordings`: audio and video sources count too (an archived enclosure
// the post shows, see point_at_local); never for image_urls, as only images
// are downloaded for what the content refers to.
Kind kind_of(std::string_view element, std::string_view attribute, bool recordings = false) {
  if (recordings && attribute == "src" && (element == "audio" || element == "video" || element == "source")) {
    return Kind::single;
  }
  if (element == "img") {
    if (among(img_single, attribute)) return Kind::single;
    if (among(any_srcset, attribute)) return Kind::srcset;
  } else if (element == "source") {
    // A <source src> is audio or video, not an image.
    if (among(any_srcset, attribute)) return Kind::srcset;
  } else if (element == "video") {
    if (attribute == "poster" || attribute == "data-poster") return Kind::single;
  }
  return Kind::none;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// One attribute of a start tag, by position in the HTML.
struct Attribute {
  std::string name;            // lower-cased
  std::size_t value_begin = 0;  // the value's text, quotes excluded
  std::size_t value_end = 0;
  std::size_t span_end = 0;    // after the closing quote (or the unquoted value)
  char quote = 0;              // '"', '\'' or 0 (unquoted)
  bool has_value = false;
};

struct Tag {
  std::string name;  // lower-cased
  std::vector<Attribute> attributes;
};

// The character references an address in an attribute may hold.
std::string decode_references(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> named{
      {{"amp;", "&"}, {"quot;", "\""}, {"apos;", "'"}, {"lt;", "<"}, {"gt;", ">"}, {"nbsp;", "\xC2\xA0"}}};
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const std::string_view rest = text.substr(i + 1);
    bool done = false;
    for (const auto& [name, value] : named) {
      if (rest.starts_with(name)) {
        out += value;
        i += name.size();
        done = true;
        break;
      }
    }
    if (done) continue;
    if (rest.starts_with('#')) {
      const bool hex = rest.size() > 1 && lower(rest[1]) == 'x';
      std::size_t j = hex ? 2 : 1;
      std::uint32_t code = 0;
      const std::size_t digits_start = j;
      for (; j < rest.size() && j < digits_start + 8; ++j) {
        const char c = lower(rest[j]);
        if (c >= '0' && c <= '9') {
          code = code * (hex ? 16 : 10) + static_cast<std::uint32_t>(c - '0');
        } else if (hex && c >= 'a' && c <= 'f') {
          code = code * 16 + static_cast<std::uint32_t>(c - 'a' + 10);
        } else {
          break;
        }
      }
      if (j > digits_start) {
        encoding::append_utf8(out, code == 0 ? 0xFFFD : code);
        i += j + (j < rest.size() && rest[j] == ';' ? 1 : 0);
        continue;
      }
    }
    out += '&';
  }
  return out;
}

std::string escape_attribute(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '"') {
      out += "&quot;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// An http(s) address, absolute; nullopt for data:, javascript:, empty, ...
std::optional<std::string> absolute_image_url(std::string_view base, std::string_view reference) {
  reference = trim(reference);
  if (reference.empty()) return std::nullopt;
  std::optional<std::string> resolved =
      base.empty() ? (url::is_absolute(reference) ? url::resolve(reference, reference) : std::nullopt)
                   : url::resolve(base, reference);
  if (!resolved) return std::nullopt;
  std::string scheme = resolved->substr(0, resolved->find(':'));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), lower);
  if (scheme != "http" && scheme != "https") return std::nullopt;
  return resolved;
}

// Reads the start tag opening at `html[at] == '<'`; returns the position
// after it (its '>'), or npos when the document ends inside it.
std::size_t read_tag(std::string_view html, std::size_t at, Tag& tag) {
  std::size_t i = at + 1;
  const std::size_t name_start = i;
  while (i < html.size() && !is_space(html[i]) && html[i] != '>' && html[i] != '/') ++i;
  tag.name.assign(html.substr(name_start, i - name_start));
  std::transform(tag.name.begin(), tag.name.end(), tag.name.begin(), lower);
  while (i < html.size()) {
    while (i < html.size() && (is_space(html[i]) || html[i] == '/')) ++i;
    if (i >= html.size()) return std::string_view::npos;
    if (html[i] == '>') return i + 1;
    Attribute attribute;
    const std::size_t attr_start = i;
    while (i < html.size() && !is_space(html[i]) && html[i] != '>' && html[i] != '=' &&
           !(html[i] == '/' && i > attr_start)) {
      ++i;
    }
    attribute.name.assign(html.substr(attr_start, i - attr_start));
    std::transform(attribute.name.begin(), attribute.name.end(), attribute.name.begin(), lower);
    std::size_t after_name = i;
    while (i < html.size() && is_space(html[i])) ++i;
    if (i < html.size() && html[i] == '=') {
      ++i;
      while (i < html.size() && is_space(html[i])) ++i;
      if (i >= html.size()) return std::string_view::npos;
      attribute.has_value = true;
      if (html[i] == '"' || html[i] == '\'') {
        attribute.quote = html[i];
        const std::size_t close = html.find(attribute.quote, i + 1);
        if (close == std::string_view::npos) return std::string_view::npos;
        attribute.value_begin = i + 1;
        attribute.value_end = close;
        i = close + 1;
      } else {
        attribute.value_begin = i;
        while (i < html.size() && !is_space(html[i]) && html[i] != '>') ++i;
        attribute.value_end = i;
      }
      attribute.span_end = i;
    } else {
      attribute.span_end = after_name;
      i = after_name;
    }
    tag.attributes.push_back(std::move(attribute));
  }
  return std::string_view::npos;
}

// Calls `visit` for every start tag, skipping comments and the text of
// script and style (where a '<' is no tag).
void each_start_tag(std::string_view html, const std::function<void(const Tag&)>& visit) {
  std::size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos) {
    if (html.substr(i).starts_with("<!--")) {
      const std::size_t end = html.find("-->", i + 4);
      if (end == std::string_view::npos) return;
      i = end + 3;
      continue;
    }
    if (i + 1 >= html.size() || !is_letter(html[i + 1])) {
      ++i;
      continue;
    }
    Tag tag;
    const std::size_t end = read_tag(html, i, tag);
    if (end == std::string_view::npos) return;
    visit(tag);
    i = end;
    if (tag.name == "script" || tag.name == "style") {
      std::string rest(html.substr(i));
      std::transform(rest.begin(), rest.end(), rest.begin(), lower);
      const std::size_t close = rest.find("</" + tag.name);
      if (close == std::string::npos) return;
      i += close;
    }
  }
}

}  // namespace

std::vector<std::string> image_urls(std::string_view html, std::string_view base_url) {
  std::vector<std::string> urls;
  std::set<std::string> seen;
  auto add = [&](std::string_view reference) {
    if (auto address = absolute_image_url(base_url, reference); address && seen.insert(*address).second) {
      urls.push_back(std::move(*address));
    }
  };
  each_start_tag(html, [&](const Tag& tag) {
    for (const auto& attribute : tag.attributes) {
      const Kind kind = kind_of(tag.name, attribute.name);
      if (kind == Kind::none || !attribute.has_value) continue;
      const std::string value =
          decode_references(html.substr(attribute.value_begin, attribute.value_end - attribute.value_begin));
      if (kind == Kind::single) {
        add(value);
      } else {
        for (const auto& candidate : parse_srcset(value)) add(candidate.url);
      }
    }
  });
  return urls;
}

std::string point_at_local(std::string_view html, std::string_view base_url,
                           const std::map<std::string, std::string>& local) {
  if (local.empty()) return std::string(html);
  auto local_of = [&](std::string_view reference) -> const std::string* {
    auto address = absolute_image_url(base_url, reference);
    if (!address) return nullptr;
    const auto found = local.find(*address);
    return found == local.end() ? nullptr : &found->second;
  };
  // Replacements by position, made in one pass at the end.
  struct Edit {
    std::size_t begin;
    std::size_t end;
    std::string text;
  };
  std::vector<Edit> edits;
  auto value_start = [](const Attribute& a) { return a.quote != 0 ? a.value_begin - 1 : a.value_begin; };
  each_start_tag(html, [&](const Tag& tag) {
    for (const auto& attribute : tag.attributes) {
      const Kind kind = kind_of(tag.name, attribute.name, true);
      if (kind == Kind::none || !attribute.has_value) continue;
      const std::string_view raw = html.substr(attribute.value_begin, attribute.value_end - attribute.value_begin);
      const std::string value = decode_references(raw);
      std::string replaced;
      bool changed = false;
      if (kind == Kind::single) {
        if (const std::string* file = local_of(value)) {
          replaced = *file;
          changed = true;
        }
      } else {
        std::vector<std::string> parts;
        for (const auto& candidate : parse_srcset(value)) {
          const std::string* file = local_of(candidate.url);
          changed = changed || file != nullptr;
          std::string part = file != nullptr ? *file : candidate.url;
          if (!candidate.descriptor.empty()) part += " " + candidate.descriptor;
          parts.push_back(std::move(part));
        }
        for (std::size_t i = 0; i < parts.size(); ++i) replaced += (i == 0 ? "" : ", ") + parts[i];
      }
      if (!changed) continue;
      // The original value keeps its own quoting; an unquoted one holds no
      // quote, so double quotes fit it.
      const char quote = attribute.quote != 0 ? attribute.quote : '"';
      std::string text = "\"" + escape_attribute(replaced) + "\" data-feedd-original-" + attribute.name + "=" + quote;
      text.append(raw);
      text += quote;
      edits.push_back(Edit{value_start(attribute), attribute.span_end, std::move(text)});
    }
  });
  std::string out;
  out.reserve(html.size() + edits.size() * 96);
  std::size_t at = 0;
  for (const auto& edit : edits) {
    out.append(html.substr(at, edit.begin - at));
    out += edit.text;
    at = edit.end;
  }
  out.append(html.substr(at));
  return out;
}

}  // namespace feedd::media
