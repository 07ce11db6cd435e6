#include "api/names.h"

#include <array>
#include <cstdint>
#include <mutex>
#include <random>

#include "api/validation_messages.h"

namespace tinyk8s::api {
namespace internal {

std::string RegexError(std::string_view msg, std::string_view regex,
                       std::initializer_list<std::string_view> examples) {
  std::string out(msg);
  if (examples.size() == 0) {
    out += " (regex used for validation is '";
  } else {
    out += " (e.g. ";
    bool first = true;
    for (std::string_view e : examples) {
      if (!first) out += " or ";
      first = false;
      out += "'";
      out += e;
      out += "', ";
    }
    out += "regex used for validation is '";
  }
  out += regex;
  out += "')";
  return out;
}

std::string MaxLenError(size_t length) {
  return "must be no more than " + std::to_string(length) + " characters";
}

namespace {
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

bool MatchesDns1123Label(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool MatchesDns1123Subdomain(std::string_view s) {
  while (true) {
    size_t dot = s.find('.');
    if (!MatchesDns1123Label(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

bool MatchesQualifiedNamePart(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace internal

namespace {

constexpr std::string_view kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1123LabelErrMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character";
constexpr std::string_view kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kDns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1035LabelErrMsg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character";

// Shared, lazily seeded generator. A mutex is cheap next to everything else a create does.
std::mt19937_64& Rng(std::unique_lock<std::mutex>& lock) {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  lock = std::unique_lock<std::mutex>(mu);
  return rng;
}

}  // namespace

std::vector<std::string> IsDns1123Subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back(internal::MaxLenError(253));
  if (!internal::MatchesDns1123Subdomain(value)) {
    errs.push_back(
        internal::RegexError(kDns1123SubdomainErrMsg, kDns1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::vector<std::string> IsDns1123Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(internal::MaxLenError(63));
  if (!internal::MatchesDns1123Label(value)) {
    if (internal::MatchesDns1123Subdomain(value)) {
      // A valid subdomain but not a label: the dots are the problem.
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(
          internal::RegexError(kDns1123LabelErrMsg, kDns1123LabelFmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

std::vector<std::string> IsDns1035Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(internal::MaxLenError(63));
  bool ok = internal::MatchesDns1123Label(value) && value.front() >= 'a' && value.front() <= 'z';
  if (!ok) {
    errs.push_back(
        internal::RegexError(kDns1035LabelErrMsg, kDns1035LabelFmt, {"my-name", "abc-123"}));
  }
  return errs;
}

std::vector<std::string> ValidateObjectName(std::string_view name, bool prefix) {
  // generateName prefixes conventionally end in '-'; upstream masks that dash (as if random
  // characters followed) before validating.
  if (prefix && name.size() > 1 && name.back() == '-') {
    std::string masked(name.substr(0, name.size() - 1));
    masked += 'a';
    return IsDns1123Subdomain(masked);
  }
  return IsDns1123Subdomain(name);
}

std::string GenerateNameSuffix() {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::unique_lock<std::mutex> lock;
  std::mt19937_64& rng = Rng(lock);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string out(5, ' ');
  for (char& c : out) c = kAlphabet[pick(rng)];
  return out;
}

std::string GenerateName(std::string_view base) {
  // Upstream: maxNameLength 63, randomLength 5, maxGeneratedNameLength 58.
  constexpr size_t kMaxBase = 58;
  std::string out(base.substr(0, kMaxBase));
  out += GenerateNameSuffix();
  return out;
}

std::string NewUid() {
  std::array<uint8_t, 16> b{};
  {
    std::unique_lock<std::mutex> lock;
    std::mt19937_64& rng = Rng(lock);
    uint64_t hi = rng(), lo = rng();
    for (int i = 0; i < 8; ++i) {
      b[i] = static_cast<uint8_t>(hi >> (8 * i));
      b[8 + i] = static_cast<uint8_t>(lo >> (8 * i));
    }
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0xf];
  }
  return out;
}

}  // namespace tinyk8s::api
