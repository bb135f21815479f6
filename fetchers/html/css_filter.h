// Inline style cut down to what only changes how text looks. Anything that
// can place an element over the page (position, z-index, negative margins),
// load something from the reader's browser (url(), image-set(), @import), or
// run code in an old browser (expression(), behavior, -moz-binding) is not on
// the list, and a declaration that cannot be judged plainly (a CSS escape, a
// comment, a function other than a colour or calc()) is dropped whole.
#pragma once

#include <string>
#include <string_view>

namespace feedd {

// The declarations of `style` (an HTML style attribute's value) that are on
// the allow-list. When all of them are, `style` comes back exactly as
// written; otherwise the kept ones are joined by "; ". "" when none is left.
// Stable: filtering the result again returns it unchanged.
std::string allowed_style(std::string_view style);

}  // namespace feedd
