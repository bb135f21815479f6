// A statistical guess at the charset of a document that declares none and
// is not UTF-8: the last step of charset detection (see encoding.h), made
// by uchardet from byte and byte-pair frequencies, which tells GB18030,
// Big5, Shift_JIS, EUC-JP, EUC-KR, KOI8-R, TIS-620, windows-1255 and the
// other legacy charsets apart.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::encoding {

// The charset `document` is most likely in, as uchardet names it
// ("GB18030", "BIG5", "EUC-JP", ...), or nullopt when the document is best
// read as UTF-8 after all: nothing to guess from (fewer than 16 bytes
// outside ASCII that are not UTF-8, or fewer than a fifth of the bytes
// outside ASCII), or no answer. Reads at most the first 256 KiB. Thread-safe.
std::optional<std::string> guess_legacy_charset(std::string_view document);

}  // namespace feedd::encoding
