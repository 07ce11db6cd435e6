#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "cmd/commands.h"

namespace tinyk8s::cmd {

bool ParseHostPort(const std::string& text, std::string* host, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::string p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5) return false;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
  }
  int v = std::stoi(p);
  if (v > 65535) return false;
  *host = h;
  *port = static_cast<uint16_t>(v);
  return true;
}

namespace {
std::string Base64(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}
}  // namespace

std::string KubeconfigText(const std::string& server, const KubeconfigCredentials& creds) {
  std::string cluster = "    server: " + server + "\n";
  if (!creds.ca_pem.empty()) {
    cluster += "    certificate-authority-data: " + Base64(creds.ca_pem) + "\n";
  }
  std::string user;
  if (!creds.client_cert_pem.empty()) {
    user = "\n    client-certificate-data: " + Base64(creds.client_cert_pem) +
           "\n    client-key-data: " + Base64(creds.client_key_pem) + "\n";
  } else {
    user = " {}\n";
  }
  std::string name = creds.user_name.empty() ? "admin" : creds.user_name;
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- name: tinyk8s\n"
         "  cluster:\n" +
         cluster +
         "contexts:\n"
         "- name: tinyk8s\n"
         "  context:\n"
         "    cluster: tinyk8s\n"
         "    user: \"" +
         name +
         "\"\n"
         "current-context: tinyk8s\n"
         "users:\n"
         "- name: \"" +
         name +
         "\"\n"
         "  user:" +
         user;
}

bool WriteKubeconfig(const std::string& path, const std::string& server,
                     const KubeconfigCredentials& creds) {
  std::string text = KubeconfigText(server, creds);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return false;
  ::fchmod(fd, 0600);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  return ok && ::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace tinyk8s::cmd
