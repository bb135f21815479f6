// Feed documents in whatever charset they arrive in, turned into UTF-8
// before any parser sees them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace feedd::encoding {

// Where the charset of a document was learnt, strongest first.
enum class CharsetSource { byte_order_mark, xml_declaration, content_type, assumed };

struct Charset {
  std::string name;  // as iconv knows it ("UTF-8", "GB18030", "UTF-16LE", ...)
  CharsetSource source = CharsetSource::assumed;
};

// The charset of `document`: its byte order mark (or, without one, the
// first characters of an XML document in UTF-16 or UTF-32, as XML 1.0
// appendix F reads them), else the encoding of its
// XML declaration, else the charset parameter of `content_type` (an HTTP
// Content-Type value, may be empty), else UTF-8. Labels are widened to the
// superset real producers mean: GB2312 and GBK to GB18030, Big5 to
// Big5-HKSCS, Shift_JIS to CP932, EUC-KR to CP949, ISO-8859-1 to
// windows-1252.
Charset detect_charset(std::string_view document, std::string_view content_type);

// A document in UTF-8, borrowed from the input when it already was valid
// UTF-8 (the common case, so it costs no copy) or owned when it had to be
// transcoded or repaired.
class Utf8Document {
 public:
  static Utf8Document borrow(std::string_view text) { return Utf8Document(text, {}, false); }
  static Utf8Document own(std::string text, std::string guessed_charset = {}) {
    Utf8Document document({}, std::move(text), true);
    document.guessed_charset_ = std::move(guessed_charset);
    return document;
  }

  std::string_view text() const { return owned_ ? std::string_view(storage_) : borrowed_; }
  // The owned bytes, writable (pugixml can then parse in place); nullptr
  // when borrowed.
  std::string* storage() { return owned_ ? &storage_ : nullptr; }
  // The charset the text was decoded from when nothing declared one and it
  // had to be guessed (see guess_legacy_charset); empty otherwise.
  const std::string& guessed_charset() const { return guessed_charset_; }

 private:
  Utf8Document(std::string_view borrowed, std::string storage, bool owned)
      : borrowed_(borrowed), storage_(std::move(storage)), owned_(owned) {}

  std::string_view borrowed_;
  std::string storage_;
  bool owned_ = false;
  std::string guessed_charset_;
};

// `document` in UTF-8, without a byte order mark. A document nothing
// declares a charset for and that is not UTF-8 is decoded from the charset
// guess_legacy_charset finds, if any (Utf8Document::guessed_charset). Bytes that are invalid in
// the detected charset become U+FFFD, one per bad byte, and the rest of the
// document is kept. After transcoding, an XML declaration naming the old
// charset is rewritten to say UTF-8, so that no later reader decodes the
// text twice. A charset iconv does not know is read as UTF-8, and so is a
// document that is valid UTF-8 although its declaration or Content-Type
// names a legacy charset (mislabelled servers are common; legacy text is
// next to never valid UTF-8). REQUIRES: `document` outlives the result when
// nothing had to change.
Utf8Document to_utf8(std::string_view document, std::string_view content_type);

// True when `text` is well-formed UTF-8 without NUL characters.
bool is_valid_utf8(std::string_view text);

// Whether `text` holds U+FFFE or U+FFFF (as the bytes EF BF BE or EF BF
// BF, whether or not the rest is well-formed).
bool holds_fffe_or_ffff(std::string_view text);

// is_valid_utf8 one sequence at a time, on any CPU: what the AVX2 check
// (utf8_simd.h) is tested against.
bool is_valid_utf8_bytewise(std::string_view text);

// Length of the well-formed UTF-8 sequence at the start of `text` (not
// empty), or 0 when it starts with an ill-formed one or NUL. For scanners
// that check UTF-8 on the way while doing something else with the bytes.
inline std::size_t utf8_sequence_length(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(0);
  if (lead == 0) return 0;
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t low = 0x80;
  std::uint8_t high = 0xBF;  // the second byte's bounds exclude overlongs and surrogates
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// `text` with each byte that is not part of well-formed UTF-8 (and each NUL)
// replaced by U+FFFD.
std::string repair_utf8(std::string_view text);

// What a numeric reference to `code` means in HTML5: for U+0080..U+009F,
// the character windows-1252 has at that byte ("&#146;" is ’: text written
// in windows-1252 and numbered as if it were Latin-1), except at the five
// bytes where windows-1252 has nothing; any other code as it is.
char32_t html_reference_code(char32_t code);

// `code` appended to `out` in UTF-8; a surrogate or a code past U+10FFFF
// (never a character) as U+FFFD.
void append_utf8(std::string& out, char32_t code);

}  // namespace feedd::encoding
