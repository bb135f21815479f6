#!/usr/bin/env node
// The Node peer of `feedd once`: what the cron script feedd replaces did,
// ported faithfully and given the same advantages feedd has, so the
// comparison measures the implementation and not a handicap:
//
//  - fetches every source with the same limits as feedd (--concurrency in
//    all, --per-host per address, keep-alive connections);
//  - sends If-None-Match / If-Modified-Since from a state file and skips a
//    304 without parsing (the old script refetched everything; this makes the
//    304 pass comparable);
//  - parses each feed with rss-parser (the old script's parser);
//  - writes one Jekyll post per new entry in feedd's post format (the format
//    came from this script), named YYYY-MM-DD-<first 50 characters of the
//    title>.md, skipping entries whose post file already exists (its dedup);
//  - saves the validators at the end.
//
// Like the old script, it does not fsync posts and keeps no database.
//
//   node bench/peers/node_once.js --sources sources.json --posts DIR --state state.json
//
// sources.json: [{"name": ..., "url": ..., "tags": [...], "categories": [...]}, ...]
'use strict';
const fs = require('fs');
const fsp = require('fs/promises');
const http = require('http');
const path = require('path');
const Parser = require(path.join(__dirname, 'node_modules', 'rss-parser'));

function parseArgs(argv) {
  const args = { concurrency: 16, perHost: 2, timeout: 60000 };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--sources') args.sources = value;
    else if (key === '--posts') args.posts = value;
    else if (key === '--state') args.state = value;
    else if (key === '--concurrency') args.concurrency = Number(value);
    else if (key === '--per-host') args.perHost = Number(value);
    else throw new Error(`unknown argument ${key}`);
  }
  if (!args.sources || !args.posts || !args.state) throw new Error('need --sources, --posts and --state');
  return args;
}

class Semaphore {
  constructor(n) { this.free = n; this.waiting = []; }
  async acquire() {
    if (this.free > 0) { this.free--; return; }
    await new Promise((resolve) => this.waiting.push(resolve));
  }
  release() {
    const next = this.waiting.shift();
    if (next) next(); else this.free++;
  }
}

// --- the post format (store/POST_FORMAT.md) ---------------------------------

function escapeChar(c) {
  const named = { 0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\e' };
  const code = c.codePointAt(0);
  if (named[code] !== undefined) return named[code];
  if (code <= 0xff) return '\\x' + code.toString(16).toUpperCase().padStart(2, '0');
  return '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
}

function needsEscape(code) {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 ||
    code === 0xfeff || code === 0xfffe || code === 0xffff;
}

function quoted(text) {
  let out = '"';
  for (const c of text) {
    if (c === '\\' || c === '"') out += '\\' + c;
    else if (needsEscape(c.codePointAt(0))) out += escapeChar(c);
    else out += c;
  }
  return out + '"';
}

const reserved = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null', '~', '=', '<<']);

function plainOrQuoted(text, inFlow) {
  let unsafe = text === '' || text.startsWith(' ') || text.endsWith(' ') ||
    /^[-?:,[\]{}#&*!|>'"%@`]/.test(text) || text.startsWith('...') ||
    text.includes(': ') || text.includes(' #') || text.endsWith(':') ||
    reserved.has(text.toLowerCase()) ||
    /^[+-]?(\d|\.[\d_iInN])[A-Za-z0-9_.:+\-, ]*$/.test(text) ||
    (inFlow && /[,[\]{}:?]/.test(text));
  for (const c of text) if (needsEscape(c.codePointAt(0))) unsafe = true;
  return unsafe ? quoted(text) : text;
}

function postDate(ms) {
  return new Date(ms).toISOString();  // 2021-04-17T02:56:40.156Z
}

function trimmedContent(html) {
  return html.split(/\r\n|\n/).map((line) => line.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')).join('');
}

function renderPost(post) {
  const list = (values) => '[ ' + values.map((v) => plainOrQuoted(v, true)).join(', ') + ' ]';
  return '---\n' +
    'layout: post\n' +
    `title: ${quoted(post.title)}\n` +
    `date: ${postDate(post.dateMs)}\n` +
    `author: ${plainOrQuoted(post.author, false)}\n` +
    `from: ${plainOrQuoted(post.url, false)}\n` +
    `tags: ${list(post.tags)}\n` +
    `categories: ${list(post.categories)}\n` +
    '---\n' +
    `<!--${post.timestampMs}-->\n` +
    `[${post.title}](${post.url})\n` +
    '------\n\n' +
    '<div>\n' + trimmedContent(post.content) + '\n</div>\n';
}

function postFileName(dateMs, title) {
  let slug = '';
  let kept = 0;
  for (const c of title) {
    if (kept === 50) break;
    const code = c.codePointAt(0);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) continue;
    slug += c === '/' ? '--' : c;
    kept++;
  }
  slug = slug.replace(/^\.+/, '');
  return `${postDate(dateMs).slice(0, 10)}-${slug || 'untitled'}.md`;
}

// --- one pass -----------------------------------------------------------------

function fetchFeed(url, validators, agent, timeout) {
  return new Promise((resolve, reject) => {
    const headers = { 'User-Agent': 'rss-parser', Accept: 'application/rss+xml' };
    if (validators.etag) headers['If-None-Match'] = validators.etag;
    if (validators.lastModified) headers['If-Modified-Since'] = validators.lastModified;
    const request = http.get(url, { agent, headers, timeout }, (response) => {
      if (response.statusCode === 304) {
        response.resume();
        response.on('end', () => resolve({ status: 304 }));
        return;
      }
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`Status code ${response.statusCode}`));
        return;
      }
      response.setEncoding('utf8');
      let body = '';
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({
        status: 200, body, etag: response.headers.etag, lastModified: response.headers['last-modified'],
      }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

async function pollSource(source, context) {
  const host = new URL(source.url).host;
  if (!context.hostLimits.has(host)) context.hostLimits.set(host, new Semaphore(context.args.perHost));
  const hostLimit = context.hostLimits.get(host);
  await hostLimit.acquire();
  await context.globalLimit.acquire();
  const started = Date.now();
  let line;
  try {
    const validators = context.state[source.url] || {};
    const fetched = await fetchFeed(source.url, validators, context.agent, context.args.timeout);
    if (fetched.status === 304) {
      context.tally.notModified++;
      line = `${source.name}: 304`;
      return;
    }
    const feed = await context.parser.parseString(fetched.body);
    const now = Date.now();
    let written = 0;
    for (const item of feed.items) {
      const title = item.title || '';
      const url = item.link || item.guid || '';
      const parsedMs = Date.parse(item.isoDate || item.pubDate || '');
      const timestampMs = Number.isNaN(parsedMs) ? now : parsedMs;
      const dateMs = Math.min(timestampMs, now);
      const file = path.join(context.args.posts, postFileName(dateMs, title));
      try {
        await fsp.access(file);
        context.tally.unchanged++;
        continue;  // the old script's dedup: the post is there already
      } catch {
        // not written yet
      }
      const content = item['content:encoded'] || item.content || item.summary || '';
      await fsp.writeFile(file, renderPost({
        title, dateMs, timestampMs, url, content,
        author: source.name, tags: source.tags || [source.name], categories: source.categories || [source.name],
      }));
      written++;
    }
    context.tally.written += written;
    context.state[source.url] = { etag: fetched.etag, lastModified: fetched.lastModified };
    line = `${source.name}: 200, ${feed.items.length} items, ${written} written`;
  } catch (error) {
    context.tally.failed++;
    line = `${source.name}: ${error.message}`;
  } finally {
    context.globalLimit.release();
    hostLimit.release();
    if (context.verbose && line) process.stderr.write(`${line}, ${Date.now() - started} ms\n`);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const sources = JSON.parse(fs.readFileSync(args.sources, 'utf8'));
  fs.mkdirSync(args.posts, { recursive: true });
  let state = {};
  try { state = JSON.parse(fs.readFileSync(args.state, 'utf8')); } catch { /* first run */ }
  const context = {
    args, state, verbose: process.env.NODE_ONCE_VERBOSE === '1',
    parser: new Parser(),
    agent: new http.Agent({ keepAlive: true, maxSockets: args.perHost }),
    globalLimit: new Semaphore(args.concurrency),
    hostLimits: new Map(),
    tally: { written: 0, unchanged: 0, notModified: 0, failed: 0 },
  };
  await Promise.all(sources.map((source) => pollSource(source, context)));
  fs.writeFileSync(args.state + '.tmp', JSON.stringify(state));
  fs.renameSync(args.state + '.tmp', args.state);
  context.agent.destroy();
  const t = context.tally;
  process.stderr.write(`node_once: ${sources.length} sources, ${t.written} posts written, ` +
    `${t.unchanged} already there, ${t.notModified} not modified, ${t.failed} failed\n`);
  return t.failed > 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (error) => {
  process.stderr.write(`node_once: ${error.stack}\n`);
  process.exitCode = 2;
});
