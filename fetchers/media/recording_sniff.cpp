#include "fetchers/media/recording_sniff.h"

namespace feedd::media {
namespace {

unsigned char byte_at(std::string_view bytes, std::size_t at) { return static_cast<unsigned char>(bytes[at]); }

// ISO base media (MP4 and its kin): a box "ftyp" at byte 4, whose major
// brand tells audio-only (M4A), QuickTime and the rest apart.
std::optional<std::string_view> iso_media(std::string_view bytes) {
  if (bytes.size() < 12 || bytes.substr(4, 4) != "ftyp") return std::nullopt;
  const std::string_view brand = bytes.substr(8, 4);
  if (brand == "M4A " || brand == "M4B ") return "m4a";
  if (brand == "qt  ") return "mov";
  return "mp4";
}

// An MPEG audio frame header: 11 bits of sync; layer 00 is AAC's ADTS.
std::optional<std::string_view> mpeg_audio(std::string_view bytes) {
  if (bytes.size() < 4 || byte_at(bytes, 0) != 0xFF || (byte_at(bytes, 1) & 0xE0) != 0xE0) return std::nullopt;
  if ((byte_at(bytes, 1) & 0x06) == 0) {
    if ((byte_at(bytes, 1) & 0xF0) != 0xF0) return std::nullopt;
    return "aac";
  }
  if ((byte_at(bytes, 1) & 0x18) == 0x08) return std::nullopt;  // a reserved MPEG version
  return "mp3";
}

}  // namespace

std::optional<std::string_view> sniff_recording(std::string_view bytes) {
  if (bytes.starts_with("ID3")) return "mp3";  // an ID3v2 tag, then MPEG audio
  if (auto type = mpeg_audio(bytes)) return type;
  if (auto type = iso_media(bytes)) return type;
  if (bytes.starts_with("OggS")) return "ogg";
  if (bytes.starts_with("fLaC")) return "flac";
  if (bytes.size() >= 12 && bytes.starts_with("RIFF") && bytes.substr(8, 4) == "WAVE") return "wav";
  if (bytes.starts_with("\x1A\x45\xDF\xA3")) {
    // EBML: the DocType says WebM or Matroska, near the start.
    return bytes.substr(0, 64).find("webm") != std::string_view::npos ? "webm" : "mkv";
  }
  return std::nullopt;
}

}  // namespace feedd::media
