// Small feed documents for tests that serve RSS over HTTP. The per-file item
// builders stay with their tests where their exact output differs; what is the
// same everywhere lives here.
#pragma once

#include <string>
#include <string_view>

namespace feedd::test {

// Escapes &, <, > and " for XML text and attribute values; ' stays as it is.
std::string xml_escape(std::string_view text);

// What each generated item's <description> says.
enum class ItemBody {
  numbered,  // "body 0", "body 1", …
  plain,     // "body" for every item
};

// RSS 2.0 with `items` items titled "<tag> <i>", linked to
// https://example.com/<tag>/<i> and dated 13:<i>:00 on 15 April 2021 (GMT).
std::string rss_with(int items, const std::string& tag = "item", ItemBody body = ItemBody::numbered);

}  // namespace feedd::test
