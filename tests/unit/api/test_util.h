#pragma once
// Helpers for api tests: parse JSON literals (with single quotes for readability) and compare.

#include <gtest/gtest.h>

#include <string>

#include "api/json.h"

namespace tinyk8s::api::testing {

// 'a' -> "a" so test tables can embed JSON without escaping.
inline std::string Q(std::string s) {
  for (char& c : s) {
    if (c == '\'') c = '"';
  }
  return s;
}

inline rapidjson::Document J(const std::string& text) {
  auto r = ParseJson(Q(text));
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? std::move(r).value() : rapidjson::Document();
}

// Sorted compact JSON of a single-quoted literal, for order-insensitive expectations.
inline std::string Canon(const std::string& text) { return ToJsonSorted(J(text)); }

}  // namespace tinyk8s::api::testing
