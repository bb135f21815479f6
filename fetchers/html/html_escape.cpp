#include "fetchers/html/html_escape.h"

namespace feedd {
namespace {

void append_escaped(std::string& out, char c) {
  switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    default: out += c;
  }
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string html;
  html.reserve(text.size());
  for (const char c : text) append_escaped(html, c);
  return html;
}

std::string text_to_html(std::string_view text) {
  std::string html;
  html.reserve(text.size());
  for (const char c : text) {
    if (c == '\n') {
      html += "<br>\n";
    } else {
      append_escaped(html, c);
    }
  }
  return html;
}

}  // namespace feedd
