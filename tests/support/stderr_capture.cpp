#include "tests/support/stderr_capture.h"

#include <unistd.h>

#include <stdexcept>

namespace feedd::test {

StderrCapture::StderrCapture() : scratch_(std::tmpfile()) {
  if (!scratch_) throw std::runtime_error("StderrCapture: tmpfile failed");
  std::fflush(stderr);
  saved_ = ::dup(STDERR_FILENO);
  if (saved_ < 0 || ::dup2(::fileno(scratch_.get()), STDERR_FILENO) < 0) {
    throw std::runtime_error("StderrCapture: cannot redirect stderr");
  }
}

std::string StderrCapture::finish() {
  restore();
  std::string text;
  std::rewind(scratch_.get());
  for (int c = std::fgetc(scratch_.get()); c != EOF; c = std::fgetc(scratch_.get())) {
    text += static_cast<char>(c);
  }
  return text;
}

void StderrCapture::restore() {
  if (saved_ < 0) return;
  std::fflush(stderr);
  ::dup2(saved_, STDERR_FILENO);
  ::close(saved_);
  saved_ = -1;
}

}  // namespace feedd::test
