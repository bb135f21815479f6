#include "daemon/runtime/pipeline/media_stage.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <string_view>
#include <exception>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/runtime/pipeline/enclosure_html.h"
#include "daemon/runtime/pipeline/source_request.h"
#include "fetchers/http/request_scope.h"
#include "fetchers/http/url.h"
#include "fetchers/media/image_sniff.h"
#include "fetchers/media/media_references.h"
#include "fetchers/media/recording_sniff.h"
#include "fetchers/media/svg_sanitize.h"
#include "fetchers/redact/redact_url.h"
#include "store/atomic_file.h"
#include "store/enclosures/enclosure_table.h"
#include "store/media/media_file.h"
#include "store/media/media_stream.h"
#include "store/media/media_table.h"

namespace feedd {
namespace {

// Per poll, so a source with thousands of images waiting catches up over
// several polls instead of holding its poll's slot for hours.
constexpr int downloads_per_pass = 200;

constexpr std::int64_t first_retry_ms = 15 * 60 * 1000;
constexpr std::int64_t longest_retry_ms = 24 * 3600 * 1000;

std::int64_t retry_delay_ms(int attempts) {
  std::int64_t delay = first_retry_ms;
  for (int i = 1; i < attempts && delay < longest_retry_ms; ++i) delay *= 2;
  return std::min(delay, longest_retry_ms);
}

std::string human_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  if (bytes < (std::uint64_t{1} << 30)) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024 * 1024));
  return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
}

std::string human_delay(std::int64_t ms) {
  if (ms % 3600000 == 0) return fmt::format("{}h", ms / 3600000);
  return fmt::format("{}m", ms / 60000);
}

// A podcast episode of 200 MiB needs 60 s only above 3.5 MB/s: an archived
// enclosure gets this long instead of fetch.timeout (the low-speed limit
// still drops a stalled one).
constexpr std::chrono::milliseconds enclosure_timeout{3600 * 1000};

// The source's own settings, its secrets, cookie and headers sent only to
// its own hosts (fetchers/http/request_scope.h). An enclosure has its own
// size cap and time.
HttpRequest image_request(const config::Source& source, const std::string& address, bool enclosure) {
  HttpRequest request = source_request(source, address, {});
  confine_to_home_hosts(request, source.urls.empty() ? std::vector<std::string>{source.url} : source.urls);
  request.max_body = enclosure ? source.enclosure_max_file : source.media_max_file;
  if (enclosure) request.timeout = std::max(request.timeout.value_or(enclosure_timeout), enclosure_timeout);
  return request;
}

bool is_web_address(std::string_view address) {
  return address.starts_with("http://") || address.starts_with("https://");
}

}  // namespace

std::vector<std::string> archived_addresses(Store& store, const EntryRow& row) {
  std::vector<std::string> addresses = media::image_urls(row.content, row.url);
  for (const EnclosureRecord& enclosure : enclosures::enclosures_of(store, row.id)) {
    if (enclosure_kind(enclosure.type, enclosure.url) == EnclosureKind::other) continue;
    if (!is_web_address(enclosure.url)) continue;
    if (std::find(addresses.begin(), addresses.end(), enclosure.url) == addresses.end()) {
      addresses.push_back(enclosure.url);
    }
  }
  return addresses;
}

namespace {

// The file an answer is kept as: an image (SVG made inert), or for an
// enclosure also a recording; `problem` says why there is none.
struct Kept {
  std::string bytes;
  std::string extension;
  std::string problem;
  bool on_disk = false;  // the streamed file is kept as it is, not `bytes`
};

// An image's bytes as kept: an SVG made inert, others as they are.
Kept kept_image(media::ImageType type, std::string bytes) {
  if (type != media::ImageType::svg) return {std::move(bytes), std::string(media::extension_of(type)), {}};
  if (auto clean = media::sanitize_svg(bytes)) return {std::move(*clean), "svg", {}};
  return {{}, {}, "an SVG that cannot be made safe (entity declarations or not well-formed)"};
}

std::string not_kept(bool enclosure, const std::string& content_type) {
  return fmt::format("not an image (JPEG, PNG, GIF, WebP, AVIF or SVG){}, whatever its Content-Type ({})",
                     enclosure ? " nor a recording (MP3, AAC, MP4, Ogg, WebM, WAV, FLAC)" : "",
                     content_type.empty() ? "none" : content_type);
}

Kept kept_file(Store& store, const std::string& address, HttpResponse& response) {
  if (!response.ok()) return {{}, {}, response.error.empty() ? fmt::format("HTTP {}", response.status) : response.error};
  if (const auto type = media::sniff_image(response.body)) return kept_image(*type, std::move(response.body));
  const bool enclosure = enclosures::is_enclosure(store, address);
  if (enclosure) {
    if (const auto extension = media::sniff_recording(response.body)) {
      return {std::move(response.body), std::string(*extension), {}};
    }
  }
  return {{}, {}, not_kept(enclosure, response.content_type)};
}

// An enclosure written to disk as it arrived (media::StreamedMediaFile),
// judged by its first bytes. An SVG is read back to be made inert, so it
// must fit under media_max_file like any image.
Kept kept_stream(const HttpResponse& response, media::StreamedMediaFile& file, std::uint64_t svg_limit) {
  if (!file.error().empty()) return {{}, {}, file.error()};
  if (!response.ok()) return {{}, {}, response.error.empty() ? fmt::format("HTTP {}", response.status) : response.error};
  if (const auto type = media::sniff_image(file.head())) {
    if (*type != media::ImageType::svg) return {{}, std::string(media::extension_of(*type)), {}, true};
    if (file.size() > svg_limit) return {{}, {}, fmt::format("an SVG larger than media_max_file ({} bytes)", svg_limit)};
    return kept_image(*type, file.read_all());
  }
  if (const auto extension = media::sniff_recording(file.head())) return {{}, std::string(*extension), {}, true};
  return {{}, {}, not_kept(true, response.content_type)};
}

}  // namespace

struct MediaStage::Pass {
  Archive& archive;
  config::Source source;
  std::int64_t source_id = 0;
  std::deque<std::string> due;
  std::uint64_t used = 0;  // bytes of files charged to the source
  bool want_paths = false;
  Done done;
  int stored = 0;
  int failed = 0;
  std::uint64_t stored_bytes = 0;
  std::int64_t next_retry_ms = 0;  // the soonest retry of this pass's failures
};

MediaStage::MediaStage(boost::asio::io_context& io, HttpClient& http, const Clock& clock,
                       std::filesystem::path media_dir, OnWriter on_writer)
    : io_(io), http_(http), clock_(clock), media_dir_(std::move(media_dir)), on_writer_(std::move(on_writer)) {
  // Temporary files of a write a crash interrupted; a failure here only
  // leaves them for the next start.
  std::error_code error;
  if (std::filesystem::is_directory(media_dir_, error)) {
    try {
      remove_stale_temp_files(media_dir_);
    } catch (const std::exception&) {
    }
  }
}

void MediaStage::run(Archive& archive, const config::Source& source, std::vector<std::string> identities,
                     bool want_paths, Done done) {
  if (source.media != config::MediaMode::local) return done({});
  auto pass = std::make_shared<Pass>(Pass{archive, source, 0, {}, 0, want_paths, std::move(done), 0, 0, 0});
  const std::int64_t now = clock_.now_ms();
  try {
    Store& store = archive.store();
    pass->source_id = store.source_id(source.name, source.url);
    for (const auto& identity : identities) {
      const auto row = store.find_entry(identity);
      if (!row || row->imported) continue;
      media::set_references(store, row->id, pass->source_id, archived_addresses(store, *row), now);
    }
    const auto due = media::due_downloads(store, pass->source_id, now, downloads_per_pass);
    pass->due.assign(due.begin(), due.end());
    pass->used = media::source_media_bytes(store, pass->source_id);
  } catch (const std::exception& error) {
    spdlog::warn("source {}: media not recorded, will retry on the next poll: {}", source.name, error.what());
    return pass->done({});
  }
  if (!pass->due.empty() && pass->used >= source.media_quota) {
    spdlog::warn("source {}: media quota {} reached ({} stored): not downloading {} nor {} more image(s) due",
                 source.name, human_bytes(source.media_quota), human_bytes(pass->used), url::redact(pass->due.front()),
                 pass->due.size() - 1);
    return pass->done({});
  }
  next(pass);
}

// On the writer thread: the next download, or the end of the pass.
void MediaStage::next(const std::shared_ptr<Pass>& pass) {
  if (pass->due.empty()) return finish(pass);
  std::string address = std::move(pass->due.front());
  pass->due.pop_front();
  HttpRequest request;
  // An enclosure goes to disk as it arrives: it may be hundreds of MiB.
  std::shared_ptr<media::StreamedMediaFile> file;
  try {
    const bool enclosure = enclosures::is_enclosure(pass->archive.store(), address);
    request = image_request(pass->source, address, enclosure);
    if (enclosure) {
      file = std::make_shared<media::StreamedMediaFile>(media_dir_);
      request.body_sink = [file](std::string_view bytes) { return file->write(bytes); };
    }
  } catch (const std::exception& error) {
    // A secret file that cannot be read fails the feed's poll too.
    spdlog::warn("source {}: image {} not fetched: {}", pass->source.name, url::redact(address), error.what());
    pass->due.clear();
    return finish(pass);
  }
  boost::asio::post(io_, [this, pass, address = std::move(address), request = std::move(request), file]() mutable {
    http_.fetch(std::move(request), [this, pass, address, file](HttpResponse response) mutable {
      on_writer_([this, pass, address, file, response = std::move(response)]() mutable {
        if (response.status == 0 && response.error == "aborted") {
          pass->due.clear();  // feedd is stopping: not the image's failure
        } else {
          try {
            keep(*pass, address, std::move(response), file.get());
          } catch (const std::exception& error) {
            spdlog::warn("source {}: image {} not stored, will retry: {}", pass->source.name, url::redact(address),
                         error.what());
          }
        }
        next(pass);
      });
    });
  });
}

// On the writer thread: the answer for `address` kept as a file, or counted
// as a failure to retry.
void MediaStage::keep(Pass& pass, const std::string& address, HttpResponse response,
                      media::StreamedMediaFile* file) {
  Store& store = pass.archive.store();
  auto [bytes, extension, problem, on_disk] =
      file ? kept_stream(response, *file, pass.source.media_max_file) : kept_file(store, address, response);
  const std::int64_t now = clock_.now_ms();
  if (!problem.empty()) {
    const int attempts = media::attempts_of(store, address) + 1;
    const std::int64_t delay = retry_delay_ms(attempts);
    media::record_failed_download(store, address, problem, now + delay);
    ++pass.failed;
    if (pass.next_retry_ms == 0 || now + delay < pass.next_retry_ms) pass.next_retry_ms = now + delay;
    spdlog::info("source {}: image {}: {}; the post keeps its address, retry in {}", pass.source.name,
                 url::redact(address), problem, human_delay(delay));
    return;
  }
  const std::string name =
      on_disk ? fmt::format("{}.{}", file->sha256_hex(), extension) : media::media_file_name(bytes, extension);
  const std::uint64_t size = on_disk ? file->size() : bytes.size();
  const bool new_file = !media::media_file_known(store, name);
  if (new_file && pass.used + size > pass.source.media_quota) {
    spdlog::warn("source {}: media quota {} reached ({} stored): not downloading {} nor {} more image(s) due",
                 pass.source.name, human_bytes(pass.source.media_quota), human_bytes(pass.used),
                 url::redact(address), pass.due.size());
    pass.due.clear();
    return;
  }
  if (on_disk) {
    file->keep_as(name);
  } else {
    media::store_media_file(media_dir_, name, bytes);
  }
  media::record_download(store, address, name, size, now);
  if (new_file) pass.used += size;
  ++pass.stored;
  pass.stored_bytes += bytes.size();
}

// On the writer thread: the posts of entries whose images arrived written
// again (they were marked pending with the download), then `done`.
void MediaStage::finish(const std::shared_ptr<Pass>& pass) {
  Outcome outcome;
  outcome.files_stored = pass->stored;
  outcome.files_failed = pass->failed;
  outcome.bytes_stored = pass->stored_bytes;
  if (pass->stored > 0) {
    try {
      std::vector<std::string> errors;
      const auto rows = pass->archive.store().entries_with_pending_posts();
      outcome.posts_written =
          pass->archive.write_posts(rows, errors, pass->want_paths ? &outcome.written_paths : nullptr);
      for (const auto& error : errors) spdlog::warn("source {}: post not rewritten, kept for retry: {}", pass->source.name, error);
    } catch (const std::exception& error) {
      spdlog::warn("source {}: posts not rewritten with local images, kept for retry: {}", pass->source.name,
                   error.what());
    }
  }
  if (pass->stored + pass->failed > 0) {
    spdlog::info("source {}: media: {} image(s) stored, {} failed, {} post(s) rewritten", pass->source.name,
                 pass->stored, pass->failed, outcome.posts_written);
  }
  pass->done(std::move(outcome));
}

}  // namespace feedd
