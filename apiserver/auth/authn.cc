#include "apiserver/auth/authn.h"

#include <strings.h>

#include <algorithm>

#include "apiserver/auth/service_account_token.h"

namespace tinyk8s::apiserver::auth {

bool UserInfo::InGroup(std::string_view group) const {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

Authenticator::Authenticator(std::map<std::string, UserInfo> tokens, bool insecure_superuser,
                             const ServiceAccountTokens* service_accounts)
    : tokens_(std::move(tokens)),
      insecure_superuser_(insecure_superuser),
      service_accounts_(service_accounts) {}

std::optional<UserInfo> Authenticator::Authenticate(const HttpRequest& req, bool* bad_token) const {
  *bad_token = false;
  std::optional<UserInfo> user;
  if (!req.peer_common_name.empty()) {
    user = UserInfo{req.peer_common_name, "", req.peer_organizations};
  } else if (const std::string& h = req.Header("authorization"); !h.empty()) {
    // "Bearer <token>", scheme case-insensitive (RFC 7235).
    if (h.size() > 7 && strncasecmp(h.c_str(), "bearer ", 7) == 0) {
      std::string token = h.substr(7);
      while (!token.empty() && token.front() == ' ') token.erase(0, 1);
      if (auto it = tokens_.find(token); it != tokens_.end()) {
        user = it->second;
      } else if (service_accounts_) {
        // A refused service-account token is a bad token like any unknown one (401).
        if (auto sa = service_accounts_->Authenticate(token); sa && sa->ok())
          user = std::move(**sa);
      }
    }
    if (!user) *bad_token = true;
  } else if (insecure_superuser_) {
    user = UserInfo{"system:unsecured", "", {kSystemMasters}};
  }
  if (user && !user->InGroup(kAuthenticated)) user->groups.push_back(kAuthenticated);
  return user;
}

TokenReviewAnswer Authenticator::ReviewToken(const std::string& token,
                                             const std::vector<std::string>& audiences) const {
  static const std::vector<std::string> kNoAudiences;
  const std::vector<std::string>& api_audiences =
      service_accounts_ ? service_accounts_->api_audiences() : kNoAudiences;
  const std::vector<std::string>& targets = audiences.empty() ? api_audiences : audiences;
  TokenReviewAnswer answer;
  if (auto it = tokens_.find(token); it != tokens_.end()) {
    // A static token knows no audience: it is good for whichever of the API audiences were
    // asked for (upstream's WrapAudienceAgnosticToken).
    for (const auto& aud : targets) {
      if (api_audiences.empty() ||
          std::find(api_audiences.begin(), api_audiences.end(), aud) != api_audiences.end()) {
        answer.audiences.push_back(aud);
      }
    }
    if (targets.empty() || !answer.audiences.empty()) answer.user = it->second;
  } else if (service_accounts_) {
    if (auto sa = service_accounts_->Authenticate(token, targets, &answer.audiences); sa) {
      if (sa->ok()) {
        answer.user = std::move(**sa);
      } else {
        answer.error = sa->status().message();
      }
    }
  }
  if (!answer.user) {
    answer.audiences.clear();
    // Upstream's bearer-token authenticator words a token nobody refused explicitly.
    if (answer.error.empty()) answer.error = "invalid bearer token";
    return answer;
  }
  if (!answer.user->InGroup(kAuthenticated)) answer.user->groups.push_back(kAuthenticated);
  return answer;
}

namespace {
// SplitCsvLine splits one CSV record with double-quoted fields ("" escapes a quote).
std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}
}  // namespace

Result<std::map<std::string, UserInfo>> ParseTokenFile(const std::string& text) {
  std::map<std::string, UserInfo> tokens;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto fields = SplitCsvLine(line);
    if (fields.size() < 3 || fields[0].empty() || fields[1].empty()) {
      return Status::Invalid("token file line " + std::to_string(line_no) +
                             ": expected token,user,uid[,\"group1,group2\"]");
    }
    UserInfo u{fields[1], fields[2], {}};
    for (size_t i = 3; i < fields.size(); ++i) {
      size_t start = 0;
      while (start <= fields[i].size()) {
        size_t comma = fields[i].find(',', start);
        std::string g =
            fields[i].substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!g.empty()) u.groups.push_back(g);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    tokens[fields[0]] = std::move(u);
  }
  return tokens;
}

}  // namespace tinyk8s::apiserver::auth
