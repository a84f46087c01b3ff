// SHA-256 (FIPS 180-4), enough to store access tokens hashed without a crypto
// dependency. Not constant-time; do not use it for anything but hashing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace expertmatch::api {

// The 32-byte digest of `data`.
std::array<uint8_t, 32> sha256(std::string_view data);
// The digest as 64 lowercase hex characters.
std::string sha256_hex(std::string_view data);

}  // namespace expertmatch::api
