#include "config/reference.h"

#include <array>
#include <stdexcept>
#include <string>

namespace feedd::config {
namespace {

constexpr std::array sections{
    SectionSpec{"storage", false,
                "Where feedd keeps its data. Relative paths resolve against the folder the config file is in, "
                "not the working folder. Changes take effect on restart; a reload keeps the running store."},
    SectionSpec{"fetch", false, "How feeds are downloaded."},
    SectionSpec{"schedule", false, "How often feedd run polls each source."},
    SectionSpec{"daemon", false, "How feedd run stops."},
    SectionSpec{"http", false,
                "An optional HTTP endpoint of feedd run serving /metrics (Prometheus text format) and /healthz. "
                "Off unless listen is set."},
    SectionSpec{"publish", false,
                "An optional command run after batches that wrote posts, e.g. to commit and push a Jekyll site "
                "(contrib/publish-git.sh). It gets the written paths on stdin, one per line, and in FEEDD_POSTS; "
                "{count} in any argument becomes their number. A failure is logged and the posts are offered "
                "again with the next batch, and, kept in the store until the command succeeds, by the next once or "
                "run; publishing never holds up polling. The command runs in a process group of its own."},
    SectionSpec{"archive", false,
                "What feedd keeps of each entry beyond its feed's content, and over time: the article from its "
                "page (full_text); every change of its title or content, kept as a version (feedd history lists "
                "them; update picks the one a post shows); local copies of its images (media); rechecks of its page "
                "to notice removals (watch); copies at the Internet Archive (archive_org). Each key is the default "
                "of every source, which may set it again."},
    SectionSpec{"sources", true,
                "One [[sources]] table per feed; there may be none. Sources are polled concurrently; a failing "
                "source never stops the others."},
};

using enum ValueKind;

constexpr std::array keys{
    // [archive]
    KeySpec{"archive", "full_text", full_text, false, "\"off\"", "\"auto\"",
            "Every source's full_text unless it sets its own (see sources.full_text)."},
    // [storage]
    KeySpec{"storage", "database", path, false, "\"data/feedd.db\"", "\"/var/lib/feedd/feedd.db\"",
            "The SQLite store of every entry and fetch. A lock file, the same name with .lock added, keeps a "
            "second feedd off the same store."},
    KeySpec{"storage", "posts_dir", path, false, "\"data/_posts\"", "\"/var/lib/feedd/_posts\"",
            "The folder Jekyll posts are written to, as YYYY-MM-DD-TITLE.md."},
    KeySpec{"storage", "fetch_history", duration, false, "\"90d\"", "\"30d\"",
            "How long the record of each poll (status, size, entries found, error) is kept. Older records are "
            "deleted about once an hour, so the store does not grow by a row per poll for ever; 'feedd stats' "
            "counts the fetches kept."},
    KeySpec{"storage", "media_dir", path, false, "\"data/media\"", "\"/srv/site/media\"",
            "The folder local media's files are kept in (sources with media = \"local\"), each named by the "
            "SHA-256 of its bytes and its type (0a1b...e9.png), so the same image is stored once. Serve it at "
            "media_url: inside the Jekyll site, or mapped by the web server."},
    KeySpec{"storage", "media_url", string, false, "\"/media/\"", "\"https://static.example.org/media/\"",
            "What posts put before a media file's name in place of the image's address: site-relative by "
            "default. Ends with '/'; no quotes, <, >, & or spaces."},
    // [fetch]
    KeySpec{"fetch", "concurrency", integer, false, "64", "32",
            "Transfers in flight at once, 1 to 1024. The per-host limit is what spares each server; this "
            "one bounds feedd's own sockets and memory."},
    KeySpec{"fetch", "per_host", integer, false, "2", "4",
            "Transfers in flight to one host, 1 to fetch.concurrency."},
    KeySpec{"fetch", "timeout", duration, false, "\"60s\"", "\"30s\"",
            "Limit for one whole transfer. Connecting is limited to 10 seconds on its own."},
    KeySpec{"fetch", "max_body", size, false, "\"16MiB\"", "\"8MiB\"",
            "The largest feed accepted, counted after decompression, so a compression bomb stops at the limit."},
    KeySpec{"fetch", "user_agent", string, false, "feedd/VERSION (+URL)", "\"example-bot/1.0 (+https://example.org/)\"",
            "The User-Agent header. Absent or empty: feedd's own, naming its version and project URL."},
    KeySpec{"fetch", "low_speed_limit", size, false, "64", "\"1KiB\"",
            "Bytes per second. A transfer slower than this for fetch.low_speed_time is dropped, so a server "
            "trickling bytes cannot hold a slot until the timeout."},
    KeySpec{"fetch", "low_speed_time", duration, false, "\"30s\"", "\"1m\"",
            "How long a transfer may stay below fetch.low_speed_limit."},
    KeySpec{"fetch", "proxy", string, false, "unset (direct)", "\"socks5h://user:pass@127.0.0.1:1080\"",
            "The proxy to reach sources through: http://, https://, socks5:// or socks5h:// (names resolved by "
            "the proxy, for hosts that only resolve where the proxy is), with user:password@ when it needs a "
            "login. The proxy's credentials are hidden wherever the proxy is shown."},
    KeySpec{"fetch", "headers", string_table, false, "unset (none)", "{ Referer = \"https://example.org/\" }",
            "Extra request headers, as an inline table of strings. Authorization is refused: use username and "
            "password_file or token_file, whose secret stays in its file. A header whose name holds auth, token, "
            "key, secret, session or password (X-Api-Key) is sent only to the source's own hosts, never to an "
            "article page, image, enclosure or redirect target on another host (each hop of a redirect is judged)."},
    KeySpec{"fetch", "cookie", string, false, "unset", "\"session=abc123\"",
            "Sent as the Cookie header, to the source's own hosts only (like credential headers)."},
    KeySpec{"fetch", "username", string, false, "unset", "\"reader\"",
            "HTTP basic authentication user; needs password_file."},
    KeySpec{"fetch", "password_file", path, false, "unset", "\"secrets/feed-password\"",
            "A file holding the basic-authentication password (one trailing newline is ignored). Relative to the "
            "config file's folder; \"$CREDENTIALS_DIRECTORY/NAME\" reads systemd's LoadCredential=NAME. Read at "
            "each poll; the secret never reaches a log line, metric, listing, export or the store."},
    KeySpec{"fetch", "token_file", path, false, "unset", "\"secrets/feed-token\"",
            "A file holding a bearer token, sent as Authorization: Bearer TOKEN (instead of basic authentication "
            "when both are set); found like password_file and as secret."},
    KeySpec{"fetch", "tls_ca_file", path, false, "unset (system CAs)", "\"certs/lan-ca.pem\"",
            "A PEM bundle of certificate authorities to trust instead of the system's, for a self-hosted source "
            "with its own CA. Certificates are always checked."},
    KeySpec{"fetch", "primary_retry", duration, false, "\"1h\"", "\"30m\"",
            "With urls, how long feedd sticks to a mirror after a fail-over before trying the first URL again."},
    KeySpec{"fetch", "allow_private", boolean, false, "false", "true",
            "The default of every source's allow_private. Leave it off unless every feed is trusted."},
    // [schedule]
    KeySpec{"schedule", "interval", duration, false, "\"15m\"", "\"30m\"",
            "How often each source is polled, with 10% jitter either way. A feed's own ttl (or sy:updatePeriod) "
            "raises it unless the source sets its own interval."},
    KeySpec{"schedule", "max_backoff", duration, false, "\"6h\"", "\"12h\"",
            "The longest wait after repeated failures. Failures back off exponentially from the interval; "
            "a success resets the backoff. Retry-After on 429 and 503 is honoured (at most a day)."},
    KeySpec{"schedule", "min_interval", duration, false, "\"1m\"", "\"10s\"",
            "The shortest interval, source interval and max_backoff accepted, and the shortest wait a "
            "Retry-After can ask for. A shorter value in the file is refused as a likely typo (\"1ms\" for "
            "\"1m\"); lower this only to poll your own servers more often."},
    // [daemon]
    KeySpec{"daemon", "shutdown_grace", duration, false, "\"10s\"", "\"30s\"",
            "On SIGTERM or SIGINT, how long running polls get to finish before the store is committed and feedd "
            "exits. Keep it well under the unit's TimeoutStopSec."},
    // [http]
    KeySpec{"http", "listen", string, false, "unset (off)", "\"127.0.0.1:9464\"",
            "Address and port to serve /metrics and /healthz on: \"127.0.0.1:9464\", \"[::1]:9464\", or a bare "
            "port for loopback. /healthz answers 200 while the loop runs and the store is writable, else 503."},
    KeySpec{"http", "source_series", integer, false, "1000", "0",
            "/metrics writes per-source series (feedd_source_last_success_timestamp_seconds{source=...}) while at "
            "most this many sources are configured; with more, only the totals and "
            "feedd_source_last_success_oldest_timestamp_seconds, since a series per source is a cardinality "
            "Prometheus does not want at thousands of sources (100,000 make 8 MB a scrape). 0: never."},
    // [publish]
    KeySpec{"publish", "command", strings, false, "unset (off)",
            "[\"/usr/local/bin/publish-git\", \"--message\", \"{count} new posts\"]",
            "The command as an argv list (never a shell string); the first element is an absolute path."},
    KeySpec{"publish", "min_interval", duration, false, "\"1m\"", "\"5m\"",
            "At most one run per this interval; posts written meanwhile wait for the next run."},
    KeySpec{"publish", "timeout", duration, false, "\"2m\"", "\"10m\"",
            "A run taking longer is stopped with every process it started (SIGTERM to its process group, then "
            "SIGKILL) and counts as failed."},
    // [archive]
    KeySpec{"archive", "media", choice, false, "\"off\"", "\"local\"",
            "\"local\" downloads the images a post refers to (img src and srcset, lazy-load attributes such as "
            "data-src, picture source srcset, video poster) through the source's own fetch settings into "
            "storage.media_dir, and points the post at them (storage.media_url), keeping each original address "
            "in a data-feedd-original-ATTR attribute; the entry's audio, video and image enclosures too (MP3, AAC, "
            "MP4, Ogg, WebM, WAV, FLAC). Types are read from the bytes (JPEG, PNG, GIF, WebP, AVIF, "
            "and SVG once scripts, event handlers and external references are cut); anything else is refused. A "
            "failed download is retried with backoff on the source's later polls while the post keeps the "
            "original address; the post is rewritten when the file arrives. \"off\" leaves posts as they are."},
    KeySpec{"archive", "media_max_file", size, false, "\"10MiB\"", "\"4MiB\"",
            "The largest image downloaded; a larger one is refused (and retried later, like any failure). "
            "Enclosures have their own limit, enclosure_max_file."},
    KeySpec{"archive", "enclosure_max_file", size, false, "\"512MiB\"", "\"2GiB\"",
            "The largest enclosure (audio, video, or an image listed as an enclosure) archived with media = "
            "\"local\"; a larger one is refused and retried later, and the post keeps its address. Written to "
            "disk as it arrives, never held in memory, with up to an hour per download; media_quota still bounds "
            "what one source holds."},
    KeySpec{"archive", "media_quota", size, false, "\"1GiB\"", "\"200MiB\"",
            "The bytes of media files one source's posts may hold. Reaching it stops that source's downloads "
            "with one log line naming the source, the image and the quota."},
    KeySpec{"archive", "update", choice, false, "\"latest\"", "\"never_shrink\"",
            "Which version of an edited entry its post shows: \"latest\" each new one (posts change as feeds edit "
            "them), \"first\" the one first stored, \"never_shrink\" each new one unless its text lost more than "
            "shrink_limit of the shown one's (a removal notice in place of the article). Every version is kept "
            "whichever is chosen."},
    KeySpec{"archive", "shrink_limit", fraction, false, "0.5", "0.8",
            "With update = \"never_shrink\": the share of its text, from 0 to 1, a new version may have lost and "
            "still be shown. Sizes are counted in characters of text, markup stripped."},
    KeySpec{"archive", "watch", duration, false, "unset (off)", "\"7d\"",
            "For this long after an entry first appears, feedd fetches its page again on a thinning schedule "
            "(about 1h, 6h, 1d, 3d and 7d after it was first seen, each with up to 10% jitter, and once more at the "
            "end of the window) through the same HTTP client, limits and proxy as the feeds. A 404 or 410, a "
            "redirect to the site's front page or to another page, or a page whose article text shrank under a "
            "fifth of what it was (or is a short removal notice) marks the entry removed; 5xx answers and timeouts "
            "are retried an hour later. Removed entries are listed by 'feedd removed'; their posts are kept. "
            "\"off\" (per source) turns it off."},
    KeySpec{"archive", "removed_notice", boolean, false, "false", "true",
            "true adds, to the post of an entry whose page was found removed, a front-matter key removed: (when "
            "it was noticed) and a line saying so above the content; the post is rewritten when the removal is "
            "found, and rebuild writes it the same way. Off by default, so posts stay as they were."},
    KeySpec{"archive", "archive_org", boolean, false, "false", "true",
            "true sends each new entry's URL to the Internet Archive's Save Page Now (archive_org_endpoint), one "
            "request per archive_org_interval at most, retried with backoff on 429 and 5xx (Retry-After honoured); "
            "the queue is kept in the store and the snapshot's URL recorded. A failure never holds up polling."},
    KeySpec{"archive", "archive_org_endpoint", string, false, "\"https://web.archive.org/save/\"",
            "\"http://127.0.0.1:8080/save/\"",
            "The Save Page Now endpoint; the entry's URL is appended to it and fetched with GET."},
    KeySpec{"archive", "archive_org_interval", duration, false, "\"5s\"", "\"10s\"",
            "The shortest time between two Save Page Now requests, all sources together."},
    // [[sources]]
    KeySpec{"sources", "name", string, true, "", "\"Example News\"",
            "Unique across the file, compared exactly. It becomes the post's author."},
    KeySpec{"sources", "url", string, true, "", "\"https://example.org/feed.xml\"",
            "The feed: an http://, https:// or absolute file:/// URL. A chain of permanent redirects makes feedd "
            "poll the new URL and log a warning naming this line."},
    KeySpec{"sources", "tags", strings, false, "[name]", "[\"news\", \"world\"]", "The post's Jekyll tags."},
    KeySpec{"sources", "categories", strings, false, "[name]", "[\"news\"]", "The post's Jekyll categories."},
    KeySpec{"sources", "content", choice, false, "\"sanitize\"", "\"raw\"",
            "\"sanitize\" parses the entry's HTML and removes active content (scripts, event handlers, trackers) "
            "and the elements named by remove; \"raw\" carries it exactly as the feed has it."},
    KeySpec{"sources", "enabled", boolean, false, "true", "false",
            "false keeps the source in the file without polling it."},
    KeySpec{"sources", "timezone", time_zone, false, "\"UTC\"", "\"Asia/Shanghai\"",
            "The IANA time zone for feed dates that carry none (and for the ambiguous \"CST\")."},
    KeySpec{"sources", "interval", duration, false, "the [schedule] interval", "\"5m\"",
            "This source's own poll interval; it also overrides the feed's ttl."},
    KeySpec{"sources", "remove", strings, false, "[]", "[\"section#imu\", \".subscribe\"]",
            "Rules for elements cut from the content, with content = \"sanitize\" only. One element per rule: a "
            "tag, #id, .class, [attr], [attr=v], [attr^=v], [attr*=v], [attr$=v] or :contains(\"text\"), "
            "combined without spaces; no combinators. :contains cuts the smallest matching element around the "
            "text."},
    KeySpec{"sources", "proxy", string, false, "fetch.proxy", "\"socks5h://user:pass@127.0.0.1:1080\"",
            "This source's own; see fetch.proxy."},
    KeySpec{"sources", "headers", string_table, false, "fetch.headers", "{ Referer = \"https://example.org/\" }",
            "This source's own; see fetch.headers."},
    KeySpec{"sources", "cookie", string, false, "fetch.cookie", "\"session=abc123\"",
            "This source's own; see fetch.cookie."},
    KeySpec{"sources", "username", string, false, "fetch.username", "\"reader\"",
            "This source's own; see fetch.username."},
    KeySpec{"sources", "password_file", path, false, "fetch.password_file", "\"secrets/feed-password\"",
            "This source's own; see fetch.password_file."},
    KeySpec{"sources", "token_file", path, false, "fetch.token_file", "\"secrets/feed-token\"",
            "This source's own; see fetch.token_file."},
    KeySpec{"sources", "tls_ca_file", path, false, "fetch.tls_ca_file", "\"certs/lan-ca.pem\"",
            "This source's own; see fetch.tls_ca_file."},
    KeySpec{"sources", "primary_retry", duration, false, "fetch.primary_retry", "\"30m\"",
            "This source's own; see fetch.primary_retry."},
    KeySpec{"sources", "user_agent", string, false, "fetch.user_agent", "\"Mozilla/5.0 (X11; Linux x86_64)\"",
            "This source's User-Agent header, for sites that turn away anything but a browser."},
    KeySpec{"sources", "timeout", duration, false, "fetch.timeout", "\"2m\"",
            "This source's limit for one whole transfer."},
    KeySpec{"sources", "urls", strings, false, "[url]",
            "[\"https://example.org/feed.xml\", \"https://mirror.example.net/feed.xml\"]",
            "The feed's URL first, then mirrors serving the same feed. When the URL in use fails (no answer, a 5xx, a "
            "403, or an answer that is not a feed), the next is tried in the same poll; feedd stays with the one that "
            "works ('feedd sources' shows it) and tries the first again after primary_retry. Entries are the same "
            "posts whichever mirror served them (identity is the entry's link or guid). With url too, url must be "
            "the first. Permanent redirects are followed but not saved while there are mirrors."},
    KeySpec{"sources", "allow_private", boolean, false, "fetch.allow_private", "true",
            "The host in url is trusted whatever it resolves to (a self-hosted RSSHub on the LAN works). A "
            "redirect to any other host is refused when the address connected to is loopback, link-local, "
            "private (RFC 1918), CGNAT or unique-local, so a feed cannot steer feedd at the local network; "
            "the address is checked as connected, so DNS rebinding does not get around it. true allows it."},
    KeySpec{"sources", "enclosures", boolean, false, "false", "true",
            "true writes the entry's enclosures after its content: <audio> for audio, <video> for video, a link "
            "for other files (images are left out). Off by default, so posts stay as they were."},
    KeySpec{"sources", "media", choice, false, "archive.media", "\"local\"",
            "This source's own; see archive.media."},
    KeySpec{"sources", "media_max_file", size, false, "archive.media_max_file", "\"4MiB\"",
            "This source's own; see archive.media_max_file."},
    KeySpec{"sources", "enclosure_max_file", size, false, "archive.enclosure_max_file", "\"2GiB\"",
            "This source's own; see archive.enclosure_max_file."},
    KeySpec{"sources", "media_quota", size, false, "archive.media_quota", "\"200MiB\"",
            "This source's own; see archive.media_quota."},
    KeySpec{"sources", "update", choice, false, "archive.update", "\"first\"",
            "This source's own; see archive.update."},
    KeySpec{"sources", "shrink_limit", fraction, false, "archive.shrink_limit", "0.25",
            "This source's own; see archive.shrink_limit."},
    KeySpec{"sources", "watch", duration, false, "archive.watch", "\"3d\"",
            "This source's own; see archive.watch (\"off\": no rechecks for this source)."},
    KeySpec{"sources", "archive_org", boolean, false, "archive.archive_org", "true",
            "This source's own; see archive.archive_org."},
    KeySpec{"sources", "removed_notice", boolean, false, "archive.removed_notice", "true",
            "This source's own; see archive.removed_notice."},
    KeySpec{"sources", "full_text", full_text, false, "archive.full_text",
            "{ selector = \"article .content\", remove = [\".ad\", \".related\"] }",
            "The article fetched from each new entry's page, for feeds that carry a teaser. \"auto\" finds the "
            "main content (text, punctuation and link density; navigation, share bars, comments and related "
            "lists cut; figures kept); { selector = \"CSS\", remove = [\"CSS\", ...] } takes the elements the "
            "selector matches minus those remove matches; \"off\" keeps the feed's content. The page is fetched "
            "with the source's settings (proxy, headers; its login and cookie only on the feed's own host), "
            "sanitised with the source's content and remove rules. When the page fails or gives less text than "
            "the feed, the feed's content stays and the page is tried again later (1h, doubling, up to 8 tries). "
            "Try a selector with 'feedd extract --selector'."},
    KeySpec{"sources", "kind", choice, false, "\"feed\"", "\"html\"",
            "\"feed\": url is a feed. \"html\": url is a web page listing articles, read with the html "
            "selectors; each item becomes an entry like a feed item, completed by full_text."},
    KeySpec{"sources", "html", table, false, "unset",
            "{ item = \"ul.news li\", link = \"a\", title = \"h3\", date = \"time\", date_format = \"%Y-%m-%d %H:%M\", "
            "summary = \"p.lead\" }",
            "With kind = \"html\": CSS selectors for the listing page. item (required) matches each entry; "
            "inside it, link (required) the element whose href is the entry's page, title its title (default: "
            "the link's text), date its date (a datetime attribute, else its text; date_format, strptime-style, "
            "when no usual date format reads it; a date without a zone is in the source's timezone) and summary "
            "its summary. Items without a link are skipped."},
};

constexpr bool every_key_in_a_section() {
  for (const auto& key : keys) {
    bool found = false;
    for (const auto& section : sections) found = found || section.name == key.section;
    if (!found) return false;
  }
  return true;
}
static_assert(every_key_in_a_section(), "a KeySpec names a section missing from `sections`");

}  // namespace

std::string_view kind_name(ValueKind kind) {
  switch (kind) {
    case string: return "string";
    case path: return "path";
    case integer: return "integer";
    case boolean: return "boolean";
    case duration: return "duration";
    case size: return "size";
    case strings: return "array of strings";
    case string_table: return "table of strings";
    case choice: return "string";
    case time_zone: return "time zone";
    case fraction: return "number";
    case full_text: return "\"auto\", \"off\" or table";
    case table: return "table";
  }
  return "value";
}

std::span<const SectionSpec> config_sections() { return sections; }

std::span<const KeySpec> config_keys() { return keys; }

std::vector<std::string_view> keys_of(std::string_view section) {
  std::vector<std::string_view> names;
  for (const auto& key : keys) {
    if (key.section == section) names.push_back(key.key);
  }
  if (names.empty()) throw std::logic_error("config reference: no keys for section \"" + std::string(section) + "\"");
  return names;
}

std::vector<std::string_view> section_names() {
  std::vector<std::string_view> names;
  for (const auto& section : sections) names.push_back(section.name);
  return names;
}

}  // namespace feedd::config
