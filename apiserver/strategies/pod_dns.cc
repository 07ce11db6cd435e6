// Pod DNS settings validation: dnsPolicy, dnsConfig, hostname and subdomain, worded like
// upstream's validateDNSPolicy / validatePodDNSConfig so kubectl users see the same errors.
#include <arpa/inet.h>

#include "api/json.h"
#include "api/names.h"
#include "apiserver/field_errors.h"
#include "apiserver/strategies/pod_spec.h"

namespace tinyk8s::apiserver {

using rapidjson::Value;

namespace {

// Limits the kubelet can honour in resolv.conf (from glibc's resolver).
constexpr size_t kMaxNameservers = 3;
constexpr size_t kMaxSearchPaths = 32;
constexpr size_t kMaxSearchListChars = 2048;

// IsSloppyIpv4 accepts dotted quads with leading zeros ("010.0.0.1"), as upstream's
// netutils.ParseIPSloppy does and inet_pton does not.
bool IsSloppyIpv4(std::string_view text) {
  int octets = 0;
  size_t i = 0;
  while (i <= text.size()) {
    size_t end = text.find('.', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(i, end - i);
    if (part.empty() || part.size() > 3) return false;
    int value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    ++octets;
    i = end + 1;
  }
  return octets == 4;
}

bool IsIp(const std::string& text) {
  unsigned char buf[16];
  return IsSloppyIpv4(text) || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// Strings collects a JSON string list (non-strings count as "").
std::vector<std::string> Strings(const Value* list) {
  std::vector<std::string> out;
  if (!list || !list->IsArray()) return out;
  for (const auto& v : list->GetArray()) out.push_back(v.IsString() ? v.GetString() : "");
  return out;
}

size_t Size(const Value* list) { return list && list->IsArray() ? list->Size() : 0; }

void ValidateDnsConfig(const Value& config, const std::string& path,
                       std::vector<FieldError>& errs) {
  auto nameservers = Strings(api::FindMember(config, "nameservers"));
  if (nameservers.size() > kMaxNameservers) {
    errs.push_back(FieldInvalidStrings(
        path + ".nameservers", nameservers,
        "must not have more than " + std::to_string(kMaxNameservers) + " nameservers"));
  }
  for (size_t i = 0; i < nameservers.size(); ++i) {
    if (!IsIp(nameservers[i])) {
      errs.push_back(FieldInvalid(path + ".nameservers[" + std::to_string(i) + "]", nameservers[i],
                                  "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
    }
  }
  auto searches = Strings(api::FindMember(config, "searches"));
  if (searches.size() > kMaxSearchPaths) {
    errs.push_back(FieldInvalidStrings(
        path + ".searches", searches,
        "must not have more than " + std::to_string(kMaxSearchPaths) + " search paths"));
  }
  size_t chars = searches.empty() ? 0 : searches.size() - 1;  // the separating spaces
  for (const auto& s : searches) chars += s.size();
  if (chars > kMaxSearchListChars) {
    errs.push_back(FieldInvalidStrings(path + ".searches", searches,
                                       "must not have more than " +
                                           std::to_string(kMaxSearchListChars) +
                                           " characters (including spaces) in the search list"));
  }
  for (size_t i = 0; i < searches.size(); ++i) {
    std::string search = searches[i];
    if (!search.empty() && search.back() == '.') search.pop_back();  // a trailing dot is fine
    for (const auto& m : api::IsDns1123Subdomain(search))
      errs.push_back(FieldInvalid(path + ".searches[" + std::to_string(i) + "]", search, m));
  }
  if (const Value* options = api::FindMember(config, "options"); options && options->IsArray()) {
    for (rapidjson::SizeType i = 0; i < options->Size(); ++i) {
      if (api::GetString((*options)[i], {"name"}).empty()) {
        errs.push_back(
            FieldRequired(path + ".options[" + std::to_string(i) + "]", "must not be empty"));
      }
    }
  }
}

}  // namespace

void ValidateDnsPolicy(const Value& spec, const std::string& path, std::vector<FieldError>& errs) {
  std::string policy = api::GetString(spec, {"dnsPolicy"});
  if (!policy.empty() && policy != "ClusterFirstWithHostNet" && policy != "ClusterFirst" &&
      policy != "Default" && policy != "None") {
    errs.push_back(
        FieldNotSupported(path + ".dnsPolicy", policy,
                          {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"}));
  }
}

void ValidatePodDns(const Value& spec, const std::string& path, std::vector<FieldError>& errs) {
  std::string policy = api::GetString(spec, {"dnsPolicy"});
  for (const char* field : {"hostname", "subdomain"}) {
    std::string value = api::GetString(spec, {field});
    if (value.empty()) continue;
    for (const auto& m : api::IsDns1123Label(value))
      errs.push_back(FieldInvalid(path + "." + field, value, m));
  }
  std::string config_path = path + ".dnsConfig";
  const Value* config = api::FindMember(spec, "dnsConfig");
  if (config && config->IsNull()) config = nullptr;
  if (policy == "None") {
    if (!config) {
      errs.push_back(
          FieldRequired(config_path, "must provide `dnsConfig` when `dnsPolicy` is None"));
      return;
    }
    if (Size(api::FindMember(*config, "nameservers")) == 0) {
      errs.push_back(FieldRequired(config_path + ".nameservers",
                                   "must provide at least one DNS nameserver when `dnsPolicy` "
                                   "is None"));
      return;
    }
  }
  if (config && config->IsObject()) ValidateDnsConfig(*config, config_path, errs);
}

}  // namespace tinyk8s::apiserver
