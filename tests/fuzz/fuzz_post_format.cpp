// render_post on any title, URL and content: after the front matter no "{{"
// or "{%" is left for Liquid, and the link line stays one line whose text
// holds none of the characters Markdown or HTML would read as syntax and
// whose destination none that would end it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/post_format.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // "title\0url\0content"; missing parts are empty.
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::string_view parts[3];
  for (auto& part : parts) {
    const auto nul = rest.find('\0');
    part = rest.substr(0, nul);
    rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  }
  feedd::PostFields post;
  post.title = parts[0];
  post.url = parts[1];
  post.content = parts[2];
  post.author = "a";
  const std::string rendered = feedd::render_post(post);

  // Front-matter values hold no raw line break, so the first "\n---\n"
  // closes it; a value may hold "-->" (a URL can).
  const auto front_matter_end = rendered.find("\n---\n<!--");
  FUZZ_CHECK(front_matter_end != std::string::npos, "the front matter closes before the timestamp comment");
  const auto comment_end = rendered.find("-->\n", front_matter_end);
  FUZZ_CHECK(comment_end != std::string::npos, "the timestamp comment");
  const std::string_view body = std::string_view(rendered).substr(comment_end + 4);
  FUZZ_CHECK(body.find("{{") == std::string_view::npos && body.find("{%") == std::string_view::npos,
             "no Liquid tag after the front matter");

  const std::string_view link_line = body.substr(0, body.find('\n'));
  FUZZ_CHECK(body.substr(link_line.size()).starts_with("\n------\n"), "the link line is one line");
  const auto middle = link_line.rfind("](");
  FUZZ_CHECK(link_line.starts_with('[') && middle != std::string_view::npos && link_line.ends_with(')'),
             "[text](destination)");
  const std::string_view text = link_line.substr(1, middle - 1);
  const std::string_view destination = link_line.substr(middle + 2, link_line.size() - middle - 3);
  FUZZ_CHECK(text.find_first_of("[]<>\\`*_{}$^|~") == std::string_view::npos, "link text is text");
  FUZZ_CHECK(destination.find_first_of(" ()<>\"`\\|^{}") == std::string_view::npos, "the destination is whole");
  for (const char c : destination) {
    FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F, "no control character in the destination");
  }
  return 0;
}
