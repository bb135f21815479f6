// The article in a web page: its main text as sanitized HTML, with title,
// byline and publication date. The command line (`feedd extract`) calls it
// today; the pipeline is meant to call it with the bytes of an entry's page.
//
// Two modes. `selector`: the elements matching a CSS selector, minus those
// matching the `remove` selectors (css_selector.h lists the syntax).
// `auto`: the block of the page that reads like the article, judged by its
// text, punctuation, paragraphs and links, with navigation, share bars,
// comments and related-article lists cut and figures kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::article {

struct ExtractOptions {
  // Empty: `auto`. Otherwise a selector list; every match, in document order,
  // is the article (a match inside another match counts once).
  std::string selector;
  std::vector<std::string> remove;  // selectors cut from the result, either mode
};

struct Page {
  std::string_view bytes;         // as received, any charset
  std::string_view content_type;  // the HTTP Content-Type, may be empty
  std::string url;                // the page's address; relative URLs resolve against it (may be empty)
};

struct Article {
  std::string title;      // plain text; "" when the page names none
  std::string byline;     // plain text; ""
  std::string published;  // RFC 3339 UTC when readable, else as the page writes it; ""
  std::string content;    // sanitized HTML (fetchers/html/html_sanitize.h), URLs absolute; "" when nothing found
  std::string text;       // the content as plain text, one block per line
  std::size_t text_length = 0;  // characters (code points) of `text` other than white space
};

// Decodes the page (byte order mark, else the Content-Type's charset, else
// <meta charset> or <meta http-equiv="Content-Type"> in the first 4 KiB,
// else UTF-8) and extracts its article. Throws std::invalid_argument for a
// bad selector, naming it and the position (see check_selector); otherwise
// never throws except std::bad_alloc. Thread-safe.
Article extract(const Page& page, const ExtractOptions& options);

// Throws std::invalid_argument("selector \"S\": position N: PROBLEM") when
// `selector` is not a selector list extract() understands. For config
// checks, before any page arrives.
void check_selector(std::string_view selector);

}  // namespace feedd::article
