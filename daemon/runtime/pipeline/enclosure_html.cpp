#include "daemon/runtime/pipeline/enclosure_html.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace feedd {
namespace {

using Kind = EnclosureKind;

std::string lowered(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return lower;
}

// The path's last segment, without query or fragment.
std::string_view file_name(std::string_view url) {
  url = url.substr(0, std::min(url.find('?'), url.find('#')));
  const std::size_t slash = url.rfind('/');
  return slash == std::string_view::npos ? url : url.substr(slash + 1);
}

}  // namespace

EnclosureKind enclosure_kind(std::string_view enclosure_type, std::string_view url) {
  const std::string type = lowered(enclosure_type);
  if (type.starts_with("audio/")) return Kind::audio;
  if (type.starts_with("video/")) return Kind::video;
  if (type.starts_with("image/")) return Kind::image;
  if (!type.empty()) return Kind::other;
  const std::string name = lowered(file_name(url));
  const std::size_t dot = name.rfind('.');
  const std::string extension = dot == std::string::npos ? std::string() : name.substr(dot + 1);
  static constexpr std::array<std::string_view, 7> audio = {"mp3", "m4a", "aac", "ogg", "oga", "opus", "wav"};
  static constexpr std::array<std::string_view, 5> video = {"mp4", "m4v", "webm", "mov", "ogv"};
  static constexpr std::array<std::string_view, 6> image = {"jpg", "jpeg", "png", "gif", "webp", "avif"};
  const auto in = [&](const auto& list) { return std::find(list.begin(), list.end(), extension) != list.end(); };
  if (in(audio)) return Kind::audio;
  if (in(video)) return Kind::video;
  if (in(image)) return Kind::image;
  return Kind::other;
}

namespace {

Kind kind_of(const Enclosure& enclosure) { return enclosure_kind(enclosure.type, enclosure.url); }

void append_escaped(std::string_view text, std::string& out) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
}

}  // namespace

std::string enclosures_html(std::span<const Enclosure> enclosures) {
  std::string html;
  for (const Enclosure& enclosure : enclosures) {
    const Kind kind = kind_of(enclosure);
    if (kind == Kind::image) continue;
    if (kind == Kind::other) {
      html += "<p><a href=\"";
      append_escaped(enclosure.url, html);
      html += "\">";
      const std::string_view name = file_name(enclosure.url);
      append_escaped(name.empty() ? std::string_view(enclosure.url) : name, html);
      html += "</a></p>";
      continue;
    }
    const std::string_view tag = kind == Kind::audio ? "audio" : "video";
    html += '<';
    html += tag;
    html += " controls=\"\" src=\"";
    append_escaped(enclosure.url, html);
    html += "\"></";
    html += tag;
    html += '>';
  }
  return html;
}

}  // namespace feedd
