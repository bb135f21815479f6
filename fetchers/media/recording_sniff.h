// What an audio or video file is, read from its first bytes, for the
// enclosures local media archives (a podcast's MP3, a news video's MP4).
// As with images, the server's Content-Type is not trusted: a web page sent
// as audio/mpeg is no recording.
#pragma once

#include <optional>
#include <string_view>

namespace feedd::media {

// The stored file's extension ("mp3", "aac", "m4a", "mp4", "mov", "ogg",
// "webm", "mkv", "wav", "flac"), or nullopt for anything else.
std::optional<std::string_view> sniff_recording(std::string_view bytes);

}  // namespace feedd::media
