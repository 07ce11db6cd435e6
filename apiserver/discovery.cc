#include "apiserver/discovery.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace tinyk8s::apiserver {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

namespace {
void Str(Writer& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}
void Key(Writer& w, const char* k) { w.Key(k); }
void StrArray(Writer& w, const std::vector<std::string>& v) {
  w.StartArray();
  for (const auto& s : v) Str(w, s);
  w.EndArray();
}
// verbs, shortNames and categories of a resource, as both discovery forms list them.
void VerbsAndNames(Writer& w, const ResourceInfo& r) {
  Key(w, "verbs");
  StrArray(w, r.verbs);
  if (!r.short_names.empty()) {
    Key(w, "shortNames");
    StrArray(w, r.short_names);
  }
  if (!r.categories.empty()) {
    Key(w, "categories");
    StrArray(w, r.categories);
  }
}
std::string GroupVersionString(const std::string& group, const std::string& version) {
  return group.empty() ? version : group + "/" + version;
}

// Which discovery form the client asked for: the first acceptable entry of Accept wins.
enum class Form { kLegacy, kV2, kV2Beta1 };
Form Negotiate(const std::string& accept) {
  size_t pos = 0;
  while (pos <= accept.size()) {
    size_t comma = accept.find(',', pos);
    std::string item =
        accept.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (item.find("as=APIGroupDiscoveryList") != std::string::npos &&
        item.find("g=apidiscovery.k8s.io") != std::string::npos) {
      if (item.find("v=v2beta1") != std::string::npos) return Form::kV2Beta1;
      if (item.find("v=v2") != std::string::npos) return Form::kV2;
    } else if (item.find("application/json") != std::string::npos ||
               item.find("*/*") != std::string::npos) {
      return Form::kLegacy;
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return Form::kLegacy;
}
}  // namespace

Discovery::Discovery(const Registry& registry, AddressFn server_address)
    : registry_(registry), server_address_(std::move(server_address)) {}

std::optional<HttpResponse> Discovery::Handle(const std::string& path,
                                              const std::string& accept) const {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  HttpResponse r;
  if (p == "/api" || p == "/apis") {
    Form form = Negotiate(accept);
    if (form == Form::kLegacy) {
      r.body = p == "/api" ? LegacyVersions() : GroupList();
    } else {
      const char* v = form == Form::kV2 ? "v2" : "v2beta1";
      r.body = Aggregated(p == "/api", v);
      r.content_type = std::string("application/json;g=apidiscovery.k8s.io;v=") + v +
                       ";as=APIGroupDiscoveryList";
    }
    r.headers.push_back({"Vary", "Accept"});
    return r;
  }
  if (p == "/api/v1") {
    r.body = ResourceList("", "v1");
    return r;
  }
  if (p.rfind("/apis/", 0) == 0) {
    std::string rest = p.substr(6);
    size_t slash = rest.find('/');
    std::string group = rest.substr(0, slash);
    for (const auto& g : registry_.Groups()) {
      if (g.group != group || group.empty()) continue;
      if (slash == std::string::npos) {
        r.body = Group(g);
        return r;
      }
      std::string version = rest.substr(slash + 1);
      for (const auto& v : g.versions) {
        if (v == version) {
          r.body = ResourceList(group, version);
          return r;
        }
      }
    }
  }
  return std::nullopt;
}

std::string Discovery::LegacyVersions() const {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  Key(w, "kind");
  w.String("APIVersions");
  Key(w, "versions");
  StrArray(w, {"v1"});
  Key(w, "serverAddressByClientCIDRs");
  w.StartArray();
  w.StartObject();
  Key(w, "clientCIDR");
  w.String("0.0.0.0/0");
  Key(w, "serverAddress");
  Str(w, server_address_());
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return b.GetString();
}

std::string Discovery::Group(const GroupVersions& g) const {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  Key(w, "kind");
  w.String("APIGroup");
  Key(w, "apiVersion");
  w.String("v1");
  Key(w, "name");
  Str(w, g.group);
  Key(w, "versions");
  w.StartArray();
  for (const auto& v : g.versions) {
    w.StartObject();
    Key(w, "groupVersion");
    Str(w, GroupVersionString(g.group, v));
    Key(w, "version");
    Str(w, v);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "preferredVersion");
  w.StartObject();
  Key(w, "groupVersion");
  Str(w, GroupVersionString(g.group, g.versions.front()));
  Key(w, "version");
  Str(w, g.versions.front());
  w.EndObject();
  w.EndObject();
  return b.GetString();
}

std::string Discovery::GroupList() const {
  std::string out = R"({"kind":"APIGroupList","apiVersion":"v1","groups":[)";
  bool first = true;
  for (const auto& g : registry_.Groups()) {
    if (g.group.empty()) continue;
    if (!first) out += ",";
    first = false;
    std::string doc = Group(g);
    // Strip kind/apiVersion: list items are bare APIGroup objects.
    out += doc;
  }
  return out + "]}";
}

std::string Discovery::ResourceList(const std::string& group, const std::string& version) const {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  Key(w, "kind");
  w.String("APIResourceList");
  Key(w, "apiVersion");
  w.String("v1");
  Key(w, "groupVersion");
  Str(w, GroupVersionString(group, version));
  Key(w, "resources");
  w.StartArray();
  for (const auto& r : registry_.resources()) {
    if (r->group != group || r->version != version) continue;
    w.StartObject();
    Key(w, "name");
    Str(w, r->plural);
    Key(w, "singularName");
    Str(w, r->singular);
    Key(w, "namespaced");
    w.Bool(r->namespaced);
    Key(w, "kind");
    Str(w, r->kind);
    VerbsAndNames(w, *r);
    w.EndObject();
    for (const auto& s : r->subresources) {
      w.StartObject();
      Key(w, "name");
      Str(w, r->plural + "/" + s.name);
      Key(w, "singularName");
      w.String("");
      Key(w, "namespaced");
      w.Bool(r->namespaced);
      if (!s.group.empty()) {
        Key(w, "group");
        Str(w, s.group);
      }
      if (!s.version.empty()) {
        Key(w, "version");
        Str(w, s.version);
      }
      Key(w, "kind");
      Str(w, s.kind);
      Key(w, "verbs");
      StrArray(w, s.verbs);
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  return b.GetString();
}

std::string Discovery::Aggregated(bool core, const char* version) const {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  Key(w, "kind");
  w.String("APIGroupDiscoveryList");
  Key(w, "apiVersion");
  Str(w, std::string("apidiscovery.k8s.io/") + version);
  Key(w, "metadata");
  w.StartObject();
  w.EndObject();
  Key(w, "items");
  w.StartArray();
  for (const auto& g : registry_.Groups()) {
    if (g.group.empty() != core) continue;
    w.StartObject();
    Key(w, "metadata");
    w.StartObject();
    Key(w, "name");
    Str(w, g.group);
    Key(w, "creationTimestamp");
    w.Null();
    w.EndObject();
    Key(w, "versions");
    w.StartArray();
    for (const auto& v : g.versions) {
      w.StartObject();
      Key(w, "version");
      Str(w, v);
      Key(w, "resources");
      w.StartArray();
      for (const auto& r : registry_.resources()) {
        if (r->group != g.group || r->version != v) continue;
        w.StartObject();
        Key(w, "resource");
        Str(w, r->plural);
        Key(w, "responseKind");
        w.StartObject();
        Key(w, "group");
        Str(w, r->group);
        Key(w, "version");
        Str(w, r->version);
        Key(w, "kind");
        Str(w, r->kind);
        w.EndObject();
        Key(w, "scope");
        w.String(r->namespaced ? "Namespaced" : "Cluster");
        Key(w, "singularResource");
        Str(w, r->singular);
        VerbsAndNames(w, *r);
        if (!r->subresources.empty()) {
          Key(w, "subresources");
          w.StartArray();
          for (const auto& s : r->subresources) {
            w.StartObject();
            Key(w, "subresource");
            Str(w, s.name);
            Key(w, "responseKind");
            w.StartObject();
            Key(w, "group");
            Str(w, s.group.empty() ? r->group : s.group);
            Key(w, "version");
            Str(w, s.version.empty() ? r->version : s.version);
            Key(w, "kind");
            Str(w, s.kind);
            w.EndObject();
            Key(w, "verbs");
            StrArray(w, s.verbs);
            w.EndObject();
          }
          w.EndArray();
        }
        w.EndObject();
      }
      w.EndArray();
      Key(w, "freshness");
      w.String("Current");
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return b.GetString();
}

}  // namespace tinyk8s::apiserver
