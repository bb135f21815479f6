#include "fetchers/text/charset_guess.h"

#include <uchardet.h>

#include <algorithm>
#include <memory>

#include "fetchers/text/encoding.h"

namespace feedd::encoding {
namespace {

// Enough text for the byte-pair statistics to tell the CJK charsets apart,
// read in well under a millisecond.
constexpr std::size_t kSampleBytes = 256 * 1024;

// A handful of stray bytes in UTF-8 text is damage, not another charset;
// guessing would turn the whole document into mojibake to save them.
constexpr std::size_t kMinimumForeignBytes = 16;

struct Counts {
  std::size_t utf8 = 0;     // bytes of well-formed multi-byte UTF-8 sequences
  std::size_t foreign = 0;  // bytes above 0x7F that are not
};

Counts count_non_ascii(std::string_view text) {
  Counts counts;
  while (!text.empty()) {
    const auto lead = static_cast<unsigned char>(text.front());
    if (lead < 0x80) {
      text.remove_prefix(1);
      continue;
    }
    const std::size_t length = utf8_sequence_length(text);
    if (length == 0) {
      ++counts.foreign;
      text.remove_prefix(1);
    } else {
      counts.utf8 += length;
      text.remove_prefix(length);
    }
  }
  return counts;
}

struct DetectorDeleter {
  void operator()(uchardet_t detector) const noexcept { uchardet_delete(detector); }
};
using Detector = std::unique_ptr<std::remove_pointer_t<uchardet_t>, DetectorDeleter>;

}  // namespace

std::optional<std::string> guess_legacy_charset(std::string_view document) {
  const std::string_view sample = document.substr(0, kSampleBytes);
  const Counts counts = count_non_ascii(sample);
  // EUC-JP and Big5 byte pairs often look like UTF-8 sequences by chance,
  // so a legacy document can have more such bytes than foreign ones; UTF-8
  // damaged in transit has far fewer.
  if (counts.foreign < kMinimumForeignBytes || counts.foreign * 4 < counts.utf8) return std::nullopt;
  const Detector detector(uchardet_new());
  if (!detector) return std::nullopt;
  if (uchardet_handle_data(detector.get(), sample.data(), sample.size()) != 0) return std::nullopt;
  uchardet_data_end(detector.get());
  const char* name = uchardet_get_charset(detector.get());
  if (name == nullptr || *name == '\0') return std::nullopt;
  std::string charset(name);
  std::string upper = charset;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
  if (upper == "ASCII" || upper == "UTF-8") return std::nullopt;
  return charset;
}

}  // namespace feedd::encoding
