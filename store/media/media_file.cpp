#include "store/media/media_file.h"

#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "store/atomic_file.h"

namespace feedd::media {
namespace {

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  const std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest, &length) != 1) {
    throw std::runtime_error("libcrypto could not compute a SHA-256 digest");
  }
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string media_file_name(std::string_view bytes, std::string_view extension) {
  return fmt::format("{}.{}", sha256_hex(bytes), extension);
}

void store_media_file(const std::filesystem::path& folder, const std::string& name, std::string_view bytes) {
  std::filesystem::create_directories(folder);
  if (std::filesystem::exists(folder / name)) return;  // same name, same bytes
  AtomicBatch batch(folder);
  batch.stage(name, bytes);
  batch.commit();
}

}  // namespace feedd::media
