#!/bin/sh
# The folders are the architecture (ARCHITECTURE.md). Each room (a source
# folder and its CMake library) includes only the rooms this table lets it,
# which all sit lower in the table, so includes between folders run one way
# and the folder graph has no cycle. A header listed as inside its room is
# included by no other room. No room holds more than 12 concepts (a .h/.cpp
# pair or a lone file). A new folder fails here until it has a row.
#
#   sh layout_test.sh SOURCE_DIR
set -eu
cd "$1"

# room: the rooms it may include (each listed further up)
rooms='
fetchers/redact:
config: fetchers/redact
fetchers/text:
fetchers/http: fetchers/redact
fetchers/html/tokenizer: fetchers/text
fetchers/html: fetchers/html/tokenizer fetchers/http fetchers/text
fetchers/feed: fetchers/html fetchers/http fetchers/text
fetchers/media: fetchers/html fetchers/http fetchers/text
fetchers/article: fetchers/feed fetchers/html fetchers/http fetchers/text
fetchers/listing: fetchers/article fetchers/feed fetchers/html fetchers/http fetchers/text
store/versions: fetchers/html
store/postings:
store: fetchers/html store/versions store/postings
store/lists: store
store/media: fetchers/media store
store/adopt: fetchers/feed fetchers/http fetchers/text store
store/full_text: store
store/enclosures: store
store/checkpoint: store
daemon/runtime/pipeline/full_text: config fetchers/article fetchers/html fetchers/http fetchers/redact store store/full_text
daemon/runtime/pipeline: daemon/runtime/pipeline/full_text config fetchers/feed fetchers/html fetchers/http fetchers/listing fetchers/media fetchers/redact store store/media store/enclosures store/checkpoint
daemon/runtime/publish: store store/lists
daemon/runtime/watch: config daemon/runtime/pipeline fetchers/article fetchers/html fetchers/http fetchers/redact store
daemon/runtime: daemon/runtime/pipeline config fetchers/article fetchers/feed fetchers/html fetchers/http fetchers/redact store store/media store/versions
daemon/cli/output: fetchers/text store
daemon/cli/commands/documents: daemon/cli/output daemon/runtime daemon/runtime/pipeline fetchers/article fetchers/feed fetchers/html fetchers/http
daemon/cli/commands: daemon/cli/output daemon/runtime daemon/runtime/pipeline daemon/runtime/publish daemon/runtime/watch config fetchers/feed fetchers/html fetchers/http fetchers/redact store store/lists store/adopt store/media store/full_text store/enclosures
daemon/cli/commands/history: daemon/cli/commands daemon/runtime daemon/runtime/watch config fetchers/feed fetchers/html fetchers/redact store store/versions store/enclosures
daemon/cli/commands/run: daemon/cli/commands daemon/cli/output daemon/runtime daemon/runtime/pipeline daemon/runtime/publish daemon/runtime/watch config fetchers/feed fetchers/redact store store/lists
daemon/cli: daemon/cli/commands/run daemon/cli/commands/history daemon/cli/commands daemon/cli/commands/documents daemon/runtime config fetchers/feed
daemon: daemon/cli
'
# Headers that are a room's own workings: no other room includes them (the
# room's other headers are its face).
inside='
fetchers/feed/xml_parts.h fetchers/feed/xml_feed.h fetchers/feed/json_feed.h fetchers/feed/xml_recover.h fetchers/feed/xml_text.h
fetchers/http/file_read.h fetchers/http/private_address.h
fetchers/html/tokenizer/libxml2_elements.h
fetchers/html/html_events.h fetchers/html/sanitize_stream.h fetchers/html/sanitize_writer.h fetchers/html/text_placeholders.h
store/search_tokenizer.h
daemon/runtime/schedule_policy.h
daemon/cli/commands/archive_command_support.h daemon/cli/commands/search_catch_up.h
'
status=0
fail() {
  echo "$*" >&2
  status=1
}
row() { printf '%s\n' "$rooms" | sed -n "s|^$1:||p"; }

# The table itself runs one way: a room names only rooms of earlier rows.
seen=''
for room in $(printf '%s\n' "$rooms" | sed -n 's|^\([^:]*\):.*|\1|p'); do
  for used in $(row "$room"); do
    case " $seen " in *" $used "*) ;; *) fail "table: $room may include $used, which is not an earlier row" ;; esac
  done
  seen="$seen $room"
done

sources=$(find config fetchers store daemon -type f \( -name '*.h' -o -name '*.cpp' \) | LC_ALL=C sort)
for file in $sources; do
  room=$(dirname "$file")
  [ -n "$(printf '%s\n' "$rooms" | sed -n "\|^$room:|p")" ] || { fail "$file: folder $room is no room of the table in $0"; continue; }
  allowed=" $(row "$room") "
  for header in $(sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*/[^"]*\)".*|\1|p' "$file"); do
    used=$(dirname "$header")
    [ "$used" = "$room" ] && continue
    case " $(echo $inside) " in *" $header "*) fail "$file: includes $header, which is inside $used" ;; esac
    case "$allowed" in
      *" $used "*) ;;
      *) fail "$file: includes $header, but $room may not include $used" ;;
    esac
  done
done

for room in $(printf '%s\n' "$rooms" | sed -n 's|^\([^:]*\):.*|\1|p'); do
  concepts=$(find "$room" -maxdepth 1 -type f ! -name CMakeLists.txt | sed 's|.*/||; s|\.[^.]*$||' | LC_ALL=C sort -u | wc -l)
  [ "$concepts" -le 12 ] || fail "$room holds $concepts concepts; split it into rooms of at most 12"
done

[ "$status" -eq 0 ] && echo "layout: every include runs one way between $(printf '%s\n' "$rooms" | grep -c :) rooms"
exit "$status"
