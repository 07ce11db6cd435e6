#include "apiserver/auth/pki.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "apiserver/auth/openssl_ptr.h"

namespace tinyk8s::apiserver::auth {

namespace {

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

PKeyPtr ParseKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PKeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

X509Ptr ParseCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

Result<CertKey> Encode(X509* cert, EVP_PKEY* key) {
  BioPtr cb(BIO_new(BIO_s_mem())), kb(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(cb.get(), cert) ||
      !PEM_write_bio_PrivateKey(kb.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) {
    return Status::Internal("cannot encode a certificate as PEM");
  }
  return CertKey{BioString(cb.get()), BioString(kb.get())};
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// NewCertificate fills the parts every certificate shares: a random serial, validity (starting
// an hour back to tolerate clock skew) and the subject.
X509Ptr NewCertificate(EVP_PKEY* key, const std::string& cn, const std::vector<std::string>& orgs,
                       int valid_days) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(valid_days) * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& o : orgs) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

PKeyPtr NewKey() { return PKeyPtr(EVP_EC_gen("P-256")); }

}  // namespace

bool IsIpAddress(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

Result<CertKey> CreateCa(const std::string& common_name) {
  PKeyPtr key = NewKey();
  if (!key) return Status::Internal("cannot generate a CA key");
  X509Ptr cert = NewCertificate(key.get(), common_name, {}, 3650);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  if (!AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(cert.get(), cert.get(), NID_key_usage,
                    "critical,digitalSignature,keyEncipherment,keyCertSign") ||
      !AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return Status::Internal("cannot sign the CA certificate");
  }
  return Encode(cert.get(), key.get());
}

Result<CertKey> IssueCert(const CertKey& ca, const CertRequest& request) {
  PKeyPtr ca_key = ParseKey(ca.key_pem);
  X509Ptr ca_cert = ParseCert(ca.cert_pem);
  if (!ca_key || !ca_cert) return Status::Invalid("cannot parse the CA certificate or key");
  PKeyPtr key = NewKey();
  if (!key) return Status::Internal("cannot generate a key");
  X509Ptr cert =
      NewCertificate(key.get(), request.common_name, request.organizations, request.valid_days);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  std::string sans;
  for (const auto& d : request.dns_names) sans += (sans.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : request.ip_addresses) sans += (sans.empty() ? "IP:" : ",IP:") + ip;
  bool ok = AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
            AddExtension(cert.get(), ca_cert.get(), NID_key_usage,
                         "critical,digitalSignature,keyEncipherment") &&
            AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage,
                         request.server ? "serverAuth" : "clientAuth") &&
            AddExtension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always") &&
            (sans.empty() || AddExtension(cert.get(), ca_cert.get(), NID_subject_alt_name, sans));
  if (!ok || X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) {
    return Status::Internal("cannot sign the certificate for " + request.common_name);
  }
  return Encode(cert.get(), key.get());
}

bool CertificateSansCover(const std::string& cert_pem, const std::vector<std::string>& dns_names,
                          const std::vector<std::string>& ip_addresses) {
  X509Ptr cert = ParseCert(cert_pem);
  if (!cert) return false;
  for (const auto& d : dns_names) {
    if (X509_check_host(cert.get(), d.c_str(), d.size(), X509_CHECK_FLAG_NO_WILDCARDS, nullptr) !=
        1)
      return false;
  }
  for (const auto& ip : ip_addresses) {
    if (X509_check_ip_asc(cert.get(), ip.c_str(), 0) != 1) return false;
  }
  return true;
}

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound("cannot read " + path);
  std::string out;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (n < 0) return Status::Unavailable("cannot read " + path);
  return out;
}

Status WriteFileAtomic(const std::string& path, const std::string& content, int mode,
                       bool durable) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Unavailable("cannot write " + path);
  ::fchmod(fd, static_cast<mode_t>(mode));  // an older temp file may have other bits
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  if (durable) ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Unavailable("cannot write " + path);
  }
  return Status::OK();
}

namespace {
Result<CertKey> LoadPair(const std::string& dir, const std::string& name) {
  TK_ASSIGN_OR_RETURN(std::string cert, ReadFile(dir + "/" + name + ".crt"));
  TK_ASSIGN_OR_RETURN(std::string key, ReadFile(dir + "/" + name + ".key"));
  return CertKey{std::move(cert), std::move(key)};
}

Status SavePair(const std::string& dir, const std::string& name, const CertKey& pair) {
  TK_RETURN_IF_ERROR(WriteFileAtomic(dir + "/" + name + ".key", pair.key_pem, 0600));
  return WriteFileAtomic(dir + "/" + name + ".crt", pair.cert_pem, 0644);
}
}  // namespace

Result<CertKey> LoadCa(const std::string& pki_dir) { return LoadPair(pki_dir, "ca"); }

Result<std::string> EnsureServiceAccountKey(const std::string& pki_dir, bool durable) {
  std::string path = pki_dir + "/sa.key";
  if (auto kept = ReadFile(path); kept.ok()) return kept;
  std::error_code ec;
  std::filesystem::create_directories(pki_dir, ec);
  if (ec) return Status::Unavailable("cannot create " + pki_dir + ": " + ec.message());
  ::chmod(pki_dir.c_str(), 0700);
  PKeyPtr key = NewKey();
  BioPtr private_pem(BIO_new(BIO_s_mem())), public_pem(BIO_new(BIO_s_mem()));
  if (!key ||
      !PEM_write_bio_PrivateKey(private_pem.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                nullptr) ||
      !PEM_write_bio_PUBKEY(public_pem.get(), key.get())) {
    return Status::Internal("cannot generate the service account key");
  }
  // The public half first: a crash in between leaves no private key, so the next start
  // makes both again.
  TK_RETURN_IF_ERROR(
      WriteFileAtomic(pki_dir + "/sa.pub", BioString(public_pem.get()), 0644, durable));
  std::string pem = BioString(private_pem.get());
  TK_RETURN_IF_ERROR(WriteFileAtomic(path, pem, 0600, durable));
  return pem;
}

Result<ClusterPki> EnsureClusterPki(const std::string& pki_dir,
                                    const std::vector<std::string>& dns_names,
                                    const std::vector<std::string>& ip_addresses) {
  std::error_code ec;
  std::filesystem::create_directories(pki_dir, ec);
  if (ec) return Status::Unavailable("cannot create " + pki_dir + ": " + ec.message());
  ::chmod(pki_dir.c_str(), 0700);
  ClusterPki pki;
  pki.dir = pki_dir;
  auto ca = LoadPair(pki_dir, "ca");
  // Certificates signed by a previous CA are worthless once it is gone.
  bool new_ca = !ca.ok();
  if (!new_ca) {
    pki.ca = std::move(*ca);
  } else {
    TK_ASSIGN_OR_RETURN(pki.ca, CreateCa("tinyk8s-ca"));
    TK_RETURN_IF_ERROR(SavePair(pki_dir, "ca", pki.ca));
  }
  auto serving = LoadPair(pki_dir, "apiserver");
  if (!new_ca && serving.ok() && CertificateSansCover(serving->cert_pem, dns_names, ip_addresses)) {
    pki.serving = std::move(*serving);
  } else {
    CertRequest r;
    r.common_name = "kube-apiserver";
    r.dns_names = dns_names;
    r.ip_addresses = ip_addresses;
    r.server = true;
    TK_ASSIGN_OR_RETURN(pki.serving, IssueCert(pki.ca, r));
    TK_RETURN_IF_ERROR(SavePair(pki_dir, "apiserver", pki.serving));
  }
  auto admin = LoadPair(pki_dir, "admin");
  if (!new_ca && admin.ok()) {
    pki.admin = std::move(*admin);
  } else {
    CertRequest r;
    r.common_name = "admin";
    r.organizations = {"system:masters"};
    TK_ASSIGN_OR_RETURN(pki.admin, IssueCert(pki.ca, r));
    TK_RETURN_IF_ERROR(SavePair(pki_dir, "admin", pki.admin));
  }
  return pki;
}

}  // namespace tinyk8s::apiserver::auth
