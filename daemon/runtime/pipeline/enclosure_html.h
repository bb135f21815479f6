// An entry's enclosures written as HTML to follow its content in a post,
// for sources with enclosures = true.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "fetchers/feed/feed.h"

namespace feedd {

// One element per enclosure: <audio controls src=...> for audio, <video controls src=...> for video
// (judged by the MIME type, else the file name's extension), a link named
// after the file for anything else. Images are left out: a feed's image
// enclosures are its thumbnails and covers, which the content mostly shows
// already. "" when nothing is left. Written in the sanitizer's canonical
// form, so a post reads back the same.
std::string enclosures_html(std::span<const Enclosure> enclosures);

enum class EnclosureKind { audio, video, image, other };

// What an enclosure is, by its MIME type, else its file name's extension.
EnclosureKind enclosure_kind(std::string_view type, std::string_view url);

}  // namespace feedd
