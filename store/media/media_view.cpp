#include "store/media/media_view.h"

#include <memory>

#include "fetchers/media/media_references.h"
#include "store/media/media_table.h"

namespace feedd::media {

void show_local_media(Archive& archive, std::string media_url) {
  auto local_files = std::make_shared<LocalFilesQuery>(archive.store());
  archive.set_content_view([local_files, media_url = std::move(media_url)](const EntryRow& row) {
    std::map<std::string, std::string> local = (*local_files)(row.id);
    if (local.empty() || row.imported) return row.content;
    for (auto& [address, name] : local) name = media_url + name;
    return point_at_local(row.content, row.url, local);
  });
}

}  // namespace feedd::media
