#!/usr/bin/env python3
"""Deterministic feed corpus for feedd's benchmarks.

Writes FILES feed documents of ENTRIES entries each, shaped like the seed
sources in seeds/feeds/: feedx.net-style RSS 2.0 (VOA Chinese full text:
a CDATA <description> with a date line, a picture, <p> paragraphs and the
feedx "获取更多RSS" trailer), RSSHub-style RSS 2.0 (Lianhe Zaobao: CDATA
titles, ad slots and subscription banners inside the body) and Atom 1.0
(<content type="html">). Every entry body is Chinese HTML of 2-10 KB.

The same arguments always give the same bytes (Python's random.Random with a
fixed seed; no clock, no locale). Every entry link is unique across the whole
corpus, so feedd's global dedup treats FILES x ENTRIES entries as distinct.

    bench/gen_corpus.py --out /tmp/corpus --files 200 --entries 30
    bench/gen_corpus.py --out /tmp/corpus --files 1000 --entries 30 --seed 7

Output: OUT/feeds/NNNNN.xml, and OUT/manifest.json (arguments, file list,
kind of each file, total bytes and entries).
"""

import argparse
import datetime
import json
import os
import random
import sys
from xml.sax.saxutils import escape

# Sentences in the register of the seed feeds (news about politics, economy,
# climate), recombined at random into paragraphs.
SENTENCES = [
    "北京周四宣布，中国国家主席将出席法国和德国在本周五举行的气候视频峰会",
    "中国外交部发言人当日表示，应法国总统邀请，国家主席将于下周在北京出席领导人气候视频峰会",
    "这是新政府上台以来首次派出高级官员访问中国，因而引起国际上的高度关注",
    "气候领域被视为美中可以合作的一个重要方面",
    "中国生态环境部在一份简短的声明中说，双方将举行对口会谈",
    "分析师们警告说，对煤炭的高度依赖和短期目标缺乏力度将会导致这个目标无法实现",
    "上个月，美中高级官员在阿拉斯加的首次会谈发生了激烈的争吵，更加剧了本已紧张的双边关系",
    "导致关系紧张的问题包括香港政策、新疆问题、台湾问题和南中国海的主权纠纷等",
    "预计，各国将会宣布更为有力的削减碳排放的国家目标，并作出承诺为需要帮助的国家提供资金支持",
    "双方预计会讨论环境挑战、可以优先合作的领域、以及计划今年年底举行的联合国气候会谈",
    "中共中央政治局常委、国务院副总理昨天通过视频方式会见在华访问的美国总统气候问题特使",
    "中国应对气候变化，态度是坚决的、行动是有力的，我们将脚踏实地实现这些目标",
    "中美作为世界上最大的发展中国家和最大的发达国家，在应对气候变化方面有很多共同利益",
    "国家统计局周五公布的数据显示，第一季度国内生产总值同比增长百分之十八点三",
    "市场人士认为，消费复苏的速度仍然慢于生产，就业压力在年轻人中尤其明显",
    "央行官员在新闻发布会上表示，货币政策将保持连续性、稳定性和可持续性",
    "据新华社报道，有关部门已经派出工作组赶赴现场，指导救援和善后处置工作",
    "当地居民对记者说，暴雨从凌晨开始下，到中午时分不少街道已经积水及膝",
    "专家指出，人口老龄化将对养老金体系和医疗保障带来长期压力",
    "这份报告还说，过去一年有超过两百家企业因为供应链中断而推迟了投资计划",
    "欧盟委员会发言人说，欧方希望在互利的基础上推进谈判，但不会在原则问题上让步",
    "台湾方面的回应是，将继续与理念相近的伙伴深化合作，维护区域和平稳定",
    "香港特区政府发言人表示，相关条例的修订将在下个立法年度提交立法会审议",
    "研究人员在论文中写道，这项发现有助于解释为何部分地区的气温上升速度高于全球平均水平",
    "评论人士认为，此次会晤释放出双方希望管控分歧、避免冲突的信号",
    "法新社引用一位分析师的话说，了解彼此的期望和打算将是重要的第一步",
    "新加坡总理在国庆群众大会上说，本地区的局势正在发生深刻的变化",
    "外交部发言人在例行记者会上回答相关提问时重申了中方的一贯立场",
]

TITLE_PARTS = [
    ("克里", "拜登", "习近平", "王毅", "韩正", "李克强", "马克龙", "默克尔", "蔡英文", "林郑月娥", "李显龙", "布林肯"),
    ("抵达上海", "发表讲话", "会见特使", "出席峰会", "通电话", "回应质疑", "访问欧洲", "宣布新政", "视察灾区", "接受采访"),
    ("气候合作面临考验", "双边关系再起波澜", "经济复苏仍存隐忧", "外界关注会谈成果", "两岸关系走向引发讨论",
     "供应链重组加速", "碳中和目标受质疑", "疫苗外交持续升温", "芯片出口管制升级", "区域安全局势紧张"),
]

SOURCE_NAMES = ["美国之音", "联合早报", "德国之声", "法广", "BBC中文", "自由亚洲电台", "端传媒", "纽约时报中文网"]

KINDS = ("feedx", "rsshub", "atom")  # in rotation, so every kind is a third of the corpus


def rfc822(when):
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")


def rfc3339(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def paragraphs(rng, target_bytes):
    """<p> paragraphs of recombined sentences, about target_bytes of UTF-8."""
    out = []
    size = 0
    while size < target_bytes:
        count = rng.randint(2, 5)
        text = "，".join(rng.choice(SENTENCES) for _ in range(count))
        # Numbers and a quoted name now and then, as news copy has.
        if rng.random() < 0.4:
            text += f"（{rng.randint(1, 12)}月{rng.randint(1, 28)}日）"
        if rng.random() < 0.2:
            text = f"“{text}”"
        piece = f"<p>{text}。</p>"
        out.append(piece)
        size += len(piece.encode("utf-8")) + 9  # plus the indentation the feeds carry
    return out


def feedx_body(rng, when, target):
    pic = f"https://images.weserv.nl?url=gdb.voanews.com/{rng.getrandbits(64):016X}_r1_s_w900.jpg"
    head = [
        f"<div><i>{rfc822(when)}</i></div>",
        f'<img src="{pic}" width="100%"><div><small style="color: #999;">{rng.choice(SENTENCES)}。</small></div>',
    ]
    tail = [
        "<br>",
        '<hr><div>获取更多RSS：<br>',
        '<a href="https://feedx.net" style="color:orange" target="_blank">https://feedx.net</a> <br>',
        '<a href="https://feedx.top" style="color:orange" target="_blank">https://feedx.top</a><br>',
        "</div>",
    ]
    fixed = sum(len(x.encode("utf-8")) for x in head + tail)
    return "\n        ".join(head + paragraphs(rng, max(target - fixed, 200)) + tail)


def rsshub_body(rng, when, target):
    ad = ('<section id="imu"><div id="dfp-ad-imu1">        </div>\n        </section>')
    banner = ('<a href="https://subscribe.sph.com.sg/promotions/chinese-3-months-99-cents-promotion/'
              '?utm_campaign=cn3in199c&utm_medium=sph-publication&utm_source=zb&utm_content=subscribelink-free-endofarticle"'
              ' target="_blank"><img class="view-desktop lazyload  " data-src="https://static.zaobao.com/s3fs-public/'
              'freemium_images/20210209/399-default-desktop-l_0_1.jpg" alt style="width:100%;" pinger-seen="true" '
              'src="https://static.zaobao.com/s3fs-public/freemium_images/20210209/399-default-desktop-l_0_1.jpg" '
              'referrerpolicy="no-referrer"></a>')
    fixed = len(ad.encode("utf-8")) + len(banner.encode("utf-8")) + 80
    body = paragraphs(rng, max(target - fixed, 200))
    cut = max(1, len(body) // 2)
    parts = body[:cut] + [ad] + body[cut:] + ['      <div id="innity-in-post"></div>', '<div id="dfp-ad-midarticlespecial">        </div>      ' + banner]
    return "\n        ".join(parts)


def atom_body(rng, when, target):
    pic = f"https://static.example-news.cn/photo/{rng.getrandbits(48):012x}.jpg"
    head = [f'<figure><img src="{pic}" alt=""><figcaption>{rng.choice(SENTENCES)}。</figcaption></figure>']
    return "\n".join(head + paragraphs(rng, max(target - 200, 200)))


def title_of(rng, file_index, entry_index):
    who, what, topic = (rng.choice(part) for part in TITLE_PARTS)
    # Distinct titles (and so distinct post file names), as real headlines are.
    return f"{who}{what}，{topic}（{file_index:05d}-{entry_index:03d}）"


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def feed_document(rng, kind, file_index, entries, base_time, min_body, max_body):
    source = SOURCE_NAMES[file_index % len(SOURCE_NAMES)]
    channel_title = f"{source} - 频道{file_index:05d}"
    site = f"https://news{file_index % 97:02d}.example-news.cn"
    items = []
    for entry_index in range(entries):
        # Newest first, a few minutes apart, as the seeds are.
        when = base_time - datetime.timedelta(minutes=entry_index * 7 + rng.randint(0, 5), seconds=rng.randint(0, 59))
        target = rng.randint(min_body, max_body)
        title = title_of(rng, file_index, entry_index)
        link = f"{site}/a/{file_index:05d}/{entry_index:03d}-{rng.getrandbits(32):08x}.html"
        if kind == "feedx":
            body = feedx_body(rng, when, target)
            items.append(
                "    <item>\n"
                f"      <title>{escape(title)}</title>\n"
                f"      <link>{escape(link)}</link>\n"
                f'      <guid isPermaLink="false">{5850000 + file_index * 1000 + entry_index}</guid>\n'
                f"      <pubDate>{rfc822(when)}</pubDate>\n"
                f"      <description>{cdata(body)}</description>\n"
                "    </item>\n")
        elif kind == "rsshub":
            body = rsshub_body(rng, when, target)
            items.append(
                "        <item>\n"
                f"            <title>{cdata(title)}</title>\n"
                f"            <description>{cdata(body)}</description>\n"
                f"            <pubDate>{rfc822(when)}</pubDate>\n"
                f'            <guid isPermaLink="false">{escape(link)}</guid>\n'
                f"            <link>{escape(link)}</link>\n"
                "        </item>\n")
        else:
            body = atom_body(rng, when, target)
            items.append(
                "  <entry>\n"
                f"    <title>{escape(title)}</title>\n"
                f'    <link rel="alternate" type="text/html" href="{escape(link)}"/>\n'
                f"    <id>tag:example-news.cn,2021:{file_index:05d}-{entry_index:03d}</id>\n"
                f"    <published>{rfc3339(when)}</published>\n"
                f"    <updated>{rfc3339(when)}</updated>\n"
                f"    <author><name>{escape(source)}记者</name></author>\n"
                f'    <content type="html">{escape(body)}</content>\n'
                "  </entry>\n")
    if kind == "feedx":
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n'
            "  <channel>\n"
            f"    <title>{escape(channel_title)}</title>\n"
            f"    <link>{site}</link>\n"
            f"    <description>{escape(source)} - 全文 RSS</description>\n"
            "    <language>zh-cn</language>\n"
            f"    <lastBuildDate>{rfc822(base_time)}</lastBuildDate>\n"
            "    <ttl>60</ttl>\n" + "".join(items) + "  </channel>\n</rss>\n")
    if kind == "rsshub":
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">\n'
            "    <channel>\n"
            f"        <title>{cdata(channel_title)}</title>\n"
            f"        <link>{site}/realtime/china</link>\n"
            f'        <atom:link href="http://127.0.0.1/feeds/{file_index:05d}" rel="self" type="application/rss+xml" />\n'
            f"        <description>{cdata(channel_title)}</description>\n"
            "        <generator>RSSHub</generator>\n"
            "        <language>zh-cn</language>\n"
            f"        <lastBuildDate>{rfc822(base_time)}</lastBuildDate>\n"
            "        <ttl>5</ttl>\n" + "".join(items) + "    </channel>\n</rss>\n")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">\n'
        f"  <title>{escape(channel_title)}</title>\n"
        f'  <link rel="alternate" type="text/html" href="{site}/"/>\n'
        f"  <id>tag:example-news.cn,2021:feed-{file_index:05d}</id>\n"
        f"  <updated>{rfc3339(base_time)}</updated>\n" + "".join(items) + "</feed>\n")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output folder (feeds/ and manifest.json go in it)")
    parser.add_argument("--files", type=int, default=200, help="feed documents (default 200)")
    parser.add_argument("--entries", type=int, default=30, help="entries per document (default 30)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--min-body", type=int, default=2048, help="smallest entry body in bytes (default 2048)")
    parser.add_argument("--max-body", type=int, default=10240, help="largest entry body in bytes (default 10240)")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"comma-separated kinds in rotation (default {','.join(KINDS)})")
    parser.add_argument("--epoch", default="2021-04-17T02:56:40",
                        help="UTC time of the newest entry in file 0 (default 2021-04-17T02:56:40)")
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    if not kinds or any(k not in KINDS for k in kinds):
        parser.error(f"--kinds: choose from {','.join(KINDS)}")
    if args.files < 1 or args.entries < 0 or not (0 < args.min_body <= args.max_body):
        parser.error("need --files >= 1, --entries >= 0, 0 < --min-body <= --max-body")

    epoch = datetime.datetime.fromisoformat(args.epoch)
    feeds = os.path.join(args.out, "feeds")
    os.makedirs(feeds, exist_ok=True)
    names, kinds_used, total = [], [], 0
    for index in range(args.files):
        # One generator per file: a file's bytes depend only on (seed, index,
        # entries, sizes), so 1,000 files start with the same 200 as 200 files.
        rng = random.Random(f"{args.seed}:{index}")
        kind = kinds[index % len(kinds)]
        base_time = epoch - datetime.timedelta(minutes=index * 3)
        data = feed_document(rng, kind, index, args.entries, base_time, args.min_body, args.max_body).encode("utf-8")
        name = f"{index:05d}.xml"
        path = os.path.join(feeds, name)
        temp = path + ".tmp"
        with open(temp, "wb") as out:
            out.write(data)
        os.replace(temp, path)
        names.append(name)
        kinds_used.append(kind)
        total += len(data)
    manifest = {
        "generator": "bench/gen_corpus.py",
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "files": names,
        "kinds": kinds_used,
        "entries": args.files * args.entries,
        "bytes": total,
    }
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=1)
        out.write("\n")
    print(f"{args.files} files x {args.entries} entries = {args.files * args.entries} entries, "
          f"{total / 1048576:.1f} MiB in {feeds}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
