// Local media (sources[].media = "local"), the stage after a poll is stored:
// the image addresses of the entries just stored are recorded
// (store/media/media_table.h), the source's downloads that are due are made
// through the pipeline's HttpClient (its per-host limits, the source's
// proxy and headers, the private-network shield, media_max_file as the
// body cap; for an enclosure enclosure_max_file, an hour, and the bytes
// streamed to disk instead of memory), each file is kept if its bytes are an
// image (sniffed, SVG sanitised) or, for an enclosure, a recording, and the posts that refer to new files are written again
// through the archive's pending-post path, so the publish hook gets them.
//
// A failure (HTTP error, timeout, not an image, over the cap) is retried on
// a later poll of the source once its backoff has passed (15 minutes,
// doubling, at most a day); meanwhile the post keeps the original address.
// The source's quota (media_quota) stops its downloads with one log line.
// Downloads run one after another per source: the quota is checked before
// each, and a poll's images never crowd out other sources' feeds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config/config.h"
#include "daemon/runtime/pipeline/clock.h"
#include "fetchers/http/http_client.h"
#include "store/archive.h"

namespace feedd {
namespace media {
class StreamedMediaFile;
}

// What local media keeps of a stored entry: the images its content shows
// and its enclosures that are recordings or images (other files stay links).
// `reprocess` records them too when it changes an entry's enclosures.
std::vector<std::string> archived_addresses(Store& store, const EntryRow& row);

class MediaStage {
 public:
  // Runs a task on the pipeline's writer thread (the archive's one user).
  using OnWriter = std::function<void(std::function<void()>)>;
  struct Outcome {
    int posts_written = 0;
    int files_stored = 0;            // downloads kept (for /metrics)
    int files_failed = 0;            // downloads refused or failed, retried later
    std::uint64_t bytes_stored = 0;  // bytes of the files kept
    std::vector<std::filesystem::path> written_paths;
  };
  using Done = std::function<void(Outcome)>;

  // `io`, `http` and `clock` outlive the stage.
  MediaStage(boost::asio::io_context& io, HttpClient& http, const Clock& clock, std::filesystem::path media_dir,
             OnWriter on_writer);

  // REQUIRES: on the writer thread. `identities` are the entries this poll
  // stored (empty after a 304: only retries that are due). `done` runs on
  // the writer thread, also when the source's media is off or all failed.
  void run(Archive& archive, const config::Source& source, std::vector<std::string> identities, bool want_paths,
           Done done);

 private:
  struct Pass;
  void next(const std::shared_ptr<Pass>& pass);
  // `file`: the enclosure's bytes as streamed to disk (response.body empty).
  void keep(Pass& pass, const std::string& url, HttpResponse response, media::StreamedMediaFile* file);
  void finish(const std::shared_ptr<Pass>& pass);

  boost::asio::io_context& io_;
  HttpClient& http_;
  const Clock& clock_;
  std::filesystem::path media_dir_;
  OnWriter on_writer_;
};

}  // namespace feedd
