#include "fetchers/html/sanitize_writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>

#include "fetchers/html/css_filter.h"
#include "fetchers/html/srcset.h"
#include "fetchers/http/url.h"
#include "fetchers/text/encoding.h"
#include "fetchers/text/utf8_simd.h"

namespace feedd::detail {
namespace {

// libxml2's HTML parser lower-cases element and attribute names, so the
// lists below are compared exactly.
constexpr std::array<std::string_view, 16> kDroppedElements = {
    "script", "style", "iframe", "frame",  "frameset",    "object",    "embed", "applet",
    "form",   "base",  "meta",   "portal", "fencedframe", "plaintext", "param", "link",
};

// Their content is what a browser shows when the plugin is not there. A
// closed one goes with its content; one left open would take the rest of
// the field with it, so then the content stays, sanitized like the rest.
constexpr std::array<std::string_view, 2> kFallbackElements = {"object", "applet"};

// libxml2 puts html and body around a fragment, and a stray </html> or
// <head> in one adds more. Their children are the content.
constexpr std::array<std::string_view, 3> kWrapperElements = {"html", "head", "body"};

// As browsers parse them; <image> is read as <img>.
constexpr std::array<std::string_view, 19> kVoidElements = {
    "area", "base",  "br",     "col",   "embed", "hr",       "img",     "image", "input",  "link",
    "meta", "param", "source", "track", "wbr",   "basefont", "bgsound", "frame", "keygen",
};

// Attributes a browser follows as a URL, where a script scheme would run.
// Compared by local name, so xlink:href counts as href.
constexpr std::array<std::string_view, 13> kUrlAttributes = {
    "href",   "src",    "action", "formaction", "poster",   "background", "longdesc",
    "lowsrc", "dynsrc", "cite",   "data",       "codebase", "usemap",
};

// The URLs a reader follows or loads from a post, made absolute so they
// still work from wherever the post is published.
constexpr std::array<std::string_view, 3> kResolvedAttributes = {"href", "src", "poster"};

constexpr std::string_view kNoBreakSpace = "\xC2\xA0";

template <std::size_t N>
bool is_one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ascii_space(text.back())) text.remove_suffix(1);
  return text;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), text.begin(),
                                                    [](char p, char t) { return p == ascii_lower(t); });
}

// "script" for "x:script": browsers give such prefixed names no meaning, but
// whatever reads the post later might, so they are judged like the bare name.
std::string_view local_name(std::string_view name) {
  const std::size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// ---- URLs ------------------------------------------------------------------

// The first characters of `url` as a browser's URL parser reads them: leading
// controls and spaces skipped, tabs and newlines anywhere ignored, case folded.
// That is what defeats " javascript:" and "jav&#x09;ascript:" (libxml2 has
// already decoded the entity to a tab).
std::string url_head(std::string_view url) {
  constexpr std::size_t kLength = 16;  // longer than any scheme checked
  std::size_t i = 0;
  while (i < url.size() && static_cast<unsigned char>(url[i]) <= 0x20) ++i;
  std::string head;
  for (; i < url.size() && head.size() < kLength; ++i) {
    if (url[i] != '\t' && url[i] != '\n' && url[i] != '\r') head += ascii_lower(url[i]);
  }
  return head;
}

// An image inlined as data: cannot run script, and lazy-loading sites use
// them as placeholders, so an img may keep one.
bool is_dangerous_url(std::string_view url, bool allow_image_data) {
  const std::string head = url_head(url);
  if (head.starts_with("javascript:") || head.starts_with("vbscript:")) return true;
  return head.starts_with("data:") && !(allow_image_data && head.starts_with("data:image/"));
}

// Empty and fragment-only references point into the post itself.
bool needs_resolving(std::string_view url) {
  const std::string_view trimmed = trim(url);
  return !trimmed.empty() && trimmed.front() != '#';
}

bool has_non_ascii(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

std::string resolved(std::string_view url, const std::string& base) {
  if (base.empty() || !needs_resolving(url)) return std::string(url);
  // mailto:, tel: and anything curl cannot read stay as written.
  std::optional<std::string> absolute = url::resolve(base, url);
  if (!absolute) return std::string(url);
  // curl writes non-ASCII as %XX; a reference written with the characters
  // (an IRI, as in "/wiki/中国") keeps them, so the post reads as the feed
  // did. Both forms are the same URL to a browser.
  return has_non_ascii(url) ? url::iri_of(*absolute) : std::move(*absolute);
}

// ---- Tracking pixels -------------------------------------------------------

// A length written as a plain number or in px; nullopt for %, em, auto, ...
std::optional<double> pixels(std::string_view text) {
  text = trim(text);
  if (text.size() >= 10 && starts_with_ignoring_case(text.substr(text.size() - 10), "!important")) {
    text = trim(text.substr(0, text.size() - 10));
  }
  if (text.size() >= 2 && starts_with_ignoring_case(text.substr(text.size() - 2), "px")) {
    text.remove_suffix(2);
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The value of `property` in an inline style, the last declaration winning.
std::optional<std::string_view> style_property(std::string_view style, std::string_view property) {
  std::optional<std::string_view> value;
  while (!style.empty()) {
    const std::size_t end = std::min(style.find(';'), style.size());
    const std::string_view declaration = style.substr(0, end);
    const std::size_t colon = declaration.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = trim(declaration.substr(0, colon));
      if (name.size() == property.size() && starts_with_ignoring_case(name, property)) {
        value = declaration.substr(colon + 1);
      }
    }
    style.remove_prefix(std::min(end + 1, style.size()));
  }
  return value;
}

const std::string_view* find_attribute(std::span<const AttributeView> attributes, std::string_view name) {
  const auto found = std::find_if(attributes.begin(), attributes.end(),
                                  [&](const AttributeView& attribute) { return attribute.name == name; });
  return found == attributes.end() ? nullptr : &found->value;
}

// Inline style overrides the attribute, as in a browser.
std::optional<double> rendered_size(std::span<const AttributeView> attributes, std::string_view dimension) {
  if (const std::string_view* style = find_attribute(attributes, "style")) {
    if (const auto value = style_property(*style, dimension)) return pixels(*value);
  }
  if (const std::string_view* value = find_attribute(attributes, dimension)) return pixels(*value);
  return std::nullopt;
}

// Web bugs are 1x1 (sometimes 0x0) images whose only job is to be fetched.
bool is_tracking_pixel(std::span<const AttributeView> attributes) {
  const auto width = rendered_size(attributes, "width");
  const auto height = rendered_size(attributes, "height");
  return width && height && *width <= 1 && *height <= 1;
}

// ---- Writing ---------------------------------------------------------------

// Names libxml2 accepted that would not read back as one attribute name.
bool is_writable_name(std::string_view name) {
  return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '\'' || c == '<' || c == '>' ||
           c == '/' || c == '=' || c == '\x7F';
  });
}

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// Some byte of `chunk` equals `byte`. Exact as a yes/no answer: a borrow
// can only flag bytes above one that really matches.
constexpr std::uint64_t has_byte(std::uint64_t chunk, unsigned char byte) {
  const std::uint64_t matches = chunk ^ (kOnes * byte);
  return (matches - kOnes) & ~matches & kHighs;
}

// Eight bytes among which append_escaped has nothing to write otherwise: no
// & < > (or " in an attribute) and no first byte of U+00A0. Non-ASCII bytes
// pass, so Chinese text goes eight bytes at a time like ASCII.
bool is_plain(const char* at, bool in_attribute) {
  std::uint64_t chunk = 0;
  std::memcpy(&chunk, at, sizeof chunk);
  const std::uint64_t special = has_byte(chunk, '&') | has_byte(chunk, '<') | has_byte(chunk, '>') |
                                has_byte(chunk, static_cast<unsigned char>(kNoBreakSpace[0])) |
                                (in_attribute ? has_byte(chunk, '"') : 0);
  return special == 0;
}

// U+00A0 is written as &nbsp; so it stays visible in the post's source, and
// '<' and '>' are escaped in attributes too, so no parser can ever mistake an
// attribute value for markup.
// This is the hot loop of sanitizing: bytes between escapes are copied a run
// at a time, found eight bytes at a time (append_escaped_bytes);
// append_escaped also returns whether `text` was well-formed UTF-8 without
// NUL (checked apart, 32 bytes at a time where the CPU can); the bytes
// written are the same either way. No byte of a
// well-formed multi-byte sequence is one of & < > " or 0xC2 unless it starts
// the sequence, so escaping every such byte wherever it stands writes what a
// loop going one UTF-8 sequence at a time wrote.
void append_escaped_bytes(std::string_view text, bool in_attribute, std::string& out) {
  std::size_t copied = 0;  // text[0, copied) is in `out`
  std::size_t i = 0;
  const bool wide = text.size() >= 64 && encoding::detail::has_avx2();
  const std::string_view stops = in_attribute ? std::string_view("&<>\"\xC2") : std::string_view("&<>\xC2");
  while (i < text.size()) {
    if (wide && text.size() - i >= 32) {
      // To the next byte that may need an escape, 32 bytes at a time.
      const std::size_t next = encoding::detail::skip_bytes_other_than_avx2(text, i, stops);
      if (next != i) {
        i = next;
        continue;
      }
    }
    if (text.size() - i >= 8 && is_plain(text.data() + i, in_attribute)) {
      i += 8;
      continue;
    }
    const char c = text[i];
    std::string_view entity;
    if (c == '&') {
      entity = "&amp;";
    } else if (c == '<') {
      entity = "&lt;";
    } else if (c == '>') {
      entity = "&gt;";
    } else if (c == '"' && in_attribute) {
      entity = "&quot;";
    } else if (c == kNoBreakSpace[0] && text.substr(i).starts_with(kNoBreakSpace)) {
      entity = "&nbsp;";
    } else {
      ++i;
      continue;
    }
    out.append(text.data() + copied, i - copied);
    out += entity;
    i += c == kNoBreakSpace[0] ? kNoBreakSpace.size() : 1;
    copied = i;
  }
  out.append(text.data() + copied, text.size() - copied);
}

bool append_escaped(std::string_view text, bool in_attribute, std::string& out) {
  append_escaped_bytes(text, in_attribute, out);
  return encoding::is_valid_utf8(text);
}

// <use> copies what it points at into the drawing: only a part of the
// document itself, never a file elsewhere.
bool uses_other_document(std::string_view tag, std::span<const AttributeView> attributes) {
  if (local_name(tag) != "use") return false;
  return std::any_of(attributes.begin(), attributes.end(), [](const AttributeView& attribute) {
    return local_name(attribute.name) == "href" && !trim(attribute.value).starts_with('#');
  });
}

// Event handlers run script; ping only reports clicks to a third party.
bool is_dangerous(std::string_view tag, const AttributeView& attribute) {
  const std::string_view name = local_name(attribute.name);
  if (name.starts_with("on") || name == "ping") return true;
  const bool image_source = (tag == "img" && name == "src");
  return is_one_of(name, kUrlAttributes) && is_dangerous_url(attribute.value, image_source);
}

}  // namespace

bool is_wrapper_element(std::string_view tag) { return is_one_of(tag, kWrapperElements); }

bool is_void_element(std::string_view tag, Markup markup) {
  return markup == Markup::html && is_one_of(tag, kVoidElements);
}

Markup children_markup_of(std::string_view tag, Markup markup) { return children_markup(local_name(tag), markup); }

SanitizeWriter::SanitizeWriter(const SanitizeOptions& options, bool keep_fallback)
    : options_(options), keep_fallback_(keep_fallback) {}

Markup SanitizeWriter::markup_here(std::string_view tag, Markup context) const {
  return options_.strip_active ? markup_of(local_name(tag), context) : Markup::html;
}

bool SanitizeWriter::is_dropped(std::string_view tag, Markup markup) const {
  if (!options_.strip_active) return false;
  if (is_one_of(local_name(tag), kDroppedElements)) return true;
  return markup != Markup::html && !foreign_element(markup, local_name(tag));
}

bool SanitizeWriter::is_cut(std::string_view tag, std::span<const AttributeView> attributes, Markup markup) const {
  // Browsers read <image> as <img>.
  const bool image = tag == "img" || tag == "image";
  if (options_.strip_active && image && is_tracking_pixel(attributes)) return true;
  if (options_.strip_active && markup == Markup::svg && uses_other_document(tag, attributes)) return true;
  return !options_.remove.empty() && any_matches(options_.remove, tag, attributes);
}

bool SanitizeWriter::keeps_children_when_cut(std::string_view tag) const {
  return is_one_of(tag, kVoidElements) || (is_one_of(tag, kFallbackElements) && keep_fallback_);
}

std::string_view SanitizeWriter::start_tag(std::string_view tag, std::span<const AttributeView> attributes,
                                           Markup markup, Markup context) {
  const std::string_view written = markup == Markup::html ? tag : *foreign_element(markup, local_name(tag));
  dropped_a_prefix_ = dropped_a_prefix_ || (markup != Markup::html && local_name(tag).size() != tag.size());
  out_ += '<';
  out_ += written;
  checked(encoding::is_valid_utf8(written));
  if (markup != context) foreign_namespace("xmlns", namespace_uri(markup));
  if (markup == Markup::html) {
    for (const auto& attribute : attributes) this->attribute(tag, attribute);
  } else {
    bool xlink = false;
    for (const auto& attribute : attributes) {
      // Kept when on the allow-list and pointing nowhere outside the
      // document, renamed to the case browsers know.
      const std::optional<std::string_view> name = foreign_attribute(markup, attribute.name);
      if (!name || !foreign_value_is_safe(attribute.value)) continue;
      const bool wrote = this->attribute(tag, {*name, attribute.value});
      xlink = xlink || (wrote && name->starts_with("xlink:"));
    }
    // In HTML an xmlns:xlink of the feed's own is copied like any attribute.
    if (xlink) foreign_namespace("xmlns:xlink", kXlinkNamespace);
  }
  out_ += '>';
  return written;
}

void SanitizeWriter::end_tag(std::string_view written) {
  out_ += "</";
  out_ += written;
  out_ += '>';
}

// The sanitizer's own declarations, so the post says what the markup is
// whatever the feed wrote (its own are never copied).
void SanitizeWriter::foreign_namespace(std::string_view name, std::string_view uri) {
  out_ += ' ';
  out_ += name;
  out_ += "=\"";
  out_ += uri;
  out_ += '"';
}

void SanitizeWriter::text(std::string_view content, bool cdata) {
  // libxml2 gives script and style bodies as CDATA; only kept when
  // strip_active is off, and escaping would change their meaning.
  if (cdata && !options_.strip_active) {
    out_ += content;
    checked(encoding::is_valid_utf8(content));
  } else if (texts_valid_) {
    append_escaped_bytes(content, false, out_);
  } else {
    checked(append_escaped(content, false, out_));
  }
}

// Writes the attribute unless it is dropped; says which.
bool SanitizeWriter::attribute(std::string_view tag, const AttributeView& attribute) {
  if (!is_writable_name(attribute.name)) return false;
  if (options_.strip_active && is_dangerous(tag, attribute)) return false;
  std::string_view value = attribute.value;
  std::string changed;
  if (options_.strip_active && local_name(attribute.name) == "style") {
    changed = allowed_style(value);
    if (changed.empty()) return false;
    value = changed;
  } else if (attribute.name == "srcset") {
    changed = cleaned_srcset(value);
    if (changed.empty()) return false;
    value = changed;
  } else if (is_one_of(attribute.name, kResolvedAttributes) || attribute.name == "xlink:href") {
    changed = resolved(value, options_.base_url);
    value = changed;
  }
  out_ += ' ';
  out_ += attribute.name;
  checked(encoding::is_valid_utf8(attribute.name));
  out_ += "=\"";
  checked(append_escaped(value, true, out_));
  out_ += '"';
  return true;
}

// Each candidate checked and resolved on its own; "" when none is left.
std::string SanitizeWriter::cleaned_srcset(std::string_view srcset) const {
  std::string cleaned;
  for (const auto& candidate : parse_srcset(srcset)) {
    if (options_.strip_active && is_dangerous_url(candidate.url, false)) continue;
    if (!cleaned.empty()) cleaned += ", ";
    cleaned += resolved(candidate.url, options_.base_url);
    if (!candidate.descriptor.empty()) cleaned += ' ' + candidate.descriptor;
  }
  return cleaned;
}

}  // namespace feedd::detail
