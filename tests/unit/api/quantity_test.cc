#include "api/quantity.h"

#include <gtest/gtest.h>

#include <random>

namespace tinyk8s::api {
namespace {

Quantity Q(const char* s) {
  auto r = Quantity::Parse(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().message();
  return r.ok() ? *r : Quantity();
}

TEST(QuantityTest, CanonicalForms) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"0", "0"},
      {"0.15", "150m"},
      {"1000m", "1"},
      {"1024Mi", "1Gi"},
      {"1.5Gi", "1536Mi"},
      {"128974848", "128974848"},
      {"129M", "129M"},
      {"1e3", "1e3"},
      {"129e6", "129e6"},
      {"1000k", "1M"},
      {"1.5", "1500m"},
      {"100m", "100m"},
      {"0.1n", "1n"},
      {"1.2345", "1234500u"},
      {"500Ki", "500Ki"},
      {"0.5Ki", "512"},
      {"1.1Ki", "1126400m"},
      {"2048", "2048"},
      {"8Ki", "8Ki"},
      {"1Ki", "1Ki"},
      {"-1", "-1"},
      {"-1.5", "-1500m"},
      {"+1", "+1"},
      {"1000E", "1e21"},
      {"0Mi", "0"},
      {"-0", "0"},
      {"12e-3", "12e-3"},  // kept verbatim
      {"1E", "1E"},
      {"0.5", "500m"},
      {"100e-9", "100e-9"},
      {"1200e-3", "1200e-3"},
      {"1000e-3", "1"},
      {"1.5e3", "1500"},
      {"10Gi", "10Gi"},
      {"16Ei", "9223372036854775807"},
      {".5", "500m"},
      {"1.", "1."},
      {"+", "0"},
      {"1e-12", "1e-9"},  // upstream quirks
      {"3000Mi", "3000Mi"},
      {"4096Mi", "4Gi"},
      {"1.000", "1"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Q(c.in).ToString(), c.out) << c.in;
  }
}

TEST(QuantityTest, RejectsJunk) {
  const char* format_errors[] = {"", "abc", "1.5.5", "1 Gi", "1Gi ", "1e3x", "1.2.", "1Gb", "1KiB"};
  for (const char* s : format_errors) {
    auto r = Quantity::Parse(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.status().code(), StatusCode::kBadRequest);
  }
  EXPECT_EQ(Quantity::Parse("abc").status().message(),
            "quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  for (const char* s : {"1e", "1mi", "1Ki5", "1ee3", "1MiM", "1Gi-"}) {
    auto r = Quantity::Parse(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.status().message(), "unable to parse quantity's suffix") << s;
  }
  // Upstream quirk kept: a bare suffix has an empty (zero) number.
  ASSERT_TRUE(Quantity::Parse("Gi").ok());
  EXPECT_TRUE(Quantity::Parse("Gi")->IsZero());
  EXPECT_EQ(Quantity::Parse("1e99999").status().message(),
            "unable to parse numeric part of quantity");
}

TEST(QuantityTest, Values) {
  EXPECT_EQ(Q("100m").MilliValue(), 100);
  EXPECT_EQ(Q("100m").Value(), 1);  // rounded up
  EXPECT_EQ(Q("1.5").Value(), 2);
  EXPECT_EQ(Q("-1.5").Value(), -2);  // away from zero
  EXPECT_EQ(Q("1Gi").Value(), 1073741824);
  EXPECT_EQ(Q("2").MilliValue(), 2000);
  EXPECT_EQ(Q("1n").MilliValue(), 1);
  EXPECT_EQ(Q("1n").ScaledValue(-9), 1);
  EXPECT_EQ(Q("1e30").Value(), INT64_MAX);
  EXPECT_EQ(Q("-1e30").Value(), INT64_MIN);
  EXPECT_DOUBLE_EQ(Q("1.5Ki").AsApproximateDouble(), 1536.0);
}

TEST(QuantityTest, ArithmeticAndComparison) {
  EXPECT_EQ((Q("100m") + Q("900m")).ToString(), "1");
  EXPECT_EQ((Q("1Gi") - Q("512Mi")).ToString(), "512Mi");
  EXPECT_EQ((Q("1") - Q("1500m")).ToString(), "-500m");
  EXPECT_EQ((Q("0") + Q("1Ki")).ToString(), "1Ki");  // zero takes rhs format
  Quantity sum;
  for (const char* s : {"250m", "250m", "500m"}) sum += Q(s);
  EXPECT_EQ(sum.MilliValue(), 1000);
  EXPECT_EQ((-Q("1Ki")).ToString(), "-1Ki");
  EXPECT_TRUE(Q("1Ki") == Q("1024"));
  EXPECT_TRUE(Q("999m") < Q("1"));
  EXPECT_TRUE(Q("-2") < Q("-1"));
  EXPECT_TRUE(Q("1e3") > Q("999"));
  EXPECT_TRUE(Q("0") == Quantity());
  EXPECT_EQ(Quantity::FromMilli(1500).ToString(), "1500m");
  EXPECT_EQ(Quantity::FromInt(2048, Quantity::Format::kBinarySI).ToString(), "2Ki");
  EXPECT_EQ(Quantity::FromInt(INT64_MIN).Value(), INT64_MIN);
}

TEST(QuantityTest, NeverCrashesOnRandomInput) {
  std::mt19937 rng(7);
  const std::string alphabet = "0123456789.+-eEinumkKMGTP ";
  for (int i = 0; i < 5000; ++i) {
    std::string s(rng() % 12, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    auto r = Quantity::Parse(s);
    if (r.ok()) {
      (void)r->ToString();
      (void)r->Value();
      (void)r->MilliValue();
      auto again = Quantity::Parse(r->ToString());
      ASSERT_TRUE(again.ok()) << s << " -> " << r->ToString();
      EXPECT_TRUE(*again == *r) << s << " -> " << r->ToString();
    }
  }
}

}  // namespace
}  // namespace tinyk8s::api
