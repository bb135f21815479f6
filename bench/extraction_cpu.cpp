// CPU time of article::extract (auto mode) per page, for
// bench/extraction_bench.sh: each page is extracted `rounds` times and its
// median kept, so that the report is the page's cost and not a scheduler's
// hiccup. Prints "FILE MILLISECONDS" per page, then the median over pages.
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fetchers/article/article.h"

namespace {

double cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  constexpr int rounds = 5;
  std::vector<double> per_page;
  for (int i = 1; i < argc; ++i) {
    std::ifstream file(argv[i], std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::vector<double> times;
    std::size_t sink = 0;
    for (int round = 0; round < rounds; ++round) {
      const double start = cpu_ms();
      const auto found = feedd::article::extract(feedd::article::Page{bytes, "", ""}, {});
      times.push_back(cpu_ms() - start);
      sink += found.text_length;
    }
    per_page.push_back(median(times));
    fmt::print("{} {:.3f} {}\n", argv[i], per_page.back(), sink / rounds);
  }
  fmt::print("median {:.3f} ms/page over {} pages\n", median(per_page), per_page.size());
  return 0;
}
