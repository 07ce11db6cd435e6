#include "client/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "common/base64.h"

namespace tinyk8s::client {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

std::string Scalar(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : "";
}

// Finds the entry named `name` in a kubeconfig list (clusters/users/contexts) and returns its
// inner map (e.g. the "cluster" member).
YAML::Node FindNamed(const YAML::Node& root, const char* list, const char* inner,
                     const std::string& name) {
  const YAML::Node items = root[list];
  if (!items || !items.IsSequence()) return YAML::Node();
  for (const auto& item : items) {
    if (Scalar(item, "name") == name) {
      YAML::Node v = item[inner];
      return v ? v : YAML::Node(YAML::NodeType::Map);
    }
  }
  return YAML::Node();
}

// Reads `<key>-data` (base64) or `<key>` (a file): the two ways kubeconfig carries PEM data.
Status DataOrFile(const YAML::Node& n, const std::string& key, const std::string& base_dir,
                  const std::string& where, std::string* out) {
  std::string data = Scalar(n, (key + "-data").c_str());
  if (!data.empty()) {
    auto decoded = Base64Decode(data);
    if (!decoded) return Status::Invalid(where + "." + key + "-data: illegal base64 data");
    *out = std::move(*decoded);
    return Status::OK();
  }
  std::string file = Scalar(n, key.c_str());
  if (!file.empty()) {
    auto content = ReadFile(Resolve(base_dir, file));
    if (!content.ok())
      return Status::Invalid(where + "." + key + ": " + content.status().message());
    *out = std::move(*content);
  }
  return Status::OK();
}

Result<RestConfig> ParseNode(const YAML::Node& root, const std::string& base_dir,
                             const std::string& context_name) {
  if (!root.IsMap()) return Status::Invalid("kubeconfig: not a YAML map");
  std::string ctx_name = context_name.empty() ? Scalar(root, "current-context") : context_name;
  if (ctx_name.empty()) return Status::Invalid("kubeconfig: no current-context and none given");
  YAML::Node ctx = FindNamed(root, "contexts", "context", ctx_name);
  if (!ctx) return Status::Invalid("kubeconfig: context \"" + ctx_name + "\" not found");
  std::string cluster_name = Scalar(ctx, "cluster");
  std::string user_name = Scalar(ctx, "user");
  YAML::Node cluster = FindNamed(root, "clusters", "cluster", cluster_name);
  if (!cluster) return Status::Invalid("kubeconfig: cluster \"" + cluster_name + "\" not found");

  RestConfig c;
  c.server = Scalar(cluster, "server");
  if (c.server.empty())
    return Status::Invalid("kubeconfig: cluster \"" + cluster_name + "\" has no server");
  c.tls_server_name = Scalar(cluster, "tls-server-name");
  c.insecure_skip_verify = Scalar(cluster, "insecure-skip-tls-verify") == "true";
  TK_RETURN_IF_ERROR(DataOrFile(cluster, "certificate-authority", base_dir,
                                "clusters[" + cluster_name + "]", &c.ca_data));

  if (!user_name.empty()) {
    YAML::Node user = FindNamed(root, "users", "user", user_name);
    if (!user) return Status::Invalid("kubeconfig: user \"" + user_name + "\" not found");
    std::string where = "users[" + user_name + "]";
    TK_RETURN_IF_ERROR(
        DataOrFile(user, "client-certificate", base_dir, where, &c.client_cert_data));
    TK_RETURN_IF_ERROR(DataOrFile(user, "client-key", base_dir, where, &c.client_key_data));
    c.bearer_token = Scalar(user, "token");
    std::string token_file = Scalar(user, "tokenFile");
    if (c.bearer_token.empty() && !token_file.empty()) {
      auto t = ReadFile(Resolve(base_dir, token_file));
      if (!t.ok()) return Status::Invalid(where + ".tokenFile: " + t.status().message());
      c.bearer_token = *t;
      while (!c.bearer_token.empty() &&
             (c.bearer_token.back() == '\n' || c.bearer_token.back() == '\r' ||
              c.bearer_token.back() == ' ')) {
        c.bearer_token.pop_back();
      }
    }
    if (c.client_cert_data.empty() != c.client_key_data.empty()) {
      return Status::Invalid(where + ": client-certificate and client-key must be given together");
    }
  }
  return c;
}

}  // namespace

Result<RestConfig> ParseKubeconfig(const std::string& yaml, const std::string& base_dir,
                                   const std::string& context) {
  // yaml-cpp reports errors by throwing; contain them here (no exceptions across modules).
  try {
    return ParseNode(YAML::Load(yaml), base_dir, context);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(std::string("kubeconfig: ") + e.what());
  }
}

Result<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? std::string(".")
                    : slash == 0               ? std::string("/")
                                               : path.substr(0, slash);
  return ParseKubeconfig(*text, dir, context);
}

}  // namespace tinyk8s::client
