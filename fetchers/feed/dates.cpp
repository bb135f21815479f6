// Feed dates are read by two small hand-written parsers instead of strptime:
// strptime follows the process locale, and feeds break every format in ways
// one pattern cannot absorb. parse_iso takes the numeric ISO 8601 family;
// parse_written takes everything written for people (RFC 822 and its
// descendants, asctime, JavaScript's Date, Korean and Greek blogs) as a bag
// of tokens whose kind says which field they fill.
#include "fetchers/feed/dates.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>

namespace feedd::dates {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// No real date is this long; refusing longer text keeps the cost per entry
// flat whatever a feed puts in the field.
constexpr std::size_t kMaxDateLength = 256;

// The instants RFC 3339 can write: years 0000 to 9999, UTC. parse keeps
// to them too, so whatever it returns survives format_rfc3339.
constexpr UnixMillis kFirst =
    std::chrono::duration_cast<milliseconds>(date::sys_days{date::year{0} / 1 / 1}.time_since_epoch()).count();
constexpr UnixMillis kLast =
    std::chrono::duration_cast<milliseconds>(date::sys_days{date::year{10000} / 1 / 1}.time_since_epoch()).count() -
    1;

enum class ZoneKind {
  none,    // no zone written: read in the default zone
  offset,  // a fixed offset from UTC
  cst,     // "CST", which means different things to different feeds
  named,   // an IANA name such as "Etc/GMT"
};

struct Zone {
  ZoneKind kind = ZoneKind::none;
  int offset_minutes = 0;  // east of UTC, for ZoneKind::offset
  std::string_view name;   // for ZoneKind::named; views the input text
};

// A date as written, not yet checked against the calendar.
struct Fields {
  int year = 0;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
  Zone zone;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Month and weekday names in Greek, Hungarian and Korean are UTF-8, so any
// non-ASCII byte may belong to a word.
bool is_word_byte(char c) { return is_ascii_letter(c) || static_cast<unsigned char>(c) >= 0x80; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ascii_space(text.back())) text.remove_suffix(1);
  return text;
}

// RFC 2822's rule for two-digit years, used for ISO 8601:1988's too.
int expand_two_digit_year(int year) { return year < 50 ? 2000 + year : 1900 + year; }

// A read position in the text. Every look-ahead is bounds-checked, so the
// parsers can peek freely at truncated input.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  std::string_view rest() const { return text_.substr(std::min(pos_, text_.size())); }
  void skip(std::size_t count) { pos_ = std::min(pos_ + count, text_.size()); }

  bool eat(char c) {
    if (done() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool eat(std::string_view literal) {
    if (!rest().starts_with(literal)) return false;
    pos_ += literal.size();
    return true;
  }

  std::size_t digit_run() const {
    std::size_t count = 0;
    while (is_digit(peek(count))) ++count;
    return count;
  }

  // Exactly `count` digits (at most 9, so the value fits an int).
  std::optional<int> number(std::size_t count) {
    if (count == 0 || count > 9 || digit_run() < count) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) value = value * 10 + (text_[pos_ + i] - '0');
    pos_ += count;
    return value;
  }

  std::string_view take_while(bool (*accept)(char)) {
    const std::size_t start = pos_;
    while (!done() && accept(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// The digits after a decimal point: milliseconds are kept, finer digits are
// read and dropped, since UnixMillis cannot hold them.
std::optional<int> read_fraction(Cursor& c) {
  const std::size_t run = c.digit_run();
  if (run == 0) return std::nullopt;
  const std::size_t kept = std::min<std::size_t>(run, 3);
  int millis = *c.number(kept);
  for (std::size_t i = kept; i < 3; ++i) millis *= 10;
  c.skip(run - kept);
  return millis;
}

// "+08", "+0800", "+08:00"; with `lenient` also the "+8" and "+8:00" that
// follow "GMT". Minutes east of UTC.
std::optional<int> read_offset(Cursor& c, bool lenient) {
  const int sign = c.eat('+') ? 1 : c.eat('-') ? -1 : 0;
  if (sign == 0) return std::nullopt;
  const std::size_t run = c.digit_run();
  int hour = 0;
  int minute = 0;
  if (run == 4) {
    hour = *c.number(2);
    minute = *c.number(2);
  } else if (run == 2 || (lenient && run == 1)) {
    hour = *c.number(run);
    if (c.eat(':')) {
      if (c.digit_run() != 2) return std::nullopt;
      minute = *c.number(2);
    }
  } else {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59) return std::nullopt;
  return sign * (hour * 60 + minute);
}

// ---------------------------------------------------------------------------
// Names

// Lower case without diacritics, for the scripts feed dates are written in
// (Latin-1, Hungarian's double acute, Greek), so "JULY", "július" and "Ιούλ"
// all meet their table entries. Other code points pass through unchanged.
char32_t fold_code_point(char32_t cp) {
  // U+00C0..U+00FF by base letter; '*' where there is none (Æ, ×, ß, ...).
  constexpr std::string_view kLatin1 =
      "aaaaaa*ceeeeiiii*nooooo*ouuuuy**"
      "aaaaaa*ceeeeiiii*nooooo*ouuuuy*y";
  if (cp >= 0xC0 && cp <= 0xFF) {
    const char base = kLatin1[cp - 0xC0];
    if (base != '*') return static_cast<char32_t>(base);
    const bool upper = cp < 0xE0 && cp != 0xD7 && cp != 0xDF;
    return upper ? cp + 0x20 : cp;
  }
  switch (cp) {
    case 0x150: case 0x151: return U'o';
    case 0x170: case 0x171: return U'u';
    case 0x386: case 0x3AC: return U'α';
    case 0x388: case 0x3AD: return U'ε';
    case 0x389: case 0x3AE: return U'η';
    case 0x38A: case 0x3AF: case 0x390: case 0x3AA: case 0x3CA: return U'ι';
    case 0x38C: case 0x3CC: return U'ο';
    case 0x38E: case 0x3CD: case 0x3B0: case 0x3AB: case 0x3CB: return U'υ';
    case 0x38F: case 0x3CE: return U'ω';
    case 0x3C2: return U'σ';
    default: break;
  }
  if (cp >= 0x391 && cp <= 0x3A9) return cp + 0x20;
  return cp;
}

// A folded word in a fixed buffer, so reading names never allocates.
class FoldedWord {
 public:
  explicit FoldedWord(std::string_view word) {
    for (std::size_t i = 0; i < word.size();) {
      const auto lead = static_cast<unsigned char>(word[i]);
      if (lead < 0x80) {
        put(static_cast<char32_t>(lead >= 'A' && lead <= 'Z' ? lead + 0x20 : lead));
        i += 1;
      } else if (lead >= 0xC2 && lead <= 0xDF && i + 1 < word.size()) {
        const auto next = static_cast<unsigned char>(word[i + 1]);
        put(fold_code_point(static_cast<char32_t>(((lead & 0x1F) << 6) | (next & 0x3F))));
        i += 2;
      } else {
        put_byte(word[i]);  // three-byte scripts (Korean) are matched as written
        i += 1;
      }
    }
  }

  // Empty when the word is longer than any name in the tables.
  std::string_view view() const { return overflow_ ? std::string_view{} : std::string_view(buffer_.data(), size_); }

 private:
  void put(char32_t cp) {
    if (cp < 0x80) {
      put_byte(static_cast<char>(cp));
    } else {  // everything fold_code_point returns fits two bytes
      put_byte(static_cast<char>(0xC0 | (cp >> 6)));
      put_byte(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  void put_byte(char byte) {
    if (size_ == buffer_.size()) {
      overflow_ = true;
      return;
    }
    buffer_[size_++] = byte;
  }

  std::array<char, 24> buffer_{};
  std::size_t size_ = 0;
  bool overflow_ = false;
};

struct Name {
  std::string_view text;  // folded
  int value;
};

constexpr std::array kMonths = {
    Name{"jan", 1},        Name{"january", 1},    Name{"januar", 1},     Name{"ιαν", 1},
    Name{"feb", 2},        Name{"february", 2},   Name{"februar", 2},    Name{"febr", 2},
    Name{"φεβ", 2},        Name{"mar", 3},        Name{"march", 3},      Name{"marcius", 3},
    Name{"marc", 3},       Name{"μαρ", 3},        Name{"apr", 4},        Name{"april", 4},
    Name{"aprilis", 4},    Name{"απρ", 4},        Name{"may", 5},        Name{"majus", 5},
    Name{"maj", 5},        Name{"μαι", 5},        Name{"jun", 6},        Name{"june", 6},
    Name{"junius", 6},     Name{"ιουν", 6},       Name{"jul", 7},        Name{"july", 7},
    Name{"julius", 7},     Name{"ιουλ", 7},       Name{"aug", 8},        Name{"august", 8},
    Name{"augusztus", 8},  Name{"αυγ", 8},        Name{"sep", 9},        Name{"sept", 9},
    Name{"september", 9},  Name{"szeptember", 9}, Name{"szept", 9},      Name{"σεπ", 9},
    Name{"oct", 10},       Name{"october", 10},   Name{"oktober", 10},   Name{"okt", 10},
    Name{"οκτ", 10},       Name{"nov", 11},       Name{"november", 11},  Name{"νοε", 11},
    Name{"dec", 12},       Name{"december", 12},  Name{"δεκ", 12},
};

// Weekdays are redundant with the date (and often wrong in feeds), so they
// are recognised only to be skipped.
constexpr std::array<std::string_view, 24> kWeekdays = {
    "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur",
    "thurs", "thursday", "fri", "friday", "sat", "saturday", "sun", "sunday",
    "κυρ", "δευ", "τρι", "τετ", "πεμ", "παρ", "σαβ",
};

constexpr int kCst = 1 << 20;  // marks "CST" in kZones; no real offset is this big

// Only names with one meaning in feeds; "IST" or "BST" would be guesses.
// AT/ET/CT/MT/PT are the US generic names, read as standard time.
constexpr std::array kZones = {
    Name{"ut", 0},      Name{"utc", 0},     Name{"gmt", 0},     Name{"z", 0},
    Name{"est", -300},  Name{"edt", -240},  Name{"cst", kCst},  Name{"cdt", -300},
    Name{"mst", -420},  Name{"mdt", -360},  Name{"pst", -480},  Name{"pdt", -420},
    Name{"at", -240},   Name{"et", -300},   Name{"ct", -360},   Name{"mt", -420},
    Name{"pt", -480},   Name{"met", 60},    Name{"mest", 120},  Name{"cet", 60},
    Name{"cest", 120},  Name{"eet", 120},   Name{"eest", 180},
};

std::optional<int> find_name(std::string_view folded, const auto& table) {
  for (const Name& name : table) {
    if (name.text == folded) return name.value;
  }
  return std::nullopt;
}

bool is_weekday(std::string_view folded) {
  return std::find(kWeekdays.begin(), kWeekdays.end(), folded) != kWeekdays.end();
}

// RFC 822's single letters: A..I, K..M are -1..-12 hours and N..Y +1..+12.
// RFC 1123 notes these signs are the reverse of military use. We keep RFC
// 822's, because a writer emitting a single letter took it from RFC 822
// (feedparser, whose cases we conform to, does the same). J is not a zone.
std::optional<int> military_zone(std::string_view folded) {
  if (folded.size() != 1) return std::nullopt;
  const char letter = folded.front();
  if (letter >= 'a' && letter <= 'i') return -(letter - 'a' + 1) * 60;
  if (letter >= 'k' && letter <= 'm') return -(letter - 'k' + 10) * 60;
  if (letter >= 'n' && letter <= 'y') return (letter - 'n' + 1) * 60;
  if (letter == 'z') return 0;
  return std::nullopt;
}

std::optional<Zone> zone_from_name(std::string_view folded) {
  std::optional<int> offset = find_name(folded, kZones);
  if (!offset) offset = military_zone(folded);
  if (!offset) return std::nullopt;
  if (*offset == kCst) return Zone{ZoneKind::cst, 0, {}};
  return Zone{ZoneKind::offset, *offset, {}};
}

// ---------------------------------------------------------------------------
// ISO 8601 / RFC 3339 / W3DTF

// Day `ordinal` of f.year, as month and day.
bool set_ordinal(Fields& f, int ordinal) {
  const date::year year{f.year};
  if (ordinal < 1 || ordinal > (year.is_leap() ? 366 : 365)) return false;
  const date::year_month_day ymd{date::sys_days{year / 1 / 1} + date::days{ordinal - 1}};
  f.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  f.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  return true;
}

// "2003-12", "2003-12-31", "2003-335", "2003-012-31" (a zero-padded month
// seen in the wild) and "2004-július-13", after "YYYY-".
bool iso_extended_after_year(Cursor& c, Fields& f, bool& has_day) {
  std::size_t run = c.digit_run();
  if (run == 3 && c.peek(3) == '-' && c.peek() == '0') {
    c.skip(1);
    run = 2;
  }
  if (run == 0 && is_word_byte(c.peek())) {
    const auto month = find_name(FoldedWord(c.take_while(is_word_byte)).view(), kMonths);
    if (!month || !c.eat('-') || c.digit_run() != 2) return false;
    f.month = *month;
    f.day = *c.number(2);
    has_day = true;
    return true;
  }
  if (run == 3) {
    has_day = true;
    return set_ordinal(f, *c.number(3));
  }
  if (run != 2) return false;
  f.month = *c.number(2);
  if (!c.eat('-')) return true;
  if (c.digit_run() != 2) return false;
  f.day = *c.number(2);
  has_day = true;
  return true;
}

// The date part, by the length of its leading digit run. A run of five
// ("03335", YYDDD) is refused: "22013" is as likely a five-digit year.
bool iso_date(Cursor& c, Fields& f, bool& has_day) {
  if (c.eat('-')) {  // ISO 8601:1988's "-YYMM" and "-YY-MM": century implied
    if (c.digit_run() < 2) return false;
    f.year = expand_two_digit_year(*c.number(2));
    c.eat('-');
    if (c.digit_run() != 2) return false;
    f.month = *c.number(2);
    return c.done();
  }
  has_day = true;
  switch (c.digit_run()) {
    case 2:  // YY-MM-DD
      f.year = expand_two_digit_year(*c.number(2));
      if (!c.eat('-') || c.digit_run() != 2) return false;
      f.month = *c.number(2);
      if (!c.eat('-') || c.digit_run() != 2) return false;
      f.day = *c.number(2);
      return true;
    case 6:  // YYMMDD
      f.year = expand_two_digit_year(*c.number(2));
      f.month = *c.number(2);
      f.day = *c.number(2);
      return true;
    case 7:  // YYYYDDD
      f.year = *c.number(4);
      return set_ordinal(f, *c.number(3));
    case 8:  // YYYYMMDD
      f.year = *c.number(4);
      f.month = *c.number(2);
      f.day = *c.number(2);
      return true;
    case 4:
      f.year = *c.number(4);
      has_day = false;
      return !c.eat('-') || iso_extended_after_year(c, f, has_day);
    default:
      return false;
  }
}

// "10:14:55.123", "10:14", "101455", "9:15" (one-digit hours occur with colons).
bool iso_time(Cursor& c, Fields& f) {
  const std::size_t run = c.digit_run();
  if (c.peek(run) == ':') {
    if (run < 1 || run > 2) return false;
    f.hour = *c.number(run);
    c.eat(':');
    if (c.digit_run() != 2) return false;
    f.minute = *c.number(2);
    if (c.eat(':')) {
      if (c.digit_run() != 2) return false;
      f.second = *c.number(2);
    } else {
      return true;
    }
  } else {
    if (run != 2 && run != 4 && run != 6) return false;
    f.hour = *c.number(2);
    if (run >= 4) f.minute = *c.number(2);
    if (run < 6) return true;
    f.second = *c.number(2);
  }
  if (c.peek() == '.' || c.peek() == ',') {
    c.skip(1);
    const auto millis = read_fraction(c);
    if (!millis) return false;
    f.millis = *millis;
  }
  return true;
}

bool iso_zone(Cursor& c, Fields& f) {
  if (c.peek() == ' ' && (c.peek(1) == '+' || c.peek(1) == '-' || c.peek(1) == 'Z')) c.skip(1);
  if (c.eat('Z') || c.eat('z')) {
    f.zone = {ZoneKind::offset, 0, {}};
    return true;
  }
  if (c.peek() != '+' && c.peek() != '-') return true;
  const auto offset = read_offset(c, false);
  if (!offset) return false;
  f.zone = {ZoneKind::offset, *offset, {}};
  return true;
}

std::optional<Fields> parse_iso(std::string_view text) {
  Cursor c(text);
  Fields f;
  bool has_day = false;
  if (!iso_date(c, f, has_day)) return std::nullopt;
  if (c.done()) return f;
  // A time needs a whole date to belong to.
  const char separator = c.peek();
  if (!has_day || (separator != 'T' && separator != 't' && separator != ' ')) return std::nullopt;
  c.skip(1);
  if (!iso_time(c, f) || !iso_zone(c, f) || !c.done()) return std::nullopt;
  return f;
}

// ---------------------------------------------------------------------------
// Dates written for people

// Tokens fill fields by their shape: a month name, a "10:14:55" time, a zone
// name or offset, a four-digit year; of the small numbers, the first is the
// day and the second a two-digit year. Anything unrecognised rejects the text.
class WrittenDate {
 public:
  bool read(Cursor& c) {
    const char next = c.peek();
    if (next == '(') return skip_comment(c);
    if (is_digit(next)) return read_numeric(c);
    if ((next == '+' || next == '-') && is_digit(c.peek(1))) return read_zone_offset(c, false);
    if (is_word_byte(next)) return read_word(c);
    return false;
  }

  std::optional<Fields> finish() {
    if (!has_year_ || !has_month_ || !has_day_) return std::nullopt;
    if (meridiem_ != Meridiem::none) {
      if (!has_time_ || f_.hour < 1 || f_.hour > 12) return std::nullopt;
      f_.hour = f_.hour % 12 + (meridiem_ == Meridiem::pm ? 12 : 0);
    }
    return f_;
  }

 private:
  enum class Meridiem { none, am, pm };

  // RFC 822 comments, such as "(PDT)" or JavaScript's "(China Standard Time)".
  static bool skip_comment(Cursor& c) {
    const std::size_t close = c.rest().find(')');
    if (close == std::string_view::npos) return false;
    c.skip(close + 1);
    return true;
  }

  bool read_numeric(Cursor& c) {
    const std::size_t run = c.digit_run();
    if (c.peek(run) == ':') return read_time(c);
    if (run == 4 && (c.peek(4) == '-' || c.peek(4) == '/')) return read_numeric_date(c);
    if (run > 4) return false;
    const int value = *c.number(run);
    if (c.eat("년")) return set(has_year_, f_.year, run <= 2 ? expand_two_digit_year(value) : value);
    if (c.eat("월")) return set(has_month_, f_.month, value);
    if (c.eat("일")) return set(has_day_, f_.day, value);
    // RFC 850's "06-Nov-94".
    if (c.peek() == '-' && is_word_byte(c.peek(1))) c.skip(1);
    if (run == 4) return set(has_year_, f_.year, value);
    if (run == 3) return set(has_year_, f_.year, 1900 + value);  // RFC 2822's obsolete year
    if (!has_day_) return set(has_day_, f_.day, value);
    return set(has_year_, f_.year, expand_two_digit_year(value));
  }

  // "2006/09/15" or "2004-05-25": year first, so never ambiguous.
  bool read_numeric_date(Cursor& c) {
    const int year = *c.number(4);
    const char separator = c.peek();
    c.skip(1);
    const std::size_t month_run = c.digit_run();
    if (month_run < 1 || month_run > 2) return false;
    const int month = *c.number(month_run);
    if (!c.eat(separator)) return false;
    const std::size_t day_run = c.digit_run();
    if (day_run < 1 || day_run > 2) return false;
    const int day = *c.number(day_run);
    // "2003-12-31T..." is ISO's; if parse_iso refused it, so do we.
    if (!c.done() && !is_ascii_space(c.peek()) && c.peek() != ',') return false;
    return set(has_year_, f_.year, year) && set(has_month_, f_.month, month) &&
           set(has_day_, f_.day, day);
  }

  bool read_time(Cursor& c) {
    if (has_time_) return false;
    has_time_ = true;
    const std::size_t run = c.digit_run();
    if (run > 2) return false;
    f_.hour = *c.number(run);
    c.eat(':');
    if (c.digit_run() != 2) return false;
    f_.minute = *c.number(2);
    if (!c.eat(':')) return true;
    if (c.digit_run() != 2) return false;
    f_.second = *c.number(2);
    if (c.peek() == '.' && is_digit(c.peek(1))) {
      c.skip(1);
      f_.millis = *read_fraction(c);
    }
    return true;
  }

  bool read_zone_offset(Cursor& c, bool lenient) {
    const auto offset = read_offset(c, lenient);
    return offset && set_zone({ZoneKind::offset, *offset, {}});
  }

  bool read_word(Cursor& c) {
    const std::string_view start = c.rest();
    const std::string_view word = c.take_while(is_word_byte);
    if (c.peek() == '/' && is_ascii_letter(c.peek(1))) return read_zone_name(c, start);
    const FoldedWord folded(word);
    const std::string_view name = folded.view();
    if (const auto month = find_name(name, kMonths)) {
      if (c.peek() == '-' && is_digit(c.peek(1))) c.skip(1);  // RFC 850's "Nov-94"
      return set(has_month_, f_.month, *month);
    }
    if (is_weekday(name)) return true;
    if (name == "am" || name == "오전") return set_meridiem(Meridiem::am);
    if (name == "pm" || name == "오후") return set_meridiem(Meridiem::pm);
    if ((name == "gmt" || name == "utc" || name == "ut") && (c.peek() == '+' || c.peek() == '-')) {
      return read_zone_offset(c, true);  // "GMT+8", "GMT-01:01"
    }
    const auto zone = zone_from_name(name);
    return zone && set_zone(*zone);
  }

  // An IANA name such as "Asia/Shanghai" or "Etc/GMT+5"; `start` is where
  // its first word began.
  bool read_zone_name(Cursor& c, std::string_view start) {
    c.take_while([](char ch) {
      return is_ascii_letter(ch) || is_digit(ch) || ch == '/' || ch == '_' || ch == '+' || ch == '-';
    });
    return set_zone({ZoneKind::named, 0, start.substr(0, start.size() - c.rest().size())});
  }

  static bool set(bool& has, int& field, int value) {
    if (has) return false;
    has = true;
    field = value;
    return true;
  }
  bool set_zone(Zone zone) {
    if (has_zone_) return false;
    has_zone_ = true;
    f_.zone = zone;
    return true;
  }
  bool set_meridiem(Meridiem meridiem) {
    if (meridiem_ != Meridiem::none) return false;
    meridiem_ = meridiem;
    return true;
  }

  Fields f_;
  bool has_year_ = false;
  bool has_month_ = false;
  bool has_day_ = false;
  bool has_time_ = false;
  bool has_zone_ = false;
  Meridiem meridiem_ = Meridiem::none;
};

// Commas, periods ("GMT.") and no-break spaces only separate tokens.
void skip_separators(Cursor& c) {
  while (!c.done()) {
    if (is_ascii_space(c.peek()) || c.peek() == ',' || c.peek() == '.') {
      c.skip(1);
    } else if (!c.eat("\xC2\xA0")) {
      return;
    }
  }
}

std::optional<Fields> parse_written(std::string_view text) {
  Cursor c(text);
  WrittenDate date;
  for (skip_separators(c); !c.done(); skip_separators(c)) {
    if (!date.read(c)) return std::nullopt;
  }
  return date.finish();
}

// ---------------------------------------------------------------------------
// From fields to an instant

// nullptr when the name is unknown or the zone database cannot be read.
const date::time_zone* find_zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// UTC under any of its names (UTC, Etc/GMT, Zulu, ...): zero offset, and no
// transition anywhere in the years a date can have.
bool is_always_utc(const date::time_zone& zone) {
  try {
    const auto info = zone.get_info(date::sys_days{date::year{2000} / 1 / 1});
    return info.offset == seconds{0} && info.begin <= date::sys_days{date::year{0} / 1 / 1} &&
           info.end >= date::sys_days{date::year{10000} / 1 / 1};
  } catch (const std::exception&) {
    return false;
  }
}

// The zone for times written without one; nullptr stands for UTC, which is
// also what an unknown name falls back to.
const date::time_zone* default_zone(std::string_view name) {
  if (name.empty() || name == "UTC") return nullptr;  // the usual case skips the lookup
  const date::time_zone* zone = find_zone(name);
  return zone != nullptr && !is_always_utc(*zone) ? zone : nullptr;
}

// A local time that a DST change skips reads as the instant of the change;
// one that occurs twice reads as the earlier.
std::optional<date::sys_seconds> in_zone(const date::time_zone* zone, date::local_seconds local) {
  if (zone == nullptr) return date::sys_seconds{local.time_since_epoch()};
  try {
    return zone->to_sys(local, date::choose::earliest);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<date::sys_seconds> to_utc(const Zone& zone, date::local_seconds local,
                                        std::string_view default_timezone) {
  switch (zone.kind) {
    case ZoneKind::offset:
      return date::sys_seconds{local.time_since_epoch()} - minutes{zone.offset_minutes};
    case ZoneKind::none:
      return in_zone(default_zone(default_timezone), local);
    case ZoneKind::cst: {
      // "CST" is China Standard Time to Chinese feeds and Central Standard
      // Time to American ones; the feed's configured zone is the only
      // evidence of which. A feed left at UTC has said nothing, so CST keeps
      // the US meaning that RFC 822 gives it.
      const date::time_zone* configured = default_zone(default_timezone);
      if (configured == nullptr) return date::sys_seconds{local.time_since_epoch()} + hours{6};
      return in_zone(configured, local);
    }
    case ZoneKind::named: {
      const date::time_zone* named = find_zone(zone.name);
      if (named == nullptr) return std::nullopt;  // an unknown zone is not UTC
      return in_zone(named, local);
    }
  }
  return std::nullopt;
}

std::optional<UnixMillis> to_instant(const Fields& f, std::string_view default_timezone) {
  if (f.year < 0 || f.year > 9999 || f.month < 1 || f.month > 12 || f.day < 1) return std::nullopt;
  const date::year_month_day ymd{date::year{f.year}, date::month{static_cast<unsigned>(f.month)},
                                 date::day{static_cast<unsigned>(f.day)}};
  if (!ymd.ok() || f.hour > 23 || f.minute > 59 || f.second > 60) return std::nullopt;
  // UnixMillis has no leap seconds: ":60" reads as ":59", and only where a
  // leap second can be, the last second of a UTC day.
  const bool leap_second = f.second == 60;
  const date::local_seconds local = date::local_days{ymd} + hours{f.hour} + minutes{f.minute} +
                                    seconds{leap_second ? 59 : f.second};
  const auto utc = to_utc(f.zone, local, default_timezone);
  if (!utc) return std::nullopt;
  if (leap_second && *utc - date::floor<date::days>(*utc) != date::days{1} - seconds{1}) {
    return std::nullopt;
  }
  const UnixMillis millis = utc->time_since_epoch().count() * 1000 + f.millis;
  if (millis < kFirst || millis > kLast) return std::nullopt;  // "0000-01-01T00:00+01:00"
  return millis;
}

}  // namespace

std::optional<UnixMillis> parse(std::string_view text, std::string_view default_timezone) {
  text = trim(text);
  if (text.empty() || text.size() > kMaxDateLength) return std::nullopt;
  std::optional<Fields> fields;
  if (is_digit(text.front()) || text.front() == '-') fields = parse_iso(text);
  if (!fields) fields = parse_written(text);
  if (!fields) return std::nullopt;
  return to_instant(*fields, default_timezone);
}

std::string format_rfc3339(UnixMillis t) {
  // RFC 3339 has four-digit years only; clamping also keeps date::year,
  // a short, from overflowing.
  const date::sys_time<milliseconds> instant{milliseconds{std::clamp(t, kFirst, kLast)}};
  const auto day = date::floor<date::days>(instant);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss time{instant - day};
  std::string text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                                 static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                 time.hours().count(), time.minutes().count(), time.seconds().count());
  if (const auto millis = time.subseconds().count(); millis != 0) text += fmt::format(".{:03}", millis);
  text += 'Z';
  return text;
}

std::optional<UnixMillis> parse_rfc3339(std::string_view text) {
  Cursor c(text);
  Fields f;
  const auto two_digits = [&c](int& field) {
    if (c.digit_run() < 2) return false;
    field = *c.number(2);
    return true;
  };
  if (c.digit_run() < 4) return std::nullopt;
  f.year = *c.number(4);
  if (!c.eat('-') || !two_digits(f.month) || !c.eat('-') || !two_digits(f.day)) return std::nullopt;
  if (!(c.eat('T') || c.eat('t'))) return std::nullopt;
  if (!two_digits(f.hour) || !c.eat(':') || !two_digits(f.minute) || !c.eat(':') ||
      !two_digits(f.second)) {
    return std::nullopt;
  }
  if (c.eat('.')) {
    const auto millis = read_fraction(c);
    if (!millis) return std::nullopt;
    f.millis = *millis;
  }
  if (c.eat('Z') || c.eat('z')) {
    f.zone = {ZoneKind::offset, 0, {}};
  } else {
    // RFC 3339 offsets always have the colon.
    const int sign = c.eat('+') ? 1 : c.eat('-') ? -1 : 0;
    int hour = 0;
    int minute = 0;
    if (sign == 0 || !two_digits(hour) || !c.eat(':') || !two_digits(minute) || hour > 23 || minute > 59) {
      return std::nullopt;
    }
    f.zone = {ZoneKind::offset, sign * (hour * 60 + minute), {}};
  }
  if (!c.done()) return std::nullopt;
  return to_instant(f, "UTC");
}

}  // namespace feedd::dates
