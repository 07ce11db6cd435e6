#pragma once
// Base64 (standard alphabet, padded) for continue tokens and certificate data, and the unpadded
// URL-safe form JSON Web Tokens use (RFC 7515 section 2).

#include <optional>
#include <string>
#include <string_view>

namespace tinyk8s {

std::string Base64Encode(std::string_view data);
// Base64Decode accepts padded or unpadded input; nullopt on invalid characters.
std::optional<std::string> Base64Decode(std::string_view text);

// Base64UrlEncode: URL-safe alphabet, no padding (Go's base64.RawURLEncoding).
std::string Base64UrlEncode(std::string_view data);
// Base64UrlDecode is strict: only the URL-safe alphabet, no padding, no line breaks, and no
// impossible length (nullopt otherwise), so a token has exactly one spelling.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace tinyk8s
