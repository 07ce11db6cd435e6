#include "apiserver/field_manager_name.h"

namespace tinyk8s::apiserver {

namespace {

constexpr size_t kFieldManagerMaxLength = 128;  // metav1 validation.FieldManagerMaxLength
constexpr char32_t kReplacement = 0xFFFD;

// DecodeRune reads one UTF-8 character at s[0..]; sets *width. Malformed, overlong and surrogate
// encodings give U+FFFD of width 1, as Go's decoder does.
char32_t DecodeRune(std::string_view s, size_t* width) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(0);
  *width = 1;
  if (b0 < 0x80) return b0;
  size_t n = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (n == 0 || b0 > 0xF4 || s.size() < n) return kReplacement;
  char32_t r = b0 & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return kReplacement;
    r = (r << 6) | (byte(i) & 0x3F);
  }
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (r < kMinimum[n] || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return kReplacement;
  *width = n;
  return r;
}

bool InRange(char32_t r, char32_t lo, char32_t hi) { return r >= lo && r <= hi; }

// Go's unicode.IsPrint, less its tables of unassigned code points.
bool IsPrintable(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r != 0x7F;
  if (r <= 0x9F || r == 0xA0 || r == 0xAD)
    return false;  // C1 controls, no-break space, soft hyphen
  if (r == 0x1680 || InRange(r, 0x2000, 0x200F) || InRange(r, 0x2028, 0x202F) ||
      InRange(r, 0x205F, 0x206F) || r == 0x3000 || r == 0xFEFF) {
    return false;  // spaces and line/paragraph separators, bidi and other format controls
  }
  if (InRange(r, 0x600, 0x605) || r == 0x61C || r == 0x6DD || r == 0x70F || r == 0x180E ||
      InRange(r, 0xFFF9, 0xFFFB) || r == 0xE0001 || InRange(r, 0xE0020, 0xE007F)) {
    return false;  // the remaining format characters
  }
  if (InRange(r, 0xE000, 0xF8FF) || r >= 0xF0000) return false;            // private use
  if (InRange(r, 0xFDD0, 0xFDEF) || (r & 0xFFFE) == 0xFFFE) return false;  // noncharacters
  return true;
}

void AppendUtf8(std::string& out, char32_t r) {
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

size_t Utf8Length(char32_t r) { return r < 0x80 ? 1 : r < 0x800 ? 2 : r < 0x10000 ? 3 : 4; }

}  // namespace

std::string FieldManagerFromUserAgent(std::string_view user_agent) {
  std::string_view product = user_agent.substr(0, user_agent.find('/'));
  std::string manager;
  for (size_t i = 0, width = 0; i < product.size(); i += width) {
    char32_t r = DecodeRune(product.substr(i), &width);
    if (!IsPrintable(r)) continue;
    if (manager.size() + Utf8Length(r) > kFieldManagerMaxLength) break;
    AppendUtf8(manager, r);
  }
  return manager;
}

}  // namespace tinyk8s::apiserver
