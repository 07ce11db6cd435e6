#include "api/image_pull_policy.h"

namespace tinyk8s::api {

const char* DefaultImagePullPolicy(std::string_view image) {
  if (image.find('@') != std::string_view::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  // A colon before the last slash belongs to a registry host:port, not a tag.
  bool has_tag =
      colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  if (!has_tag) return "Always";
  return image.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
}

}  // namespace tinyk8s::api
