// A source's fetch settings (config::SourceFetch) turned into the request
// for one URL, with its secrets read from their files at this moment.
#pragma once

#include <filesystem>
#include <string>

#include "config/config.h"
#include "fetchers/http/http_client.h"
#include "store/archive.h"

namespace feedd {

// The secret in `path`, with one trailing newline dropped. A path starting
// with $CREDENTIALS_DIRECTORY/ (systemd's LoadCredential=) is read from that
// folder. Throws std::runtime_error naming the file, never its content.
std::string read_secret_file(const std::filesystem::path& path);

// The request for `url` (one of the source's URLs); `validators` are sent
// only when they belong to that URL. Throws std::runtime_error when a
// secret file cannot be read.
HttpRequest source_request(const config::Source& source, const std::string& url, const SourceValidators& validators);

}  // namespace feedd
