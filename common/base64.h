#pragma once
// Base64 (standard alphabet, padded) for continue tokens and certificate data.

#include <optional>
#include <string>
#include <string_view>

namespace tinyk8s {

std::string Base64Encode(std::string_view data);
// Base64Decode accepts padded or unpadded input; nullopt on invalid characters.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace tinyk8s
