#include "fetchers/media/image_sniff.h"

#include <cstdint>

namespace feedd::media {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// ISO BMFF: an "ftyp" box whose major or compatible brands name AVIF.
bool is_avif(std::string_view bytes) {
  if (bytes.size() < 16 || bytes.substr(4, 4) != "ftyp") return false;
  const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
  std::size_t box = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  if (box < 16 || box > bytes.size()) box = bytes.size();
  for (std::size_t at = 8; at + 4 <= box; at += 4) {
    if (at == 12) continue;  // the minor version, not a brand
    const std::string_view brand = bytes.substr(at, 4);
    if (brand == "avif" || brand == "avis") return true;
  }
  return false;
}

// An XML document whose first element is <svg>: declarations, comments and
// a doctype may come first.
bool is_svg(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  for (int guard = 0; guard < 64; ++guard) {
    while (!bytes.empty() && is_space(bytes.front())) bytes.remove_prefix(1);
    if (bytes.starts_with("<?")) {
      const auto end = bytes.find("?>");
      if (end == std::string_view::npos) return false;
      bytes.remove_prefix(end + 2);
    } else if (bytes.starts_with("<!--")) {
      const auto end = bytes.find("-->");
      if (end == std::string_view::npos) return false;
      bytes.remove_prefix(end + 3);
    } else if (bytes.starts_with("<!DOCTYPE") || bytes.starts_with("<!doctype")) {
      const auto end = bytes.find('>');
      if (end == std::string_view::npos) return false;
      bytes.remove_prefix(end + 1);
    } else {
      return bytes.starts_with("<svg") && bytes.size() > 4 &&
             (is_space(bytes[4]) || bytes[4] == '>' || bytes[4] == '/');
    }
  }
  return false;
}

}  // namespace

std::optional<ImageType> sniff_image(std::string_view bytes) {
  if (bytes.starts_with("\xFF\xD8\xFF")) return ImageType::jpeg;
  if (bytes.starts_with("\x89PNG\r\n\x1A\n")) return ImageType::png;
  if (bytes.starts_with("GIF87a") || bytes.starts_with("GIF89a")) return ImageType::gif;
  if (bytes.size() >= 12 && bytes.starts_with("RIFF") && bytes.substr(8, 4) == "WEBP") return ImageType::webp;
  if (is_avif(bytes)) return ImageType::avif;
  if (is_svg(bytes)) return ImageType::svg;
  return std::nullopt;
}

std::string_view extension_of(ImageType type) {
  switch (type) {
    case ImageType::jpeg: return "jpg";
    case ImageType::png: return "png";
    case ImageType::gif: return "gif";
    case ImageType::webp: return "webp";
    case ImageType::avif: return "avif";
    case ImageType::svg: return "svg";
  }
  return "bin";
}

}  // namespace feedd::media
