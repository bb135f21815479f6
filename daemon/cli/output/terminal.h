// Text laid out for a terminal: how wide it is, and how many columns a string
// takes there. CJK characters take two columns, combining marks none, so
// source names such as 联合早报 line up with Latin ones.
#pragma once

#include <string>
#include <string_view>

namespace feedd {

// Columns of the terminal on `fd` (TIOCGWINSZ); else $COLUMNS; else 0,
// meaning "no limit" (output to a file or a pipe).
int terminal_columns(int fd);

// Columns `c` takes: 2 for East Asian Wide and Fullwidth characters (UAX #11)
// and emoji, 0 for combining marks, zero-width and control characters, else 1.
int char_width(char32_t c);

// Columns `text` (UTF-8) takes.
int display_width(std::string_view text);

// `text` cut to at most `width` columns, ending in "…" when cut. Control
// characters become spaces, so a message cannot move the cursor.
std::string fit_width(std::string_view text, int width);

// `text` fitted to exactly `width` columns: cut as fit_width does, then
// padded with spaces on the right (or the left for numbers).
enum class Align { left, right };
std::string pad_width(std::string_view text, int width, Align align = Align::left);

}  // namespace feedd
