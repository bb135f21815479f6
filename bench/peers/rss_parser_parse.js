#!/usr/bin/env node
// The rss-parser peer of `feedd parse --json`: parses every FILE in one
// process (one Parser, files in order, as the old cron script parsed feeds)
// and prints one JSON object per file per line with the fields feedd prints.
// rss-parser does no HTML sanitizing and no charset detection: it is handed
// the file as UTF-8 text, which the benchmark corpus is.
'use strict';
const fs = require('fs');
const path = require('path');
const Parser = require(path.join(__dirname, 'node_modules', 'rss-parser'));

function iso(text) {
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function entryJson(item) {
  return {
    title: item.title ?? null,
    url: item.link ?? null,
    guid: item.guid ?? item.id ?? null,
    published: iso(item.isoDate || item.pubDate),
    updated: iso(item.updated),
    author: item.creator ?? item.author ?? null,
    summary: item.summary ?? item.contentSnippet ?? null,
    content: item['content:encoded'] ?? item.content ?? null,
    categories: item.categories ?? [],
  };
}

async function main(files) {
  const parser = new Parser();
  let ok = true;
  for (const file of files) {
    try {
      const xml = fs.readFileSync(file, 'utf8');
      const feed = await parser.parseString(xml);
      process.stdout.write(JSON.stringify({
        format: feed.feedUrl !== undefined || xml.includes('<feed') ? 'atom' : 'rss',
        version: null,
        title: feed.title ?? null,
        link: feed.link ?? null,
        description: feed.description ?? null,
        language: feed.language ?? null,
        updated: iso(feed.lastBuildDate),
        recovered: false,
        entries: feed.items.map(entryJson),
      }) + '\n');
    } catch (error) {
      process.stderr.write(`rss_parser_parse: ${file}: ${error.message}\n`);
      ok = false;
    }
  }
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
