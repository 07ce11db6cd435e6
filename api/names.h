#pragma once
// Name validation (RFC 1123 labels/subdomains, RFC 1035 labels) with upstream's messages, and
// generators for generateName suffixes and UIDs.

#include <string>
#include <string_view>
#include <vector>

namespace tinyk8s::api {

// Each returns the list of violations in upstream wording; empty when valid.
std::vector<std::string> IsDns1123Subdomain(std::string_view value);  // <= 253, dotted labels
std::vector<std::string> IsDns1123Label(std::string_view value);      // <= 63, [a-z0-9-]
std::vector<std::string> IsDns1035Label(std::string_view value);      // starts with a letter

// Upstream's ValidateNameFunc for most kinds: prefix means generateName (trailing '-' allowed).
std::vector<std::string> ValidateObjectName(std::string_view name, bool prefix = false);

// Five random characters from upstream's alphabet "bcdfghjklmnpqrstvwxz2456789" (no vowels, so
// generated names never spell words). Thread-safe.
std::string GenerateNameSuffix();
// Applies generateName: base (truncated to 58 chars so the result fits 63) + suffix.
std::string GenerateName(std::string_view base);

// Random RFC 4122 version-4 UUID, lower-case, 36 chars. Thread-safe.
std::string NewUid();

}  // namespace tinyk8s::api
