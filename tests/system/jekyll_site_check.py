#!/usr/bin/python3
"""Checks a Jekyll site built over feedd's posts against the posts themselves.

usage: jekyll_site_check.py SITE

SITE holds `_posts/*.md` (as feedd wrote them) and `_site/` (as `jekyll build`
made it) with the layouts of tests/system/jekyll_test.cpp: every post page carries
`<pre id="feedd-KEY">` blocks with page.path, title, date, author, from, tags
and categories, and `index.html` lists `path<TAB>url` for every post in
`<pre id="feedd-posts">`. Values are HTML-escaped; tags and categories are
JSON.

Every post must be listed once, and the page at its URL must be its own (two
posts on one URL leave only one page); the number of post pages must equal the
number of posts; each page must show the values PyYAML (YAML 1.1, as Jekyll's
Psych) reads from the post's front matter, the date to the second (Jekyll
drops fractions of a second). The article itself must carry nothing a feed
could smuggle in: no element or attribute that runs script, no javascript:
address, nothing Liquid evaluated (the site's title), and its heading link
must show the post's title as text and point at the post's `from:` URL.
Exits 0 when all hold, 1 otherwise, printing one line per problem.
"""

import datetime
import html
import html.parser
import json
import os
import re
import sys
import urllib.parse

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from yaml_front_matter_check import front_matter  # noqa: E402  (splits on "\n" only)

BLOCK = re.compile(r'<pre id="feedd-([a-z]+)">(.*?)</pre>', re.S)
ARTICLE = re.compile(r"<article>(.*?)</article>", re.S)
SITE_TITLE = "feedd Jekyll test"  # the layouts' site title: Liquid output if it shows in an article

# kramdown's typography (smart quotes, dashes, ellipsis) is the site's way of
# showing text, not something the feed put there.
TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."})


def typography_undone(text):
    return text.replace("\u2014", "---").replace("\u2013", "--").translate(TYPOGRAPHY)


class ArticleReader(html.parser.HTMLParser):
    """The elements, attributes and first link of an article's HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.attributes = []
        self.first_link = None  # [href, text] of the first <a>
        self.in_first_link = False
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag == "a" and self.first_link is None:
            self.first_link = [dict(attrs).get("href", ""), ""]
            self.in_first_link = True

    def handle_endtag(self, tag):
        if tag == "a":
            self.in_first_link = False

    def handle_data(self, data):
        self.text.append(data)
        if self.in_first_link:
            self.first_link[1] += data


def blocks(page_html):
    return {key: html.unescape(value) for key, value in BLOCK.findall(page_html)}


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def page_path(site, url):
    # Jekyll writes a page to its URL, percent-decoded, under _site.
    relative = urllib.parse.unquote(url).lstrip("/")
    if url.endswith("/"):
        relative += "index.html"
    return os.path.join(site, "_site", relative)


def as_utc(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value


def unique(values):
    # Jekyll drops repeated categories (populate_categories: uniq!).
    return list(dict.fromkeys(values))


def compare(name, data, shown):
    expected = {
        "title": data.get("title"),
        "author": data.get("author"),
        "from": data.get("from"),
        "tags": data.get("tags"),
        "categories": unique(data.get("categories") or []),
    }
    for key, value in expected.items():
        if key not in shown:
            yield f"{name}: the page shows no {key}"
            continue
        got = json.loads(shown[key]) if key in ("tags", "categories") else shown[key]
        if got != value:
            yield f"{name}: {key} on the page is {got!r}, the post says {value!r}"
    try:
        date = datetime.datetime.strptime(shown.get("date", ""), "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        yield f"{name}: date on the page is {shown.get('date')!r}"
        return
    # Jekyll keeps whole seconds: Document#merge_date! re-parses the date from
    # Time#to_s, which drops the fraction (the post's <!--T--> keeps it).
    expected_date = as_utc(data.get("date"))
    if not isinstance(expected_date, datetime.datetime) or date != expected_date.replace(microsecond=0):
        yield f"{name}: date on the page is {date.isoformat()}, the post says {data.get('date')!r}"


def smuggled(name, data, page_html):
    match = ARTICLE.search(page_html)
    if not match:
        yield f"{name}: the page has no article"
        return
    reader = ArticleReader()
    reader.feed(match.group(1))
    reader.close()
    for tag in ("script", "iframe", "object", "embed", "style"):
        if tag in reader.tags:
            yield f"{name}: the article has a <{tag}> element"
    for attribute, value in reader.attributes:
        if attribute.startswith("on"):
            yield f"{name}: the article has an {attribute} attribute"
        if (value or "").strip().lower().startswith(("javascript:", "vbscript:", "data:text")):
            yield f"{name}: the article has {attribute}={value!r}"
    if SITE_TITLE in "".join(reader.text):
        yield f"{name}: Liquid output (the site title) in the article"
    if reader.first_link is None:
        yield f"{name}: the article has no link"
        return
    href, text = reader.first_link
    if urllib.parse.unquote(href) != urllib.parse.unquote(str(data.get("from"))):
        yield f"{name}: the heading links to {href!r}, the post is from {data.get('from')!r}"
    if typography_undone(text) != typography_undone(str(data.get("title"))):
        yield f"{name}: the heading shows {text!r}, the title is {data.get('title')!r}"


def problems(site):
    posts_dir = os.path.join(site, "_posts")
    posts = sorted(name for name in os.listdir(posts_dir) if name.endswith(".md"))
    if not posts:
        yield "no posts"
        return

    index = blocks(read(os.path.join(site, "_site", "index.html"))).get("posts", "")
    urls = {}
    for line in filter(None, index.split("\n")):
        path, _, url = line.partition("\t")
        if path in urls:
            yield f"{path} is listed twice"
        urls[path] = url

    for name in posts:
        relative = "_posts/" + name
        try:
            data = front_matter(os.path.join(posts_dir, name))
        except (OSError, ValueError, yaml.YAMLError) as error:
            yield f"{name}: front matter: {error}"
            continue
        if relative not in urls:
            yield f"{name}: not in site.posts"
            continue
        page = page_path(site, urls[relative])
        if not os.path.isfile(page):
            yield f"{name}: no page at its URL {urls[relative]!r}"
            continue
        page_html = read(page)
        shown = blocks(page_html)
        if shown.get("source") != relative:
            yield f"{name}: its URL {urls[relative]!r} shows {shown.get('source')!r} instead"
            continue
        yield from compare(name, data, shown)
        yield from smuggled(name, data, page_html)

    pages = set()
    count = 0
    for root, _, files in os.walk(os.path.join(site, "_site")):
        for file in files:
            if file.endswith(".html"):
                source = blocks(read(os.path.join(root, file))).get("source")
                if source is not None:
                    count += 1
                    pages.add(source)
    if count != len(posts):
        yield f"{count} post pages for {len(posts)} posts"
    for missing in sorted({"_posts/" + name for name in posts} - pages):
        yield f"{missing}: no page"


def main(args):
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    found = list(problems(args[0]))
    for problem in found:
        print(problem)
    if not found:
        print(f"{len(os.listdir(os.path.join(args[0], '_posts')))} posts, each on its own page as written")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
