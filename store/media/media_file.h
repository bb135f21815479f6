// A media file kept by content: its name is the SHA-256 of its bytes (hex)
// and its type's extension, so the same image from two addresses, entries or
// sources is one file, and a name never needs to change.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace feedd::media {

// Lower-case hex SHA-256 of `bytes` (OpenSSL's libcrypto). Throws
// std::runtime_error if the digest cannot be computed.
std::string sha256_hex(std::string_view bytes);

// "<sha256>.<extension>"
std::string media_file_name(std::string_view bytes, std::string_view extension);

// Writes `bytes` as `name` in `folder` (created when missing), atomically
// (store/atomic_file.h), unless a file of that name is there already.
// Throws std::system_error naming the file.
void store_media_file(const std::filesystem::path& folder, const std::string& name, std::string_view bytes);

}  // namespace feedd::media
