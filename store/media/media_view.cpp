#include "store/media/media_view.h"

#include "fetchers/media/media_references.h"
#include "store/media/media_table.h"

namespace feedd::media {

void show_local_media(Archive& archive, std::string media_url) {
  Store& store = archive.store();
  archive.set_content_view([&store, media_url = std::move(media_url)](const EntryRow& row) {
    std::map<std::string, std::string> local = local_files_of(store, row.id);
    if (local.empty() || row.imported) return row.content;
    for (auto& [address, name] : local) name = media_url + name;
    return point_at_local(row.content, row.url, local);
  });
}

}  // namespace feedd::media
