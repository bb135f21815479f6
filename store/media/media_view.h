// A post's content with its stored images shown from media_url: the
// Archive's content view (Archive::set_content_view) for local media.
// Installed wherever posts are written (ingest, repair, rebuild), so every
// writer renders the same bytes from the same rows. A row none of whose
// images are stored keeps its content byte for byte.
#pragma once

#include <string>

#include "store/archive.h"

namespace feedd::media {

// REQUIRES: `archive` outlives the view it is given; used on its writer.
void show_local_media(Archive& archive, std::string media_url);

}  // namespace feedd::media
