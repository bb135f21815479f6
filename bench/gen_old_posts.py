#!/usr/bin/python3
"""Writes a _posts folder as the script feedd replaces left it, for
`feedd import-posts` (tests/daemon/cli/import_posts_test.cpp and
bench/import_bench.sh).

    gen_old_posts.py DIR COUNT [--manifest FILE] [--feeds DIR --feed-count K --feed-items M]

COUNT post files, most of them well-formed, with the script's known faults
mixed in: `\\'` and bare quotes inside double-quoted titles, unquoted colons,
titles broken over two lines, CRLF files, posts without `from:` (the link
line still has the URL), posts without the <!--T--> comment (date: only),
odd date formats, and the unrecoverable kinds: no URL anywhere, no time
anywhere, no front matter. Some posts repeat an earlier post's URL under
another name (a tracking parameter added). A few files that are not posts
sit beside them. The manifest (JSON) says what an import must find:
importable, unreadable and duplicate names, and each importable post's URL.

With --feeds, writes K RSS feeds of M items each that carry imported
articles again (some with a newer pubDate, some with tracking parameters on
the link), plus `fresh.xml` with one article no post has: polling them after
an import must write exactly one post.
"""
import argparse
import json
import os
import random
from datetime import datetime, timedelta, timezone

BASE = datetime(2021, 1, 1, tzinfo=timezone.utc)
SOURCES = [("联合早报", "https://www.zaobao.com/realtime/china/story{:08d}"),
           ("美国之音", "https://www.voachinese.com/a/{}.html"),
           ("BBC News", "https://www.bbc.com/news/world-{}")]
WORDS = ["气候", "合作", "对话", "Biden", "China", "talks", "北京", "上海", "克里", "选举", "经济", "market",
         "报道", "政府", "resume", "policy"]


def iso_ms(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def epoch_ms(moment):
    return int(moment.timestamp() * 1000)


def file_name(moment, title):
    slug = title.replace("/", "--")[:50]
    return "%s-%s.md" % (moment.strftime("%Y-%m-%d"), slug)


def render(title_line, date_line, author, url_line, tags, comment, link_title, link_url, body, crlf=False):
    lines = ["---", "layout: post", title_line]
    if date_line is not None:
        lines.append(date_line)
    lines.append("author: " + author)
    if url_line is not None:
        lines.append(url_line)
    lines += ["tags: [ %s ]" % tags, "categories: [ %s ]" % tags, "---"]
    if comment is not None:
        lines.append("<!--%d-->" % comment)
    lines += ["[%s](%s)" % (link_title, link_url), "------", "", "<div>", body, "</div>"]
    text = "\n".join(lines) + "\n"
    return text.replace("\n", "\r\n") if crlf else text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("count", type=int)
    parser.add_argument("--manifest")
    parser.add_argument("--feeds")
    parser.add_argument("--feed-count", type=int, default=10)
    parser.add_argument("--feed-items", type=int, default=100)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.dir, exist_ok=True)

    importable, titles, unreadable, duplicates = {}, {}, [], []
    articles = []  # (url, title, moment) of importable posts, for the feeds
    written = 0
    i = 0
    while written < args.count:
        i += 1
        source, pattern = SOURCES[i % len(SOURCES)]
        moment = BASE + timedelta(minutes=37 * i, milliseconds=i % 1000)
        words = " ".join(rng.choice(WORDS) for _ in range(4))
        title = "第%d号 %s" % (i, words)
        url = pattern.format(1000000 + i)
        kind = i % 50
        title_line = 'title: "%s"' % title
        date_line = "date: " + iso_ms(moment)
        url_line = "from: " + url
        comment = epoch_ms(moment)
        link_url = url
        crlf = False
        expect = "importable"
        if kind == 1:  # no from:, the link line still has the URL
            url_line = None
        elif kind == 2:  # no URL anywhere
            url_line, link_url, expect = None, "", "unreadable"
        elif kind == 3:  # the script's \' inside a double-quoted title
            title = "第%d号 Biden's \"plan\"" % i
            title_line = 'title: "第%d号 Biden\\\'s "plan""' % i
        elif kind == 4:  # unquoted colons
            title = "第%d号 韩正: 中国重视: 合作" % i
            title_line = "title: " + title
        elif kind == 5:  # a title broken over two lines
            title = "第%d号 上半句 下半句" % i
            title_line = 'title: "第%d号 上半句\n  下半句"' % i
        elif kind == 6:  # date: only
            comment = None
            moment = moment.replace(microsecond=0)
            date_line = "date: " + iso_ms(moment)
        elif kind == 7:  # no time anywhere
            comment, date_line, expect = None, None, "unreadable"
        elif kind == 8:  # no front matter at all
            expect = "unreadable"
        elif kind == 9:
            crlf = True
        elif kind == 10:  # another date format
            date_line = "date: " + moment.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S +0800")
        name = file_name(moment, title)
        body = "<p>%s 第%d号报道。</p>" % (words, i)
        text = render(title_line, date_line, source, url_line, source, comment, title, link_url, body, crlf)
        if kind == 8:
            text = text.split("---\n", 2)[2]
        with open(os.path.join(args.dir, name), "w", encoding="utf-8", newline="") as out:
            out.write(text)
        written += 1
        if expect == "unreadable":
            unreadable.append(name)
            continue
        importable[name] = url
        titles[name] = title
        articles.append((url, title, moment))
        # Every 25th post appears again under another name, a day later,
        # with a tracking parameter on its URL.
        if i % 25 == 0 and written < args.count:
            later = moment + timedelta(days=1)
            copy = file_name(later, title + " 转载")
            text = render('title: "%s 转载"' % title, "date: " + iso_ms(later), source,
                          "from: " + url + "?utm_source=rss", source, epoch_ms(later), title, url, body)
            with open(os.path.join(args.dir, copy), "w", encoding="utf-8") as out:
                out.write(text)
            written += 1
            duplicates.append(copy)

    for name, text in (("README.txt", "old posts\n"), ("notes.md", "no front matter here\n")):
        with open(os.path.join(args.dir, name), "w", encoding="utf-8") as out:
            out.write(text)
        unreadable.append(name)
    os.makedirs(os.path.join(args.dir, "drafts"), exist_ok=True)
    unreadable.append("drafts")

    if args.feeds:
        os.makedirs(args.feeds, exist_ok=True)
        picked = rng.sample(articles, min(len(articles), args.feed_count * args.feed_items))
        for k in range(args.feed_count):
            items = []
            for n, (url, title, moment) in enumerate(picked[k * args.feed_items:(k + 1) * args.feed_items]):
                when = moment + (timedelta(hours=1) if n % 4 == 0 else timedelta(0))
                link = url + ("?utm_medium=feed" if n % 3 == 0 else "")
                items.append((title, link, when))
            write_feed(os.path.join(args.feeds, "feed%d.xml" % k), items)
        write_feed(os.path.join(args.feeds, "fresh.xml"),
                   [("一篇新文章", "https://www.zaobao.com/realtime/china/fresh-1", BASE + timedelta(days=900))])

    if args.manifest:
        with open(args.manifest, "w", encoding="utf-8") as out:
            json.dump({"importable": importable, "titles": titles, "unreadable": sorted(unreadable),
                       "duplicates": sorted(duplicates)}, out, ensure_ascii=False)


def write_feed(path, items):
    def esc(text):
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    body = ['<?xml version="1.0" encoding="UTF-8"?>', '<rss version="2.0"><channel><title>old</title>',
            "<link>https://example.com/</link><description>d</description>"]
    for title, link, when in items:
        body.append("<item><title>%s</title><link>%s</link><pubDate>%s</pubDate><description>%s</description></item>"
                    % (esc(title), esc(link), when.strftime("%a, %d %b %Y %H:%M:%S GMT"), esc("<p>" + title + "</p>")))
    body.append("</channel></rss>\n")
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(body))


if __name__ == "__main__":
    main()
