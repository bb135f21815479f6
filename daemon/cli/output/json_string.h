// JSON string literals written straight into an output buffer, for output
// too large and too simple to be worth building a JSON tree for (feedd parse
// --json). The bytes are exactly those nlohmann::json's
// dump(-1, ' ', false, error_handler_t::replace) writes for the same string,
// so switching between the two never changes what a reader sees.
#pragma once

#include <string>
#include <string_view>

namespace feedd {

// Appends `text` as a quoted JSON string: '"' and '\' escaped with a
// backslash, \b \f \n \r \t for those controls and \u00xx (lower-case hex)
// for the other controls below 0x20, everything else (DEL and non-ASCII
// included) as it is. Ill-formed UTF-8 is handed to nlohmann::json, whose
// replace handler decides where U+FFFD goes.
void append_json_string(std::string_view text, std::string& out);

// The same for text already known to be well-formed UTF-8 (what
// sanitize_html returns), which is not checked again. REQUIRES: `utf8` is
// well-formed UTF-8; otherwise its bad bytes are copied as they are.
void append_valid_json_string(std::string_view utf8, std::string& out);

}  // namespace feedd
