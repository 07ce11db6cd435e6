#pragma once
// Cluster PKI: the CA, serving certificate and client certificates tinyk8s creates on first
// start (OpenSSL, ECDSA P-256: a key costs well under a millisecond), kept in DIR/pki/ and reused
// on restart. Client certificates carry the user as CN and the groups as O, as upstream's x509
// authenticator reads them.
//
// Thread-safe: free functions without shared state.

#include <string>
#include <vector>

#include "common/status.h"

namespace tinyk8s::apiserver::auth {

// CertKey is a PEM certificate and its PEM private key.
struct CertKey {
  std::string cert_pem;
  std::string key_pem;
};

struct CertRequest {
  std::string common_name;
  std::vector<std::string> organizations;
  std::vector<std::string> dns_names;     // serving certificates only
  std::vector<std::string> ip_addresses;  // serving certificates only
  bool server = false;                    // extendedKeyUsage serverAuth (else clientAuth)
  int valid_days = 365;
};

// CreateCa makes a self-signed CA certificate valid for ten years.
Result<CertKey> CreateCa(const std::string& common_name);
// IssueCert signs a new key pair's certificate with `ca`.
Result<CertKey> IssueCert(const CertKey& ca, const CertRequest& request);

// CertificateSansCover: every name in `dns_names` and `ip_addresses` is among the SANs of the
// PEM certificate (used to decide whether a kept serving certificate still fits).
bool CertificateSansCover(const std::string& cert_pem, const std::vector<std::string>& dns_names,
                          const std::vector<std::string>& ip_addresses);

// ReadFile / WriteFileAtomic: whole-file helpers; WriteFileAtomic writes a temp file with `mode`,
// fsyncs it (unless not `durable`) and renames it into place.
Result<std::string> ReadFile(const std::string& path);
Status WriteFileAtomic(const std::string& path, const std::string& content, int mode,
                       bool durable = true);

// ClusterPki is the cluster's CA and serving certificate as kept in DIR/pki:
//   ca.crt ca.key                 the cluster CA (signs serving and client certificates)
//   apiserver.crt apiserver.key   the serving certificate
//   admin.crt admin.key           CN=admin, O=system:masters (DIR/kubeconfig embeds it)
// Key files are mode 0600, the directory 0700.
struct ClusterPki {
  std::string dir;
  CertKey ca;
  CertKey serving;
  CertKey admin;
};

// EnsureClusterPki loads DIR/pki or creates what is missing. The serving certificate is
// reissued when it does not cover `dns_names`/`ip_addresses` (a new --tls-san or address).
Result<ClusterPki> EnsureClusterPki(const std::string& pki_dir,
                                    const std::vector<std::string>& dns_names,
                                    const std::vector<std::string>& ip_addresses);

// EnsureServiceAccountKey loads or creates DIR/pki/sa.key, the key service-account tokens are
// signed with (ECDSA P-256, mode 0600), and its public half sa.pub (kubeadm's names). Returns the
// private key PEM. Not `durable` (--ephemeral data dirs): written without fsync, which is most
// of the cost of a first start's key (~5 ms).
Result<std::string> EnsureServiceAccountKey(const std::string& pki_dir, bool durable = true);

// LoadCa reads DIR/pki/ca.{crt,key} (for `tinyk8s kubeconfig`).
Result<CertKey> LoadCa(const std::string& pki_dir);

// IsIpAddress: literal IPv4 or IPv6 address.
bool IsIpAddress(const std::string& text);

}  // namespace tinyk8s::apiserver::auth
