#include "api/quantity.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace tinyk8s::api {
namespace {

constexpr std::string_view kFormatError =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kNumericError = "unable to parse numeric part of quantity";
constexpr std::string_view kSuffixError = "unable to parse quantity's suffix";

// Exponents beyond this are rejected: real resource amounts never come close, and it bounds the
// size of the digit strings arithmetic has to build.
constexpr int32_t kMaxExponent = 1000;
constexpr int32_t kNanoExponent = -9;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// ---- unsigned decimal digit strings (no leading zeros; "" is zero) --------------------------

std::string StripLeadingZeros(std::string s) {
  size_t i = 0;
  while (i < s.size() && s[i] == '0') ++i;
  return s.substr(i);
}

std::string MulSmall(const std::string& a, uint32_t m) {
  std::string out(a.size() + 12, '0');
  uint64_t carry = 0;
  size_t pos = out.size();
  for (size_t i = a.size(); i-- > 0;) {
    uint64_t cur = static_cast<uint64_t>(a[i] - '0') * m + carry;
    out[--pos] = static_cast<char>('0' + cur % 10);
    carry = cur / 10;
  }
  while (carry > 0) {
    out[--pos] = static_cast<char>('0' + carry % 10);
    carry /= 10;
  }
  return StripLeadingZeros(out.substr(pos));
}

// Returns the remainder; *quotient gets a / d.
uint32_t DivSmall(const std::string& a, uint32_t d, std::string* quotient) {
  std::string q;
  q.reserve(a.size());
  uint64_t rem = 0;
  for (char c : a) {
    rem = rem * 10 + static_cast<uint64_t>(c - '0');
    q += static_cast<char>('0' + rem / d);
    rem %= d;
  }
  *quotient = StripLeadingZeros(q);
  return static_cast<uint32_t>(rem);
}

int CompareMag(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string AddMag(const std::string& a, const std::string& b) {
  std::string out;
  int carry = 0;
  size_t i = a.size(), j = b.size();
  while (i > 0 || j > 0 || carry) {
    int s = carry + (i > 0 ? a[--i] - '0' : 0) + (j > 0 ? b[--j] - '0' : 0);
    out += static_cast<char>('0' + s % 10);
    carry = s / 10;
  }
  std::reverse(out.begin(), out.end());
  return StripLeadingZeros(out);
}

// REQUIRES: a >= b.
std::string SubMag(const std::string& a, const std::string& b) {
  std::string out;
  int borrow = 0;
  size_t i = a.size(), j = b.size();
  while (i > 0) {
    int d = (a[--i] - '0') - borrow - (j > 0 ? b[--j] - '0' : 0);
    borrow = d < 0 ? 1 : 0;
    out += static_cast<char>('0' + (d + 10) % 10);
  }
  std::reverse(out.begin(), out.end());
  return StripLeadingZeros(out);
}

// Rounds digits*10^exp away from zero to an integer multiple of 10^target (target > exp).
void RoundUpToExponent(std::string* digits, int32_t* exp, int32_t target) {
  size_t cut = static_cast<size_t>(target - *exp);
  bool fraction = false;
  std::string kept;
  if (cut >= digits->size()) {
    fraction = !digits->empty();
  } else {
    kept = digits->substr(0, digits->size() - cut);
    fraction = digits->find_first_not_of('0', digits->size() - cut) != std::string::npos;
  }
  if (fraction) kept = AddMag(kept, "1");
  *digits = StripLeadingZeros(kept);
  *exp = digits->empty() ? 0 : target;
}

// digits (>= 0) as int64, saturating.
int64_t ToInt64Saturating(const std::string& digits, bool negative) {
  static const std::string kMax = std::to_string(std::numeric_limits<int64_t>::max());
  if (CompareMag(digits, kMax) > 0) {
    return negative ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  int64_t v = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return negative ? -v : v;
}

struct Suffix {
  int base = 10;
  int32_t exponent = 0;
  Quantity::Format format = Quantity::Format::kDecimalSI;
};

bool InterpretSuffix(std::string_view s, Suffix* out) {
  static constexpr std::pair<std::string_view, int32_t> kDecimal[] = {
      {"n", -9}, {"u", -6}, {"m", -3}, {"", 0},   {"k", 3},
      {"M", 6},  {"G", 9},  {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int32_t> kBinary[] = {
      {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (auto [name, e] : kDecimal) {
    if (s == name) {
      *out = {10, e, Quantity::Format::kDecimalSI};
      return true;
    }
  }
  for (auto [name, e] : kBinary) {
    if (s == name) {
      *out = {2, e, Quantity::Format::kBinarySI};
      return true;
    }
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    std::string_view num = s.substr(1);
    if (num[0] == '+') num.remove_prefix(1);  // Go's ParseInt accepts a leading '+'
    int64_t e = 0;
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), e);
    if (ec != std::errc() || ptr != num.data() + num.size()) return false;
    if (e > kMaxExponent || e < -kMaxExponent) {
      *out = {10, kMaxExponent + 1, Quantity::Format::kDecimalExponent};
      return true;  // reported by Parse as a numeric error
    }
    *out = {10, static_cast<int32_t>(e), Quantity::Format::kDecimalExponent};
    return true;
  }
  return false;
}

std::string_view DecimalSuffix(int32_t exp) {
  switch (exp) {
    case -9:
      return "n";
    case -6:
      return "u";
    case -3:
      return "m";
    case 0:
      return "";
    case 3:
      return "k";
    case 6:
      return "M";
    case 9:
      return "G";
    case 12:
      return "T";
    case 15:
      return "P";
    case 18:
      return "E";
    default:
      return "?";
  }
}

}  // namespace

// Lets free helpers reach the representation without widening the public API.
struct QuantityMath {
  // Aligns both magnitudes to the smaller exponent.
  static void Align(const Quantity& a, const Quantity& b, std::string* da, std::string* db,
                    int32_t* exp) {
    *exp = std::min(a.exponent_, b.exponent_);
    *da = a.digits_.empty() ? "" : a.digits_ + std::string(a.exponent_ - *exp, '0');
    *db = b.digits_.empty() ? "" : b.digits_ + std::string(b.exponent_ - *exp, '0');
  }
  static void AddSigned(Quantity& lhs, const Quantity& rhs, bool negate_rhs) {
    bool rneg = rhs.negative_ != negate_rhs;
    if (rhs.IsZero()) return;
    std::string da, db;
    int32_t exp;
    Align(lhs, rhs, &da, &db, &exp);
    if (lhs.negative_ == rneg || lhs.IsZero()) {
      lhs.negative_ = lhs.IsZero() ? rneg : lhs.negative_;
      lhs.digits_ = AddMag(da, db);
    } else if (CompareMag(da, db) >= 0) {
      lhs.digits_ = SubMag(da, db);
    } else {
      lhs.digits_ = SubMag(db, da);
      lhs.negative_ = rneg;
    }
    lhs.exponent_ = exp;
    lhs.Normalize();
  }
};

void Quantity::Normalize() {
  digits_ = StripLeadingZeros(std::move(digits_));
  if (digits_.empty()) {
    exponent_ = 0;
    negative_ = false;
    return;
  }
  // Trailing zeros move into the exponent so equal values have equal representations.
  size_t last = digits_.find_last_not_of('0');
  size_t zeros = digits_.size() - 1 - last;
  if (zeros > 0) {
    digits_.resize(last + 1);
    exponent_ += static_cast<int32_t>(zeros);
  }
}

Result<Quantity> Quantity::Parse(std::string_view str) {
  if (str.empty()) return Status::BadRequest(std::string(kFormatError));
  Quantity q;
  if (str == "0") {
    q.original_ = "0";
    return q;
  }

  // Scanner with upstream's grammar: sign, digits, optional '.' digits, suffix letters,
  // optional sign, digits.
  size_t pos = 0;
  const size_t end = str.size();
  bool negative = false;
  if (str[0] == '-' || str[0] == '+') {
    negative = str[0] == '-';
    ++pos;
  }
  while (pos < end && str[pos] == '0') ++pos;
  size_t num_start = pos;
  while (pos < end && IsDigit(str[pos])) ++pos;
  std::string_view num = str.substr(num_start, pos - num_start);
  std::string_view denom;
  if (pos < end && str[pos] == '.') {
    size_t d = ++pos;
    while (pos < end && IsDigit(str[pos])) ++pos;
    denom = str.substr(d, pos - d);
  }
  size_t suffix_start = pos;
  while (pos < end && std::string_view("eEinumkKMGTP").find(str[pos]) != std::string_view::npos) {
    ++pos;
  }
  if (pos < end && (str[pos] == '-' || str[pos] == '+')) ++pos;
  while (pos < end && IsDigit(str[pos])) ++pos;
  if (pos != end) return Status::BadRequest(std::string(kFormatError));
  std::string_view suffix_text = str.substr(suffix_start);

  Suffix suffix;
  if (!InterpretSuffix(suffix_text, &suffix)) return Status::BadRequest(std::string(kSuffixError));
  if (suffix.exponent > kMaxExponent) return Status::BadRequest(std::string(kNumericError));

  // Would upstream keep the input string as its printed form? (Its int64 fast path does when
  // the text is already canonical.)
  size_t num_len = num.empty() ? 1 : num.size();  // upstream treats "" as "0"
  std::string shifted = std::string(num.empty() ? "0" : num) + std::string(denom);
  if (suffix.format == Format::kBinarySI) {
    int precision = 15 - static_cast<int>(num_len) -
                    static_cast<int>(static_cast<float>(suffix.exponent) * 3 / 10) - 1;
    if (denom.empty() && precision >= 0) {
      int64_t value = std::strtoll(shifted.c_str(), nullptr, 10);
      if (suffix.exponent % 10 == 0 && (value & 0x07) != 0) q.original_ = std::string(str);
    }
  } else {
    int precision = 18 - static_cast<int>(num_len + denom.size());
    int32_t scale = suffix.exponent - static_cast<int32_t>(denom.size());
    if (precision >= 0 && scale >= kNanoExponent && scale % 3 == 0 && !shifted.ends_with("000") &&
        shifted[0] != '0') {
      q.original_ = std::string(str);
    }
  }

  q.digits_ = std::string(num) + std::string(denom);
  q.exponent_ = -static_cast<int32_t>(denom.size());
  if (suffix.base == 10) {
    q.exponent_ += suffix.exponent;
  } else {
    for (int32_t i = 0; i < suffix.exponent; i += 10) q.digits_ = MulSmall(q.digits_, 1024);
  }
  q.negative_ = negative;
  q.format_ = suffix.format;
  q.Normalize();
  if (q.IsZero()) {
    q.original_.clear();
    return q;
  }
  // Precision stops at nano; finer non-zero amounts round away from zero ("0.1n" -> "1n").
  if (q.exponent_ < kNanoExponent) {
    RoundUpToExponent(&q.digits_, &q.exponent_, kNanoExponent);
    q.Normalize();
  }
  if (q.format_ == Format::kBinarySI) {
    // Upstream silently caps binary amounts at 2^63-1.
    std::string mag = q.digits_ + (q.exponent_ > 0 ? std::string(q.exponent_, '0') : "");
    if (q.exponent_ >= 0 &&
        CompareMag(mag, std::to_string(std::numeric_limits<int64_t>::max())) > 0) {
      q.digits_ = std::to_string(std::numeric_limits<int64_t>::max());
      q.exponent_ = 0;
      q.original_.clear();
      q.Normalize();
    }
    // A binary amount strictly between 0 and 1 prints as decimal.
    if (q.exponent_ < 0 && static_cast<int32_t>(q.digits_.size()) + q.exponent_ <= 0) {
      q.format_ = Format::kDecimalSI;
    }
  }
  return q;
}

Quantity Quantity::FromInt(int64_t value, Format format) {
  Quantity q;
  q.format_ = format;
  q.negative_ = value < 0;
  uint64_t mag = value < 0 ? (~static_cast<uint64_t>(value) + 1) : static_cast<uint64_t>(value);
  q.digits_ = mag == 0 ? "" : std::to_string(mag);
  q.Normalize();
  return q;
}

Quantity Quantity::FromMilli(int64_t milli, Format format) {
  Quantity q = FromInt(milli, format);
  if (!q.IsZero()) q.exponent_ -= 3;
  return q;
}

int64_t Quantity::ScaledValue(int scale) const {
  if (IsZero()) return 0;
  int64_t shift = static_cast<int64_t>(exponent_) - scale;
  std::string digits = digits_;
  if (shift > 40)
    return negative_ ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  if (shift >= 0) {
    digits += std::string(static_cast<size_t>(shift), '0');
  } else {
    int32_t exp = static_cast<int32_t>(shift);
    RoundUpToExponent(&digits, &exp, 0);
    if (exp > 0) digits += std::string(static_cast<size_t>(exp), '0');
  }
  return ToInt64Saturating(digits, negative_);
}

int64_t Quantity::Value() const { return ScaledValue(0); }
int64_t Quantity::MilliValue() const { return ScaledValue(-3); }

double Quantity::AsApproximateDouble() const {
  if (IsZero()) return 0;
  std::string text = (negative_ ? "-" : "") + digits_ + "e" + std::to_string(exponent_);
  return std::strtod(text.c_str(), nullptr);
}

std::string Quantity::ToString() const {
  if (!original_.empty()) return original_;
  if (IsZero()) return "0";
  std::string sign = negative_ ? "-" : "";

  Format format = format_;
  if (format == Format::kBinarySI) {
    // |q| < 1024, or a fractional amount, prints as decimal to avoid rounding.
    bool integral = exponent_ >= 0;
    bool small = static_cast<int32_t>(digits_.size()) + exponent_ <= 4 &&
                 CompareMag(digits_ + std::string(std::max(exponent_, 0), '0'), "1024") < 0;
    if (!integral || small) format = Format::kDecimalSI;
  }

  if (format == Format::kBinarySI) {
    std::string mag = digits_ + std::string(static_cast<size_t>(exponent_), '0');
    int power = 0;
    while (power < 6) {  // "Ei" is the largest binary suffix
      std::string q;
      if (DivSmall(mag, 1024, &q) != 0) break;
      mag = q;
      ++power;
    }
    static constexpr std::string_view kBinary[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    return sign + mag + std::string(kBinary[power]);
  }

  // Decimal: the largest exponent that is a multiple of 3 without losing digits.
  std::string mantissa = digits_;  // already free of trailing zeros
  int32_t exp = exponent_;
  int32_t floor3 = exp >= 0 ? exp - exp % 3 : exp - ((exp % 3) + 3) % 3;
  mantissa += std::string(static_cast<size_t>(exp - floor3), '0');
  exp = floor3;
  std::string suffix;
  if (format == Format::kDecimalSI && exp >= -9 && exp <= 18) {
    suffix = DecimalSuffix(exp);
  } else if (exp != 0) {
    // DecimalExponent, or a DecimalSI amount beyond "E": exponent notation.
    suffix = "e";
    suffix += std::to_string(exp);  // (not "e" + ...: GCC 12 emits a bogus -Wrestrict there)
  }
  return sign + mantissa + suffix;
}

Quantity& Quantity::operator+=(const Quantity& rhs) {
  if (IsZero()) format_ = rhs.format_;
  original_.clear();
  QuantityMath::AddSigned(*this, rhs, false);
  return *this;
}

Quantity& Quantity::operator-=(const Quantity& rhs) {
  if (IsZero()) format_ = rhs.format_;
  original_.clear();
  QuantityMath::AddSigned(*this, rhs, true);
  return *this;
}

Quantity Quantity::operator+(const Quantity& rhs) const {
  Quantity q = *this;
  q += rhs;
  return q;
}

Quantity Quantity::operator-(const Quantity& rhs) const {
  Quantity q = *this;
  q -= rhs;
  return q;
}

Quantity Quantity::operator-() const {
  Quantity q = *this;
  q.original_.clear();
  if (!q.IsZero()) q.negative_ = !q.negative_;
  return q;
}

std::strong_ordering Quantity::operator<=>(const Quantity& rhs) const {
  if (Sign() != rhs.Sign()) return Sign() <=> rhs.Sign();
  std::string da, db;
  int32_t exp;
  QuantityMath::Align(*this, rhs, &da, &db, &exp);
  int c = CompareMag(da, db);
  if (negative_) c = -c;
  return c <=> 0;
}

}  // namespace tinyk8s::api
