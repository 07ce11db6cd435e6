#include "node/pod_dns.h"

#include <algorithm>
#include <sstream>

#include "api/json.h"
#include "api/meta.h"

namespace tinyk8s::node {

using rapidjson::Value;

namespace {

constexpr size_t kMaxSearchDomainLength = 253;  // a DNS-1123 subdomain

std::vector<std::string> Fields(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

void AppendUnique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

std::string OptionName(const std::string& option) { return option.substr(0, option.find(':')); }

// MergeOption sets an option by name: replaced in place when present (the later value wins, as
// upstream's map-based merge does), appended otherwise.
void MergeOption(std::vector<std::string>& options, const std::string& option) {
  std::string name = OptionName(option);
  for (auto& o : options) {
    if (OptionName(o) == name) {
      o = option;
      return;
    }
  }
  options.push_back(option);
}

std::vector<std::string> StringList(const Value& obj, const char* field) {
  std::vector<std::string> out;
  if (const Value* list = api::FindMember(obj, field); list && list->IsArray()) {
    for (const auto& v : list->GetArray()) {
      if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  return out;
}

// FitSearchLimits drops what a resolver cannot take: domains past the 32nd, domains longer than
// 253 characters, then domains from the end until the line fits in 2048 characters.
std::vector<std::string> FitSearchLimits(std::vector<std::string> searches) {
  if (searches.size() > kMaxDnsSearchPaths) searches.resize(kMaxDnsSearchPaths);
  std::erase_if(searches, [](const std::string& s) { return s.size() > kMaxSearchDomainLength; });
  auto line_length = [&] {
    size_t n = 0;
    for (const auto& s : searches) n += s.size() + 1;
    return n == 0 ? 0 : n - 1;
  };
  while (!searches.empty() && line_length() > kMaxDnsSearchListChars) searches.pop_back();
  return searches;
}

enum class DnsSource { kCluster, kHost, kNone };

DnsSource SourceOf(const Value& pod) {
  std::string policy = api::GetString(pod, {"spec", "dnsPolicy"}, "ClusterFirst");
  if (policy == "None") return DnsSource::kNone;
  if (policy == "Default") return DnsSource::kHost;
  if (policy == "ClusterFirstWithHostNet") return DnsSource::kCluster;
  // ClusterFirst (and anything unknown, as upstream treats it): host-network pods use the node's
  // resolver.
  return api::GetBool(pod, {"spec", "hostNetwork"}) ? DnsSource::kHost : DnsSource::kCluster;
}

}  // namespace

ResolvConf ParseResolvConf(std::string_view text) {
  ResolvConf conf;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (size_t c = line.find_first_of("#;"); c != std::string_view::npos) line = line.substr(0, c);
    auto f = Fields(line);
    if (f.empty()) continue;
    if (f[0] == "nameserver" && f.size() > 1) {
      conf.nameservers.push_back(f[1]);
    } else if (f[0] == "search") {
      conf.searches.clear();  // the last search line wins
      for (size_t i = 1; i < f.size(); ++i) {
        if (f[i] == ".") continue;
        std::string s = f[i];
        if (s.ends_with('.')) s.pop_back();
        conf.searches.push_back(s);
      }
    } else if (f[0] == "options") {
      for (size_t i = 1; i < f.size(); ++i) MergeOption(conf.options, f[i]);
    }
  }
  return conf;
}

std::string FormatResolvConf(const ResolvConf& conf) {
  std::string out;
  for (const auto& ns : conf.nameservers) out += "nameserver " + ns + "\n";
  auto line = [&](const char* key, const std::vector<std::string>& items) {
    if (items.empty()) return;
    out += key;
    for (const auto& i : items) out += " " + i;
    out += "\n";
  };
  line("search", conf.searches);
  line("options", conf.options);
  return out;
}

ResolvConf PodResolvConf(const Value& pod, const NodeDnsSettings& node) {
  DnsSource source = SourceOf(pod);
  if (source == DnsSource::kCluster && node.cluster_dns.empty()) source = DnsSource::kHost;
  ResolvConf conf;
  if (source != DnsSource::kNone && node.has_host_resolver) conf = node.host;
  if (source == DnsSource::kHost && !node.has_host_resolver) {
    // A node without a resolver of its own points pods at a local one, as the kubelet does.
    conf.nameservers = {"127.0.0.1"};
    conf.searches = {"."};
  }
  if (source == DnsSource::kCluster) {
    conf.nameservers = node.cluster_dns;
    if (!node.cluster_domain.empty()) {
      std::vector<std::string> searches = {
          api::Namespace(pod) + ".svc." + node.cluster_domain,
          "svc." + node.cluster_domain,
          node.cluster_domain,
      };
      for (const auto& s : conf.searches) AppendUnique(searches, s);
      conf.searches = std::move(searches);
    }
    conf.options = {"ndots:5"};
  }
  if (const Value* custom = api::FindPath(pod, {"spec", "dnsConfig"});
      custom && custom->IsObject()) {
    for (const auto& ns : StringList(*custom, "nameservers")) AppendUnique(conf.nameservers, ns);
    for (const auto& s : StringList(*custom, "searches")) AppendUnique(conf.searches, s);
    if (const Value* opts = api::FindMember(*custom, "options"); opts && opts->IsArray()) {
      for (const auto& o : opts->GetArray()) {
        std::string name = api::GetString(o, {"name"});
        if (name.empty()) continue;
        std::string value = api::GetString(o, {"value"});
        MergeOption(conf.options, value.empty() ? name : name + ":" + value);
      }
    }
  }
  if (conf.nameservers.size() > kMaxDnsNameservers) conf.nameservers.resize(kMaxDnsNameservers);
  conf.searches = FitSearchLimits(std::move(conf.searches));
  return conf;
}

}  // namespace tinyk8s::node
