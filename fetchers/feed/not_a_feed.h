// Answers that are plainly not feeds: a Cloudflare challenge, a login page,
// a text notice ("we restrict access for feed readers"). Reported as what
// they are, with the page's title or first words, instead of as a parse
// error with a line number that would send the operator looking for broken
// XML.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd {

// nullopt when `body` may be a feed (XML other than an HTML page, JSON, or
// empty: the parser decides); otherwise what it is, as
// "text/html, not a feed: 'Just a moment...'" (the Content-Type's media
// type, or "no Content-Type"; the HTML title, else the first words).
std::optional<std::string> not_a_feed(std::string_view content_type, std::string_view body);

}  // namespace feedd
