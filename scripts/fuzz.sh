#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang (the whole tree, in
# build-fuzz, so no object mixes compilers) under AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs each for FEEDD_FUZZ_SECONDS (default
# 20) from seed corpora: the seed feeds, the conformance feeds, the dates
# of the dates conformance list, and a few URLs and titles written here.
# Any crash, leak, sanitizer report, timeout or failed check fails the script;
# the input that found it is left in build-fuzz/findings/.
#
#   scripts/fuzz.sh                 # all nine, 20 s each
#   FEEDD_FUZZ_SECONDS=600 scripts/fuzz.sh fuzz_dates
set -eu
cd "$(dirname "$0")/.."
seconds="${FEEDD_FUZZ_SECONDS:-20}"
targets="${*:-fuzz_feed_parser fuzz_dates fuzz_url fuzz_post_file_name fuzz_post_format fuzz_sanitize fuzz_charset fuzz_html_tokens fuzz_html_text}"
build=build-fuzz

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DFEEDD_FUZZ=ON -DFEEDD_SANITIZE=ON -DFEEDD_BUILD_TESTS=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" -j2 --target $targets

# Seed corpora, rebuilt each run from what the repository holds.
seeds="$build/seeds"
rm -rf "$seeds"
mkdir -p "$seeds/fuzz_feed_parser" "$seeds/fuzz_dates" "$seeds/fuzz_url" "$seeds/fuzz_post_file_name" "$seeds/fuzz_post_format" \
  "$seeds/fuzz_sanitize" "$seeds/fuzz_charset" "$seeds/fuzz_html_tokens" "$seeds/fuzz_html_text" \
  "$build/findings"
find seeds/feeds tests/data -type f \( -name '*.xml' -o -name '*.json' -o -name '*.rss' -o -name '*.atom' \) \
  -size -256k -exec cp {} "$seeds/fuzz_feed_parser/" \; 2>/dev/null || true
# Undeclared legacy-charset feeds for the charset guess.
cp tests/data/charsets/*.xml "$seeds/fuzz_charset/"
python3 - "$seeds" <<'PY'
import glob, json, os, sys
seeds = sys.argv[1]
def put(target, name, data):
    with open(os.path.join(seeds, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
dates = ["Thu, 15 Apr 2021 13:05:00 GMT", "15 Apr 21 13:05 +0800", "2021-04-15T13:05:00.123+08:00",
         "2021-105", "20210415T130500Z", "Thu Apr 15 13:05:00 2021", "2021年4月15日 13:05", "Mon, 31 Feb 2021 25:00:00 CST",
         "Thu, 15 Apr 2021 13:05:00 GMT+8", "2004-05-25", "Sun, 06 Nov 1994 08:49:37 -0000"]
for path in glob.glob("tests/data/**/dates.json", recursive=True):
    try:
        data = json.load(open(path, encoding="utf-8"))
    except Exception:
        continue
    def walk(node):
        if isinstance(node, str):
            dates.append(node)
        elif isinstance(node, dict):
            for value in node.values(): walk(value)
        elif isinstance(node, list):
            for value in node: walk(value)
    walk(data)
for i, text in enumerate(dict.fromkeys(dates)):
    put("fuzz_dates", f"d{i}", text)
urls = ["https://example.com/a/b\n../c?d=1#e", "http://EXAMPLE.com:80/%7Euser/?utm_source=x&b=2&fbclid=1",
        "https://例子.测试/路径 空格?q=中文", "//cdn.example.net/x.png", "mailto:someone@example.com",
        "javascript:alert(1)", "file:///etc/passwd", "https://a.example/\n   /rel/../path/./x  ",
        "http://[::1]:8080/x\n?only=query", "https://u:p@h.example:8443/p;x?y#z\nhttps://other.example/",
        "https://a.example/\nfile::///etc/passwd"]
for i, text in enumerate(urls):
    put("fuzz_url", f"u{i}", text)
titles = [b"Hello, world", "美国之音：中美会谈/第二轮".encode(), b"../../etc/passwd", b".hidden",
          b"\x00suffix-only", "标题\x01控制\x7f字符".encode() + b"\x00abcdef12", b"\xff\xfe broken \xc3",
          ("长" * 200).encode(), b"a/b\\c:d*e?f\"g<h>i|j"]
html = [
    ':contains("获取更多RSS")\n<p>a</p><br><hr><div>获取更多RSS：<br><a href="https://feedx.net">x</a></div>',
    'div:contains(\'ad\')\n<div><p>keep</p><div><span>ad</span></div></div>',
    'a[href^="https://feedx."]\n<p style="position:absolute;color:red;background:url(x)">t</p>',
    '\nsafe<embed src=x.swf> <b>description</b><object data=x><p>rest',
    'wbr\n<ul><li>a<wbr>b<li>c</ul><video><source src=a><track src=b></video>',
    '\ncolor: re\\64; font-family: "a;b"; margin: -1px; width: calc(100% - 2em)',
    '\n<svg viewBox="0 0 9 9"><linearGradient id="g"/><use xlink:href="#g"/><a xlink:href="javascript:x">'
    '<circle fill="url(#g)" stroke="url(http://t.example/)"/></a><desc><p>x</p><svg><title>t</title></svg></desc>'
    '<foreignObject><b>f</b></foreignObject></svg><math><mi>x&#146;</mi><annotation-xml encoding="text/html">'
    '<img src=x onerror=1></annotation-xml><mtext><table><mglyph><style><img src=x></style></mglyph></table></mtext></math>',
]
for i, text in enumerate(html):
    put("fuzz_sanitize", f"h{i}", text)
# Fragments feedd's tokenizer reads itself, so the fuzzer starts inside it.
tokens = [
    '<p>中美作为世界上最大的发展中国家，<b>“据新华社报道”</b>&nbsp;&amp;&#x4E2D;</p><p>b<div id=x>c</div>',
    '<a href="/?a=1&utm_source=x&amp;b=2" title=\'t&lt;\'>x</a><img src=x alt WIDTH=1><br/><!-- c -->',
    '<table><tr><td>a<td>b<tr><th>c</th></tr></table><ul><li>a<li>b</li></ul><dl><dt>a<dd>b</dd></dl>',
    '<select><option selected>a<option>b</option></select><input checked disabled value=1><hr><p>x<h2>y</h2>',
]
for i, text in enumerate(tokens + html):
    put("fuzz_html_tokens", f"t{i}", text)
# Fields html_to_text reads: content, titles, and starts libxml2 reads
# differently from a "<body>" document (text, head elements, comments).
texts = ['Read <a href="/x">the <em>full</em> story</a> &amp; more<form>f</form>x', 'AT&amp;T &#20013;<br>b',
         '  <p>a</p>b<center>c</center><template><p>t</p></template>', '<title>t</title><b>x</b>', '<!-- c -->x<div>y</div>']
for i, text in enumerate(tokens + texts + titles[:3]):
    put("fuzz_html_text", f"x{i}", text)
for i, title in enumerate(titles):
    put("fuzz_post_file_name", f"t{i}", (1618444800000 + i * 86400000).to_bytes(8, "little") + title)
posts = ["标题](javascript:alert(3)) [x\0https://h.example/p(a)r)en?x=1\0<p>{% raw %}</p>",
         "<script>alert(1)</script>D\0https://h.example/{{site.title}}\0{{ site.title }}{\n{ x }}",
         "*em* _u_ `c` ~~s~~ $$m$$ ^f |p \\ &amp;\0https://h.example/a b\0<div>{{{%</div>"]
for i, post in enumerate(posts):
    put("fuzz_post_format", f"p{i}", post)
PY

status=0
for target in $targets; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  echo "== $target: ${seconds}s"
  max_len=4096
  [ "$target" = fuzz_feed_parser ] && max_len=262144
  if ! ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1" \
       UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
       "$build/tests/fuzz/$target" "$corpus" "$seeds/$target" -max_total_time="$seconds" -timeout=20 \
         -rss_limit_mb=2560 -max_len="$max_len" -print_final_stats=1 \
         -artifact_prefix="$build/findings/$target-" >"$build/$target.log" 2>&1; then
    echo "FINDING in $target (input saved in $build/findings/):"
    tail -60 "$build/$target.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/$target.log" | tr '\n' ' '
    echo
  fi
done
exit $status
