#pragma once
// Kubernetes resource.Quantity: fixed-point decimal amounts such as "100m", "1.5Gi", "2e3".
// Values are exact (arbitrary-precision decimal, never floating point), rounded away from zero
// to nano precision at parse time like upstream, and printed in upstream's canonical form.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tinyk8s::api {

class Quantity {
 public:
  // How the quantity prints (the suffix family it was written with).
  enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

  // Zero, DecimalSI.
  Quantity() = default;

  // Syntax: [+-]<digits>[.<digits>][suffix], suffix one of n u m "" k M G T P E,
  // Ki Mi Gi Ti Pi Ei, or e<int>/E<int>. Error: kBadRequest with upstream's messages
  // ("quantities must match the regular expression ...", "unable to parse quantity's suffix").
  // Deviation: exponents beyond +-1000 are rejected ("unable to parse numeric part of quantity")
  // so a hostile input cannot make arithmetic allocate huge digit strings.
  static Result<Quantity> Parse(std::string_view text);

  static Quantity FromInt(int64_t value, Format format = Format::kDecimalSI);
  static Quantity FromMilli(int64_t milli, Format format = Format::kDecimalSI);

  // Value rounded away from zero to an integer (upstream Value()). Saturates at int64 bounds.
  int64_t Value() const;
  // Value * 1000 rounded away from zero (upstream MilliValue()). Saturates at int64 bounds.
  int64_t MilliValue() const;
  // ceil-away-from-zero of value / 10^scale; e.g. ScaledValue(-9) is the value in nano units.
  int64_t ScaledValue(int scale) const;
  double AsApproximateDouble() const;

  bool IsZero() const { return digits_.empty(); }
  int Sign() const { return IsZero() ? 0 : (negative_ ? -1 : 1); }
  Format format() const { return format_; }
  void set_format(Format f) {
    format_ = f;
    original_.clear();
  }

  // Canonical form (upstream String()): "150m", "1536Mi", "1k", "0". When the parsed text was
  // already canonical, upstream returns it verbatim (e.g. "+1" stays "+1"); so do we.
  std::string ToString() const;

  // Arithmetic keeps this quantity's format (or rhs's format if this is zero, like upstream).
  Quantity& operator+=(const Quantity& rhs);
  Quantity& operator-=(const Quantity& rhs);
  Quantity operator+(const Quantity& rhs) const;
  Quantity operator-(const Quantity& rhs) const;
  Quantity operator-() const;

  // Numeric comparison; format is ignored (1Ki == 1024).
  std::strong_ordering operator<=>(const Quantity& rhs) const;
  bool operator==(const Quantity& rhs) const { return (*this <=> rhs) == 0; }

 private:
  // value = (negative_ ? -1 : 1) * digits_ * 10^exponent_. digits_ is decimal without leading
  // zeros; empty means zero (and then exponent_ is 0, negative_ false).
  std::string digits_;
  int32_t exponent_ = 0;
  bool negative_ = false;
  Format format_ = Format::kDecimalSI;
  std::string original_;  // parsed text when upstream would print it verbatim

  void Normalize();
  friend struct QuantityMath;
};

}  // namespace tinyk8s::api
