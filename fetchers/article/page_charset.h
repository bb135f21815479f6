// Web pages turned into UTF-8: unlike feeds, a page usually names its
// charset only in a <meta> element, which the HTML parser must not be left
// to find (it would decode a second time). Internal to feedd_article.
#pragma once

#include <string>
#include <string_view>

#include "fetchers/text/encoding.h"

namespace feedd::article::detail {

// The charset label of the first <meta charset="X"> or
// <meta http-equiv="Content-Type" content="...; charset=X"> in the first
// 4 KiB of `page`; "" when there is none.
std::string meta_charset(std::string_view page);

// `page` in UTF-8: byte order mark first, then the charset of
// `content_type` (HTTP), then meta_charset, else UTF-8. As encoding::to_utf8,
// a page that is valid UTF-8 is read as UTF-8 whatever it claims.
encoding::Utf8Document decode_page(std::string_view page, std::string_view content_type);

}  // namespace feedd::article::detail
