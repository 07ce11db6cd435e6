#include "common/version.h"

namespace tinyk8s {

std::string_view Platform() {
#if defined(__aarch64__)
  return "linux/arm64";
#elif defined(__x86_64__)
  return "linux/amd64";
#else
  return "linux/unknown";
#endif
}

std::string KubernetesUserAgent(std::string_view command, std::string_view suffix) {
  std::string_view version = kKubernetesGitVersion.substr(0, kKubernetesGitVersion.find('-'));
  std::string ua(command);
  ua.append("/").append(version).append(" (").append(Platform()).append(") kubernetes/");
  ua.append(kKubernetesGitCommit.substr(0, 7));
  if (!suffix.empty()) ua.append("/").append(suffix);
  return ua;
}

}  // namespace tinyk8s
