// Strategies of the kinds with little behaviour: ControllerRevision, Event (core and
// events.k8s.io), Lease, Endpoints, EndpointSlice, ConfigMap, ServiceAccount. Mostly table columns
// and field selectors.
#include <algorithm>

#include "api/json.h"
#include "api/meta.h"
#include "apiserver/field_errors.h"
#include "apiserver/strategies/strategies.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;
using Alloc = Document::AllocatorType;

namespace {

void Str(Value& cells, const std::string& s, Alloc& a) { cells.PushBack(api::MakeString(s, a), a); }
std::string OrNone(std::string s) { return s.empty() ? "<none>" : s; }
std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
TableColumn Col(const char* name, const char* description, int priority = 0,
                const char* type = "string") {
  return {name, type, std::string(name) == "Name" ? "name" : "", description, priority};
}

class ControllerRevisionStrategy final : public Strategy {
 public:
  std::vector<FieldError> Validate(const Value& obj) const override {
    std::vector<FieldError> errs;
    if (const Value* r = api::FindMember(obj, "revision");
        !r || !r->IsInt64() || r->GetInt64() < 0) {
      errs.push_back(r ? FieldInvalid("revision", *r, "must be greater than or equal to 0")
                       : FieldRequired("revision"));
    }
    return errs;
  }
  std::vector<FieldError> ValidateUpdate(const Value& obj, const Value& old) const override {
    std::vector<FieldError> errs = Validate(obj);
    const Value* d = api::FindMember(obj, "data");
    const Value* od = api::FindMember(old, "data");
    if ((d == nullptr) != (od == nullptr) || (d && od && !api::JsonEqual(*d, *od))) {
      errs.push_back(FieldInvalid("data", d ? *d : Value().Move(), "field is immutable"));
    }
    return errs;
  }
  std::vector<TableColumn> Columns() const override {
    return {Col("Name", "Name must be unique within a namespace."),
            Col("Controller", "Controller of the object"),
            Col("Revision", "Revision indicates the revision of the state represented by Data.", 0,
                "integer"),
            Col("Age", "The time since the object was created.")};
  }
  void Cells(const Value& obj, Clock::TimePoint now, Value& cells, Alloc& a) const override {
    Str(cells, api::Name(obj), a);
    std::string controller = "<none>";
    api::OwnerReference ref;
    if (api::GetControllerOf(obj, &ref)) {
      auto gv = api::ParseApiVersion(ref.api_version);
      controller = Lower(ref.kind) + (gv.group.empty() ? "" : "." + gv.group) + "/" + ref.name;
    }
    Str(cells, controller, a);
    cells.PushBack(static_cast<int64_t>(api::GetInt(obj, {"revision"})), a);
    Str(cells, AgeCell(obj, now), a);
  }
};

class EventStrategy final : public Strategy {
 public:
  bool AllowCreateOnUpdate() const override { return true; }
  std::vector<TableColumn> Columns() const override {
    return {Col("Last Seen", "Time when last event occurred"),
            Col("Type",
                "Type of this event (Normal, Warning), new types could be added in the future."),
            Col("Reason", "Reason why this event was generated."),
            Col("Object", "Object this event is about."),
            Col("Subobject", "Subobject this event is about.", 1),
            Col("Source", "Component that generated this event.", 1),
            Col("Message", "A human-readable description of the status of this operation."),
            Col("First Seen", "Time when first event occurred", 1),
            Col("Count", "Number of times this event has occurred", 1, "integer"),
            Col("Name", "Name must be unique within a namespace.", 1)};
  }
  void Cells(const Value& obj, Clock::TimePoint now, Value& cells, Alloc& a) const override {
    auto age = [&](const std::string& ts) {
      Clock::TimePoint t;
      return ParseRfc3339(ts, &t) ? HumanDuration(t, now) : std::string("<unknown>");
    };
    std::string last = api::GetString(obj, {"lastTimestamp"});
    if (last.empty()) last = api::GetString(obj, {"series", "lastObservedTime"});
    if (last.empty()) last = api::GetString(obj, {"eventTime"});
    std::string first = api::GetString(obj, {"firstTimestamp"});
    if (first.empty()) first = api::GetString(obj, {"eventTime"});
    std::string source = api::GetString(obj, {"source", "component"});
    if (source.empty()) source = api::GetString(obj, {"reportingComponent"});
    std::string host = api::GetString(obj, {"source", "host"});
    if (!host.empty()) source += ", " + host;
    Str(cells, age(last), a);
    Str(cells, api::GetString(obj, {"type"}), a);
    Str(cells, api::GetString(obj, {"reason"}), a);
    Str(cells,
        Lower(api::GetString(obj, {"involvedObject", "kind"})) + "/" +
            api::GetString(obj, {"involvedObject", "name"}),
        a);
    Str(cells, api::GetString(obj, {"involvedObject", "fieldPath"}), a);
    Str(cells, source, a);
    Str(cells, api::GetString(obj, {"message"}), a);
    Str(cells, age(first), a);
    int64_t count = api::GetInt(obj, {"count"});
    cells.PushBack(count, a);
    Str(cells, api::Name(obj), a);
  }
  std::optional<std::string> FieldValue(const Value& obj, std::string_view field) const override {
    static const char* kInvolved[] = {"kind",       "namespace",       "name",     "uid",
                                      "apiVersion", "resourceVersion", "fieldPath"};
    for (const char* f : kInvolved) {
      if (field == std::string("involvedObject.") + f)
        return api::GetString(obj, {"involvedObject", f});
    }
    if (field == "reason") return api::GetString(obj, {"reason"});
    if (field == "reportingComponent") return api::GetString(obj, {"reportingComponent"});
    if (field == "source") {
      // Upstream falls back to the reporting component when source.component is empty.
      std::string source = api::GetString(obj, {"source", "component"});
      return source.empty() ? api::GetString(obj, {"reportingComponent"}) : source;
    }
    if (field == "type") return api::GetString(obj, {"type"});
    return Strategy::FieldValue(obj, field);
  }
};

class EventsV1Strategy final : public Strategy {
 public:
  bool AllowCreateOnUpdate() const override { return true; }
  std::vector<TableColumn> Columns() const override {
    return {Col("Last Seen", "Time when last event occurred"), Col("Type", "Type of this event."),
            Col("Reason", "Reason why this event was generated."),
            Col("Object", "Object this event is about."),
            Col("Message", "A human-readable description of the status of this operation.")};
  }
  void Cells(const Value& obj, Clock::TimePoint now, Value& cells, Alloc& a) const override {
    Clock::TimePoint t;
    std::string last = api::GetString(obj, {"eventTime"});
    if (last.empty()) last = api::GetString(obj, {"deprecatedLastTimestamp"});
    Str(cells, ParseRfc3339(last, &t) ? HumanDuration(t, now) : "<unknown>", a);
    Str(cells, api::GetString(obj, {"type"}), a);
    Str(cells, api::GetString(obj, {"reason"}), a);
    Str(cells,
        Lower(api::GetString(obj, {"regarding", "kind"})) + "/" +
            api::GetString(obj, {"regarding", "name"}),
        a);
    Str(cells, api::GetString(obj, {"note"}), a);
  }
  std::optional<std::string> FieldValue(const Value& obj, std::string_view field) const override {
    // Upstream's selectable fields of events.k8s.io Events: core's, under the view's names.
    for (const char* f :
         {"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"}) {
      if (field == std::string("regarding.") + f) return api::GetString(obj, {"regarding", f});
    }
    if (field == "reason") return api::GetString(obj, {"reason"});
    if (field == "type") return api::GetString(obj, {"type"});
    if (field == "reportingController") return api::GetString(obj, {"reportingController"});
    if (field == "source") {
      std::string source = api::GetString(obj, {"deprecatedSource", "component"});
      return source.empty() ? api::GetString(obj, {"reportingController"}) : source;
    }
    return Strategy::FieldValue(obj, field);
  }
};

class LeaseStrategy final : public Strategy {
 public:
  bool AllowCreateOnUpdate() const override { return false; }
  std::vector<TableColumn> Columns() const override {
    return {Col("Name", "Name must be unique within a namespace."),
            Col("Holder", "holderIdentity contains the identity of the holder of a current lease."),
            Col("Age", "The time since the object was created.")};
  }
  void Cells(const Value& obj, Clock::TimePoint now, Value& cells, Alloc& a) const override {
    Str(cells, api::Name(obj), a);
    Str(cells, api::GetString(obj, {"spec", "holderIdentity"}), a);
    Str(cells, AgeCell(obj, now), a);
  }
};

class EndpointsStrategy final : public Strategy {
 public:
  std::vector<TableColumn> Columns() const override {
    return {Col("Name", "Name must be unique within a namespace."),
            Col("Endpoints", "Endpoints of the service"),
            Col("Age", "The time since the object was created.")};
  }
  void Cells(const Value& obj, Clock::TimePoint now, Value& cells, Alloc& a) const override {
    std::vector<std::string> eps;
    size_t total = 0;
    if (const Value* subsets = api::FindMember(obj, "subsets"); subsets && subsets->IsArray()) {
      for (const auto& s : subsets->GetArray()) {
        const Value* addrs = api::FindMember(s, "addresses");
        const Value* ports = api::FindMember(s, "ports");
        if (!addrs || !addrs->IsArray()) continue;
        for (const auto& ad : addrs->GetArray()) {
          std::string ip = api::GetString(ad, {"ip"});
          if (ports && ports->IsArray() && !ports->Empty()) {
            for (const auto& p : ports->GetArray()) {
              ++total;
              if (eps.size() < 3)
                eps.push_back(ip + ":" + std::to_string(api::GetInt(p, {"port"})));
            }
          } else {
            ++total;
            if (eps.size() < 3) eps.push_back(ip);
          }
        }
      }
    }
    std::string text;
    for (const auto& e : eps) text += (text.empty() ? "" : ",") + e;
    if (total > eps.size()) text += " + " + std::to_string(total - eps.size()) + " more...";
    Str(cells, api::Name(obj), a);
    Str(cells, OrNone(text), a);
    Str(cells, AgeCell(obj, now), a);
  }
};

class EndpointSliceStrategy final : public Strategy {
 public:
  std::vector<TableColumn> Columns() const override {
    return {Col("Name", "Name must be unique within a namespace."),
            Col("AddressType", "The IP protocol for this slice"),
            Col("Ports", "The ports contained in this slice"),
            Col("Endpoints", "The endpoints contained in this slice"),
            Col("Age", "The time since the object was created.")};
  }
  void Cells(const Value& obj, Clock::TimePoint now, Value& cells, Alloc& a) const override {
    std::string ports;
    if (const Value* ps = api::FindMember(obj, "ports"); ps && ps->IsArray()) {
      for (const auto& p : ps->GetArray()) {
        ports += (ports.empty() ? "" : ",") + std::to_string(api::GetInt(p, {"port"}));
      }
    }
    std::vector<std::string> addrs;
    size_t total = 0;
    if (const Value* eps = api::FindMember(obj, "endpoints"); eps && eps->IsArray()) {
      for (const auto& e : eps->GetArray()) {
        if (const Value* list = api::FindMember(e, "addresses"); list && list->IsArray()) {
          for (const auto& ad : list->GetArray()) {
            ++total;
            if (addrs.size() < 3 && ad.IsString()) addrs.push_back(ad.GetString());
          }
        }
      }
    }
    std::string text;
    for (const auto& e : addrs) text += (text.empty() ? "" : ",") + e;
    if (total > addrs.size()) text += " + " + std::to_string(total - addrs.size()) + " more...";
    Str(cells, api::Name(obj), a);
    Str(cells, api::GetString(obj, {"addressType"}), a);
    Str(cells, ports.empty() ? "<unset>" : ports, a);
    Str(cells, text.empty() ? "<unset>" : text, a);
    Str(cells, AgeCell(obj, now), a);
  }
};

class ConfigMapStrategy final : public Strategy {
 public:
  std::vector<TableColumn> Columns() const override {
    return {Col("Name", "Name must be unique within a namespace."),
            Col("Data", "Number of data entries", 0, "integer"),
            Col("Age", "The time since the object was created.")};
  }
  void Cells(const Value& obj, Clock::TimePoint now, Value& cells, Alloc& a) const override {
    int64_t n = 0;
    if (const Value* d = api::FindMember(obj, "data"); d && d->IsObject()) n += d->MemberCount();
    if (const Value* d = api::FindMember(obj, "binaryData"); d && d->IsObject())
      n += d->MemberCount();
    Str(cells, api::Name(obj), a);
    cells.PushBack(n, a);
    Str(cells, AgeCell(obj, now), a);
  }
};

// ServiceAccount: names are DNS subdomains (the default check); the table counts its secrets.
class ServiceAccountStrategy final : public Strategy {
 public:
  void PrepareForCreate(Document& obj, StrategyContext& ctx) const override {
    Strategy::PrepareForCreate(obj, ctx);
    KeepOnlySecretNames(obj);
  }
  void PrepareForUpdate(Document& obj, const Value& old) const override {
    Strategy::PrepareForUpdate(obj, old);
    KeepOnlySecretNames(obj);
  }
  std::vector<TableColumn> Columns() const override {
    // Upstream types the column "string" while its cells are integers; kubectl prints either.
    return {Col("Name", "Name must be unique within a namespace."),
            Col("Secrets", "Secrets (legacy token secrets) referenced by this service account."),
            Col("Age", "The time since the object was created.")};
  }
  void Cells(const Value& obj, Clock::TimePoint now, Value& cells, Alloc& a) const override {
    int64_t n = 0;
    if (const Value* s = api::FindMember(obj, "secrets"); s && s->IsArray()) n = s->Size();
    Str(cells, api::Name(obj), a);
    cells.PushBack(n, a);
    Str(cells, AgeCell(obj, now), a);
  }

 private:
  // As upstream, references to secrets keep only their names (same namespace by definition).
  static void KeepOnlySecretNames(Document& obj) {
    Value* secrets = api::FindMemberMutable(obj, "secrets");
    if (secrets == nullptr || !secrets->IsArray()) return;
    for (auto& ref : secrets->GetArray()) {
      if (ref.IsObject()) api::KeepOnlyMembers(ref, {"name"});
    }
  }
};

}  // namespace

std::unique_ptr<Strategy> NewControllerRevisionStrategy() {
  return std::make_unique<ControllerRevisionStrategy>();
}
std::unique_ptr<Strategy> NewEventStrategy() { return std::make_unique<EventStrategy>(); }
std::unique_ptr<Strategy> NewEventsV1Strategy() { return std::make_unique<EventsV1Strategy>(); }
std::unique_ptr<Strategy> NewLeaseStrategy() { return std::make_unique<LeaseStrategy>(); }
std::unique_ptr<Strategy> NewEndpointsStrategy() { return std::make_unique<EndpointsStrategy>(); }
std::unique_ptr<Strategy> NewEndpointSliceStrategy() {
  return std::make_unique<EndpointSliceStrategy>();
}
std::unique_ptr<Strategy> NewConfigMapStrategy() { return std::make_unique<ConfigMapStrategy>(); }
std::unique_ptr<Strategy> NewServiceAccountStrategy() {
  return std::make_unique<ServiceAccountStrategy>();
}

}  // namespace tinyk8s::apiserver
