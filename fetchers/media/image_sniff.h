// What an image is, read from its first bytes: a server's Content-Type is
// not trusted (a PNG sent as text/html is a PNG; a page sent as image/jpeg
// is no image).
#pragma once

#include <optional>
#include <string_view>

namespace feedd::media {

enum class ImageType { jpeg, png, gif, webp, avif, svg };

// nullopt: none of these (HTML, text, an unknown format).
std::optional<ImageType> sniff_image(std::string_view bytes);

// "jpg", "png", "gif", "webp", "avif", "svg": the stored file's extension.
std::string_view extension_of(ImageType type);

}  // namespace feedd::media
