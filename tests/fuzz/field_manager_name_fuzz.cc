// User-Agent -> field manager: never crashes; the name is valid UTF-8 of printable characters,
// at most 128 bytes, with no '/'.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "apiserver/field_manager_name.h"

namespace {
// ValidUtf8: well-formed, shortest form, no surrogates.
bool ValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80             ? 1
               : (b & 0xE0) == 0xC0 ? 2
               : (b & 0xF0) == 0xE0 ? 3
               : (b & 0xF8) == 0xF0 ? 4
                                    : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t r = n == 1 ? b : b & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      unsigned char c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      r = (r << 6) | (c & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (r < kMin[n] || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return false;
    if (r < 0x20 || r == 0x7F) return false;
    i += n;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view ua(reinterpret_cast<const char*>(data), size);
  std::string manager = tinyk8s::apiserver::FieldManagerFromUserAgent(ua);
  if (manager.size() > 128 || manager.find('/') != std::string::npos || !ValidUtf8(manager)) {
    abort();
  }
  return 0;
}
