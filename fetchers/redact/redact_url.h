// A URL as it may be shown: its credentials hidden. Every room that names a
// source URL to a person (config errors, logs, listings, transfer errors)
// needs this, the config room included, so it lives below all of them and
// uses nothing else of feedd.
#pragma once

#include <string>
#include <string_view>

namespace feedd::url {

// `text` with the user name and password of a URL (http://user:pass@host/)
// replaced by "***", so the URL can be shown: every log line, error, metric
// label and listing that names a source URL goes through here. Anything
// that is not a URL with credentials comes back unchanged.
std::string redact(std::string_view text);

}  // namespace feedd::url
