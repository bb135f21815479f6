// The images a post's HTML refers to, and the same HTML pointed at local
// copies of them. Read lexically, tag by tag, so that everything but the
// rewritten attributes keeps its bytes: a post whose images are not local
// yet is the content exactly as stored.
//
// Attributes read: img src, srcset and the lazy-load ones (data-src,
// data-original, data-lazy-src, data-srcset, ...); source srcset (in
// <picture>); video poster. Addresses are resolved against `base_url` (the
// entry's link); only http(s) ones count.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::media {

// Every image address in `html`, absolute, each once, in document order.
std::vector<std::string> image_urls(std::string_view html, std::string_view base_url);

// `html` with each address found in `local` (images, and the src of audio,
// video and source, where an archived enclosure is shown; absolute address -> what the
// post shows instead, e.g. "/media/0a1b....png") replaced, and the
// attribute's original value kept beside it as data-feedd-original-ATTR
// (data-feedd-original-src, data-feedd-original-srcset, ...).
std::string point_at_local(std::string_view html, std::string_view base_url,
                           const std::map<std::string, std::string>& local);

}  // namespace feedd::media
