#!/bin/sh
# Recreates feedd-v1.db: a small store written by schema version 1, for the
# migration test. The schema is taken verbatim from the commit that released
# it, so the fixture never drifts with later code; the rows are hand-written
# to cover Chinese and English text, markup, a pending post and a source that
# is no longer configured.
#   usage: tests/data/store/make-feedd-v1.sh   (from anywhere inside the repo)
set -eu
cd "$(dirname "$0")"
release=4de13dd
out=feedd-v1.db
rm -f "$out"
{
  git show "$release:store/store.cpp" | awk '/R"sql\(/ { inside = 1; next } /\)sql"/ { inside = 0 } inside'
  cat <<'SQL'
PRAGMA user_version = 1;
INSERT INTO sources (id, name, url, polled_url, etag, last_modified, next_poll_ms, consecutive_failures, state,
                     last_success_ms, last_error, last_error_ms) VALUES
  (1, '美国之音', 'https://feedx.net/rss/mgzy1.xml', NULL, '"abc"', 'Sat, 17 Apr 2021 02:00:00 GMT', NULL, 0, 'ok',
   1618628200156, NULL, NULL),
  (2, '联合早报', 'https://rsshub.app/zaobao/realtime/china', NULL, NULL, NULL, NULL, 2, 'failing',
   1618620000000, 'HTTP 503', 1618628200156),
  (3, 'Retired "blog"', 'https://old.example.org/feed.xml', NULL, NULL, NULL, NULL, 0, 'ok', NULL, NULL, NULL);
INSERT INTO entries (id, identity, source_id, url, guid, title, author, timestamp_ms, has_own_timestamp,
                     first_seen_ms, date_ms, content, post_path, post_pending) VALUES
  (1, 'https://www.voachinese.com/a/5854181.html', 1, 'https://www.voachinese.com/a/5854181.html',
   'https://www.voachinese.com/a/5854181.html', '克里抵达上海，拜登寻求美中合作的首次努力面临考验', '',
   1618495142000, 1, 1618628200156, 1618495142000,
   '<p>北京周四（4月15日）宣布，中国国家主席习近平将出席法国和德国在本周五举行的气候视频峰会。</p>',
   '2021-04-15-克里抵达上海，拜登寻求美中合作的首次努力面临考验.md', 0),
  (2, 'https://www.zaobao.com/realtime/china/story20210417-1140067', 2,
   'https://www.zaobao.com/realtime/china/story20210417-1140067', '', '韩正：中国重视与美开展应对气候变化对话合作', '',
   1618674240000, 1, 1618628200156, 1618628200156,
   '<div><p>韩正昨天通过视频方式会见在华访问的美国总统气候问题特使克里。<br>中方欢迎美国重返《巴黎协定》。</p></div>',
   '2021-04-17-韩正：中国重视与美开展应对气候变化对话合作.md', 0),
  (3, 'guid:Retired "blog":post-7', 3, '', 'post-7', 'Climate talks & the <b>word</b> "cooperation"', 'Ann',
   1618400000000, 1, 1618400000000, 1618400000000,
   '<p>Kerry met <em>Xie Zhenhua</em> in Shanghai; AI was not on the agenda.</p><script>var x = "hidden";</script>',
   '2021-04-14-Climate talks & the <b>word<--b> "cooperation".md', 1);
INSERT INTO fetches (source_id, started_ms, duration_ms, http_status, bytes, new_entries, updated_entries,
                     unchanged_entries, error) VALUES
  (1, 1618628200000, 120, 200, 5423, 1, 0, 0, NULL),
  (2, 1618620000000, 80, 200, 3901, 1, 0, 0, NULL),
  (2, 1618628200000, 30, 503, 0, 0, 0, 0, 'HTTP 503'),
  (3, 1618400000000, 50, 200, 900, 1, 0, 0, NULL);
SQL
} | sqlite3 "$out"
