#include "fetchers/http/url.h"

#include "fetchers/http/plain_url.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <memory>
#include <new>

namespace feedd::url {
namespace {

struct UrlHandleDeleter {
  void operator()(CURLU* handle) const noexcept { curl_url_cleanup(handle); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlHandleDeleter>;

struct CurlStringDeleter {
  void operator()(char* text) const noexcept { curl_free(text); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// Feeds carry links as people typed them, so spaces and non-ASCII bytes are
// percent-encoded on the way in rather than rejected (curl encodes spaces in
// a query as '+'). Any scheme curl can parse is accepted, not only the ones
// it can fetch, so an ftp:// enclosure still has an identity.
constexpr unsigned kParseFlags = CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE | CURLU_ALLOW_SPACE;

// The tracking parameters, besides any utm_*, that say how a reader arrived
// rather than what they asked for. Compared case-insensitively.
constexpr std::array<std::string_view, 12> kTrackingParameters = {
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "mc_cid",
    "mc_eid", "yclid", "_ga",   "igshid", "spm",     "scm",
};

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ascii_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return lower;
}

// curl reads C strings, so a NUL inside the view would silently cut the URL
// short and make it mean something else.
std::optional<std::string> c_string(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  return std::string(text);
}

UrlHandle new_handle() {
  UrlHandle handle(curl_url());
  if (!handle) throw std::bad_alloc();
  return handle;
}

// `text` parsed as an absolute URL; null when curl does not take it as one.
UrlHandle parse(std::string_view text) {
  const auto url = c_string(trim(text));
  if (!url || url->empty()) return {};
  UrlHandle handle = new_handle();
  if (curl_url_set(handle.get(), CURLUPART_URL, url->c_str(), kParseFlags) != CURLUE_OK) return {};
  return handle;
}

// nullopt when the URL has no such part; curl may also report success with
// no string for an empty query, which counts as absent too.
std::optional<std::string> get_part(CURLU* handle, CURLUPart part, unsigned flags = 0) {
  char* raw = nullptr;
  const CURLUcode rc = curl_url_get(handle, part, &raw, flags);
  const CurlString owned(raw);
  if (rc != CURLUE_OK || !owned) return std::nullopt;
  return std::string(owned.get());
}

bool set_part(CURLU* handle, CURLUPart part, const std::optional<std::string>& value) {
  return curl_url_set(handle, part, value ? value->c_str() : nullptr, 0) == CURLUE_OK;
}

// curl leaves a fragment as written; a space or a raw non-ASCII byte there
// would make the result not one URI token. Existing %XX escapes are kept.
std::string encode_fragment(std::string_view fragment) {
  static constexpr char kHex[] = "0123456789abcdef";  // curl's own escapes are lower-case
  std::string encoded;
  for (const char c : fragment) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte > ' ' && byte < 0x7f) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0xf];
    }
  }
  return encoded;
}

// Setting a part through curl rewrites its %XX escapes in lower case, so the
// fragment is taken off the handle and appended as written instead.
std::optional<std::string> with_fragment(CURLU* handle, const std::optional<std::string>& fragment,
                                         unsigned flags = 0) {
  if (!set_part(handle, CURLUPART_FRAGMENT, std::nullopt)) return std::nullopt;
  auto url = get_part(handle, CURLUPART_URL, flags);
  if (url && fragment) *url += '#' + encode_fragment(*fragment);
  return url;
}

bool is_tracking_parameter(std::string_view name) {
  const std::string lower = ascii_lower(name);
  if (lower.starts_with("utm_")) return true;
  return std::find(kTrackingParameters.begin(), kTrackingParameters.end(), lower) !=
         kTrackingParameters.end();
}

// The query without tracking parameters and empty "&&" pieces; the others
// stay in order, byte for byte.
std::string without_tracking(std::string_view query) {
  std::string kept;
  while (!query.empty()) {
    const std::size_t end = std::min(query.find('&'), query.size());
    const std::string_view piece = query.substr(0, end);
    query.remove_prefix(std::min(end + 1, query.size()));
    if (piece.empty() || is_tracking_parameter(piece.substr(0, piece.find('=')))) continue;
    if (!kept.empty()) kept += '&';
    kept += piece;
  }
  return kept;
}

// curl keeps the host's case as written. Only ASCII letters are folded: an
// internationalised name stays as the feed spelled it.
bool lower_host(CURLU* handle) {
  const auto host = get_part(handle, CURLUPART_HOST);
  if (!host) return true;  // file:// has none
  return set_part(handle, CURLUPART_HOST, ascii_lower(*host));
}

// curl builds a few URLs it will not read back ("file::///x" comes out as
// "file://:///x"); resolve and canonical promise a valid absolute URL or
// nothing.
std::optional<std::string> readable(std::optional<std::string> url) {
  if (url && !parse(*url)) return std::nullopt;
  return url;
}

// curl reads "x#" as having no fragment and would write it back as "x", so
// a link feedd resolved to "...#" would change when resolved again.
std::optional<std::string> fragment_of(CURLU* handle, std::string_view reference) {
  auto fragment = get_part(handle, CURLUPART_FRAGMENT);
  if (!fragment && reference.find('#') != std::string_view::npos) fragment.emplace();
  return fragment;
}

std::optional<std::string> resolve_with_curl(std::string_view base, std::string_view reference) {
  const std::string_view trimmed = trim(reference);
  const UrlHandle handle = parse(base);
  if (!handle) {
    // An absolute reference needs no base, so a missing or broken one is no loss.
    const UrlHandle absolute = parse(trimmed);
    if (!absolute) return std::nullopt;
    return with_fragment(absolute.get(), fragment_of(absolute.get(), trimmed));
  }
  // RFC 3986 section 5.2.2 makes "" the base document and "#f" the base
  // document with a new fragment; curl resolves both against the base's
  // directory instead, so those two are done here and the rest by curl.
  if (trimmed.empty()) return with_fragment(handle.get(), std::nullopt);
  if (trimmed.front() == '#') return with_fragment(handle.get(), std::string(trimmed.substr(1)));
  const auto url = c_string(trimmed);
  if (!url || curl_url_set(handle.get(), CURLUPART_URL, url->c_str(), kParseFlags) != CURLUE_OK) {
    return std::nullopt;
  }
  return with_fragment(handle.get(), fragment_of(handle.get(), trimmed));
}

}  // namespace

std::optional<std::string> resolve(std::string_view base, std::string_view reference) {
  // Most links in feed HTML are absolute already: curl would parse the base,
  // the reference and its own result to give them back unchanged.
  if (auto plain = detail::plain_absolute(trim(reference))) return plain;
  return resolve_by_curl(base, reference);
}

std::optional<std::string> resolve_by_curl(std::string_view base, std::string_view reference) {
  return readable(resolve_with_curl(base, reference));
}

bool is_absolute(std::string_view text) { return parse(text) != nullptr; }

std::optional<std::string> canonical(std::string_view absolute_url) {
  const UrlHandle handle = parse(absolute_url);
  if (!handle || !lower_host(handle.get())) return std::nullopt;
  // The query is put back by hand for the same reason as the fragment in
  // with_fragment(): its escapes must stay as the feed wrote them.
  const std::string query = get_part(handle.get(), CURLUPART_QUERY).value_or("");
  if (!set_part(handle.get(), CURLUPART_QUERY, std::nullopt)) return std::nullopt;
  // curl knows each scheme's default port (80, 443, 21, ...) and drops it.
  auto url = with_fragment(handle.get(), std::nullopt, CURLU_NO_DEFAULT_PORT);
  const std::string kept = without_tracking(query);
  if (url && !kept.empty()) *url += '?' + kept;
  return readable(std::move(url));
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The byte of "%XX" at `at`, or -1.
int escaped_byte(std::string_view text, std::size_t at) {
  if (at + 2 >= text.size() || text[at] != '%') return -1;
  const int high = hex_value(text[at + 1]);
  const int low = hex_value(text[at + 2]);
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

// The length of the UTF-8 sequence a lead byte starts (2 to 4), 0 for a
// byte that starts none. Overlong and surrogate forms are refused below.
std::size_t sequence_length(int lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

bool is_well_formed(const std::string& bytes) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  for (std::size_t i = 1; i < bytes.size(); ++i) {
    if ((byte(i) & 0xC0) != 0x80) return false;
  }
  if (byte(0) == 0xE0 && byte(1) < 0xA0) return false;  // overlong
  if (byte(0) == 0xED && byte(1) >= 0xA0) return false;  // surrogate
  if (byte(0) == 0xF0 && byte(1) < 0x90) return false;  // overlong
  if (byte(0) == 0xF4 && byte(1) >= 0x90) return false;  // past U+10FFFF
  return true;
}

}  // namespace

std::string iri_of(std::string_view uri) {
  std::string out;
  out.reserve(uri.size());
  std::size_t i = 0;
  while (i < uri.size()) {
    const std::size_t length = sequence_length(escaped_byte(uri, i));
    std::string bytes;
    for (std::size_t k = 0; length != 0 && k < length; ++k) {
      const int value = escaped_byte(uri, i + 3 * k);
      if (value < 0) break;
      bytes += static_cast<char>(value);
    }
    if (length != 0 && bytes.size() == length && is_well_formed(bytes)) {
      out += bytes;
      i += 3 * length;
    } else {
      out += uri[i++];
    }
  }
  return out;
}

std::string host_of(std::string_view absolute_url) {
  const UrlHandle handle = parse(absolute_url);
  if (!handle) return {};
  return ascii_lower(get_part(handle.get(), CURLUPART_HOST).value_or(""));
}

}  // namespace feedd::url
