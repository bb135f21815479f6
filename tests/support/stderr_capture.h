// Points file descriptor 2 at a scratch file for its lifetime, so a test can
// see what a C library (libxml2, say) printed behind its back.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

namespace feedd::test {

class StderrCapture {
 public:
  StderrCapture();
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  ~StderrCapture() { restore(); }

  // Puts stderr back and returns what was written to it meanwhile.
  std::string finish();

 private:
  struct FileCloser {
    void operator()(std::FILE* file) const noexcept { std::fclose(file); }
  };

  void restore();

  std::unique_ptr<std::FILE, FileCloser> scratch_;
  int saved_ = -1;
};

}  // namespace feedd::test
