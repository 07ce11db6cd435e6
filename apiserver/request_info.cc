#include "apiserver/request_info.h"

namespace tinyk8s::apiserver {

namespace {
std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}
}  // namespace

bool ParseRequestPath(const std::string& path, RequestInfo* info) {
  std::vector<std::string> parts = Split(path);
  if (parts.empty()) return false;
  size_t at;
  if (parts[0] == "api") {
    info->legacy = true;
    if (parts.size() < 2) {
      info->parts = parts;
      return true;
    }
    info->version = parts[1];
    at = 2;
  } else if (parts[0] == "apis") {
    if (parts.size() < 3) {
      if (parts.size() == 2) info->group = parts[1];
      info->parts = parts;
      return true;
    }
    info->group = parts[1];
    info->version = parts[2];
    at = 3;
  } else {
    return false;
  }
  info->parts = parts;
  std::vector<std::string> rest(parts.begin() + static_cast<long>(at), parts.end());
  if (rest.empty()) return true;  // group-version discovery
  info->is_resource = true;
  if (rest[0] == "watch" && rest.size() >= 2) {
    info->legacy_watch = true;
    rest.erase(rest.begin());
  }
  // namespaces/{ns}/{resource}/... unless the third segment is a namespace subresource.
  if (rest[0] == "namespaces" && rest.size() >= 3 && rest[2] != "status" && rest[2] != "finalize") {
    info->ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  info->resource = rest[0];
  if (rest.size() >= 2) info->name = rest[1];
  if (rest.size() >= 3) info->subresource = rest[2];
  if (rest.size() > 3) info->is_resource = false;  // deeper paths are not served
  return true;
}

}  // namespace tinyk8s::apiserver
