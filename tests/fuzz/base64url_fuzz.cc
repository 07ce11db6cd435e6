// Strict base64url (JWT segments): never crashes, and what it accepts re-encodes to the same
// bytes (one spelling per value, up to the unused low bits of the last character).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = tinyk8s::Base64UrlDecode(text);
  if (decoded) {
    if (decoded->size() != text.size() * 3 / 4) abort();
    auto again = tinyk8s::Base64UrlDecode(tinyk8s::Base64UrlEncode(*decoded));
    if (!again || *again != *decoded) abort();
  }
  // Any bytes round-trip through the encoder.
  auto round = tinyk8s::Base64UrlDecode(tinyk8s::Base64UrlEncode(text));
  if (!round || *round != text) abort();
  return 0;
}
