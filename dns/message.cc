#include "dns/message.h"

#include <arpa/inet.h>

#include <cstdio>
#include <unordered_map>

namespace tinyk8s::dns {

namespace {

constexpr size_t kMaxNameWireLength = 255;
constexpr int kMaxPointerJumps = 64;
constexpr size_t kOptSize = 11;

uint16_t Get16(std::span<const uint8_t> p, size_t at) {
  return static_cast<uint16_t>(p[at] << 8 | p[at + 1]);
}
uint32_t Get32(std::span<const uint8_t> p, size_t at) {
  return uint32_t{p[at]} << 24 | uint32_t{p[at + 1]} << 16 | uint32_t{p[at + 2]} << 8 | p[at + 3];
}

void Put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void Put32(std::vector<uint8_t>& out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v));
}
void Set16(std::vector<uint8_t>& out, size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v);
}

bool PlainLabelChar(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Skips one resource record at *offset (name, fixed part, rdata); reads its type.
bool SkipRecord(std::span<const uint8_t> p, size_t* offset, uint16_t* type, uint16_t* cls,
                uint32_t* ttl, size_t* rdata_at, uint16_t* rdlen, std::string* name) {
  std::string scratch;
  if (!ReadName(p, offset, name ? name : &scratch)) return false;
  if (*offset + 10 > p.size()) return false;
  *type = Get16(p, *offset);
  *cls = Get16(p, *offset + 2);
  *ttl = Get32(p, *offset + 4);
  *rdlen = Get16(p, *offset + 8);
  *rdata_at = *offset + 10;
  if (*rdata_at + *rdlen > p.size()) return false;
  *offset = *rdata_at + *rdlen;
  return true;
}

// NameWriter writes names with compression (RFC 1035 4.1.4). Keys are views into strings that
// outlive the writer (record names, the parsed question name).
class NameWriter {
 public:
  explicit NameWriter(std::vector<uint8_t>& out) : out_(out) {}

  void Register(std::string_view suffix, size_t offset) {
    if (offset < 0x4000) table_.emplace(suffix, static_cast<uint16_t>(offset));
  }

  void Write(std::string_view name, bool compress) {
    size_t pos = 0;
    while (pos < name.size()) {
      std::string_view suffix = name.substr(pos);
      if (compress) {
        auto it = table_.find(suffix);
        if (it != table_.end()) {
          Put16(out_, static_cast<uint16_t>(0xC000 | it->second));
          return;
        }
      }
      Register(suffix, out_.size());
      size_t dot = name.find('.', pos);
      if (dot == std::string_view::npos) dot = name.size();
      size_t len = std::min<size_t>(dot - pos, 63);
      out_.push_back(static_cast<uint8_t>(len));
      out_.insert(out_.end(), name.begin() + pos, name.begin() + pos + len);
      pos = dot + 1;
    }
    out_.push_back(0);
  }

 private:
  std::vector<uint8_t>& out_;
  std::unordered_map<std::string_view, uint16_t> table_;
};

void WriteRecord(std::vector<uint8_t>& out, NameWriter& names, const Record& r,
                 bool have_question) {
  if (r.name.empty() && have_question) {
    Put16(out, 0xC000 | kHeaderSize);
  } else {
    names.Write(r.name, true);
  }
  Put16(out, r.type);
  Put16(out, kClassIn);
  Put32(out, r.ttl);
  size_t len_at = out.size();
  Put16(out, 0);
  switch (r.type) {
    case rrtype::kA:
      out.insert(out.end(), r.ip.begin(), r.ip.begin() + 4);
      break;
    case rrtype::kAaaa:
      out.insert(out.end(), r.ip.begin(), r.ip.end());
      break;
    case rrtype::kPtr:
    case rrtype::kCname:
    case rrtype::kNs:
      names.Write(r.target, true);
      break;
    case rrtype::kSrv:
      Put16(out, r.priority);
      Put16(out, r.weight);
      Put16(out, r.port);
      names.Write(r.target, false);  // RFC 2782: no compression in the target
      break;
    case rrtype::kTxt: {
      // One or more character-strings of at most 255 bytes.
      std::string_view t = r.text;
      do {
        size_t n = std::min<size_t>(t.size(), 255);
        out.push_back(static_cast<uint8_t>(n));
        out.insert(out.end(), t.begin(), t.begin() + n);
        t.remove_prefix(n);
      } while (!t.empty());
      break;
    }
    case rrtype::kSoa:
      names.Write(r.target, true);
      names.Write(r.text, true);
      Put32(out, r.serial);
      Put32(out, r.refresh);
      Put32(out, r.retry);
      Put32(out, r.expire);
      Put32(out, r.minimum);
      break;
    default:
      break;
  }
  Set16(out, len_at, static_cast<uint16_t>(out.size() - len_at - 2));
}

std::string RenderName(std::string_view dotted) { return std::string(dotted) + "."; }

}  // namespace

bool ParseHeader(std::span<const uint8_t> p, Header* h) {
  if (p.size() < kHeaderSize) return false;
  h->id = Get16(p, 0);
  uint8_t f1 = p[2], f2 = p[3];
  h->qr = f1 & 0x80;
  h->opcode = (f1 >> 3) & 0x0F;
  h->aa = f1 & 0x04;
  h->tc = f1 & 0x02;
  h->rd = f1 & 0x01;
  h->ra = f2 & 0x80;
  h->ad = f2 & 0x20;
  h->cd = f2 & 0x10;
  h->rcode = f2 & 0x0F;
  h->qdcount = Get16(p, 4);
  h->ancount = Get16(p, 6);
  h->nscount = Get16(p, 8);
  h->arcount = Get16(p, 10);
  return true;
}

bool ReadName(std::span<const uint8_t> p, size_t* offset, std::string* out, bool* unusual) {
  out->clear();
  size_t pos = *offset;
  size_t wire_length = 0;
  int jumps = 0;
  bool jumped = false;
  for (;;) {
    if (pos >= p.size()) return false;
    uint8_t len = p[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= p.size()) return false;
      size_t target = (len & 0x3F) << 8 | p[pos + 1];
      // Pointers must go backwards; with the jump limit this makes loops impossible.
      if (target >= pos || ++jumps > kMaxPointerJumps) return false;
      if (!jumped) *offset = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if (len & 0xC0) return false;  // extended label types (RFC 6891 obsoleted them)
    wire_length += len + 1;
    if (wire_length > kMaxNameWireLength) return false;
    if (len == 0) {
      if (!jumped) *offset = pos + 1;
      return true;
    }
    if (pos + 1 + len > p.size()) return false;
    if (!out->empty()) out->push_back('.');
    for (size_t i = pos + 1; i <= pos + len; ++i) {
      uint8_t c = p[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<uint8_t>(c - 'A' + 'a');
      if (PlainLabelChar(c)) {
        out->push_back(static_cast<char>(c));
      } else {
        if (unusual) *unusual = true;
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", c);
        out->append(buf);
      }
    }
    pos += 1 + len;
  }
}

Result<Query> ParseQuery(std::span<const uint8_t> p) {
  Query q;
  if (!ParseHeader(p, &q.header)) return Status::Invalid("short packet");
  if (q.header.qr) return Status::Invalid("not a query");
  size_t offset = kHeaderSize;
  if (q.header.qdcount != 1) {
    q.question_end = kHeaderSize;
    return q;
  }
  if (!ReadName(p, &offset, &q.question.name, &q.question.unusual)) {
    return Status::Invalid("bad question name");
  }
  if (offset + 4 > p.size()) return Status::Invalid("short question");
  q.question.type = Get16(p, offset);
  q.question.qclass = Get16(p, offset + 2);
  offset += 4;
  q.question_end = offset;
  int records = q.header.ancount + q.header.nscount + q.header.arcount;
  for (int i = 0; i < records; ++i) {
    uint16_t type, cls, rdlen;
    uint32_t ttl;
    size_t rdata_at;
    std::string name;
    if (!SkipRecord(p, &offset, &type, &cls, &ttl, &rdata_at, &rdlen, &name)) {
      return Status::Invalid("bad record");
    }
    bool additional = i >= q.header.ancount + q.header.nscount;
    if (type == rrtype::kOpt) {
      if (!additional || q.edns.present || !name.empty()) return Status::Invalid("bad OPT");
      q.edns.present = true;
      q.edns.udp_size = std::max<uint16_t>(cls, kMaxUdpPlainSize);
      q.edns.version = static_cast<uint8_t>(ttl >> 16);
      q.edns.dnssec_ok = ttl & 0x8000;
    }
  }
  return q;
}

Record Record::A(std::string name, uint32_t ttl, const std::array<uint8_t, 4>& ip) {
  Record r;
  r.name = std::move(name);
  r.type = rrtype::kA;
  r.ttl = ttl;
  std::copy(ip.begin(), ip.end(), r.ip.begin());
  return r;
}
Record Record::Aaaa(std::string name, uint32_t ttl, const std::array<uint8_t, 16>& ip) {
  Record r;
  r.name = std::move(name);
  r.type = rrtype::kAaaa;
  r.ttl = ttl;
  r.ip = ip;
  return r;
}
Record Record::Ptr(std::string name, uint32_t ttl, std::string target) {
  Record r;
  r.name = std::move(name);
  r.type = rrtype::kPtr;
  r.ttl = ttl;
  r.target = std::move(target);
  return r;
}
Record Record::Cname(std::string name, uint32_t ttl, std::string target) {
  Record r = Ptr(std::move(name), ttl, std::move(target));
  r.type = rrtype::kCname;
  return r;
}
Record Record::Ns(std::string name, uint32_t ttl, std::string target) {
  Record r = Ptr(std::move(name), ttl, std::move(target));
  r.type = rrtype::kNs;
  return r;
}
Record Record::Txt(std::string name, uint32_t ttl, std::string text) {
  Record r;
  r.name = std::move(name);
  r.type = rrtype::kTxt;
  r.ttl = ttl;
  r.text = std::move(text);
  return r;
}
Record Record::Srv(std::string name, uint32_t ttl, uint16_t priority, uint16_t weight,
                   uint16_t port, std::string target) {
  Record r;
  r.name = std::move(name);
  r.type = rrtype::kSrv;
  r.ttl = ttl;
  r.priority = priority;
  r.weight = weight;
  r.port = port;
  r.target = std::move(target);
  return r;
}

std::vector<uint8_t> EncodeResponse(std::span<const uint8_t> packet, const Query& query,
                                    const Response& response, size_t max_size) {
  std::vector<uint8_t> out;
  out.reserve(std::min<size_t>(max_size, 512));
  const Header& h = response.header;
  uint16_t rcode = static_cast<uint16_t>(response.rcode);
  Put16(out, h.id);
  out.push_back(
      static_cast<uint8_t>(0x80 | (h.opcode & 0x0F) << 3 | (h.aa ? 0x04 : 0) | (h.rd ? 0x01 : 0)));
  out.push_back(static_cast<uint8_t>((h.ra ? 0x80 : 0) | (h.cd ? 0x10 : 0) | (rcode & 0x0F)));
  for (int i = 0; i < 4; ++i) Put16(out, 0);
  NameWriter names(out);
  bool have_question = query.header.qdcount == 1 && query.question_end > kHeaderSize &&
                       query.question_end <= packet.size();
  if (have_question) {
    out.insert(out.end(), packet.begin() + kHeaderSize, packet.begin() + query.question_end);
    Set16(out, 4, 1);
    // The question name can be a compression target (lower-cased keys match our names).
    if (!query.question.unusual) {
      std::string_view n = query.question.name;
      size_t at = kHeaderSize;
      size_t pos = 0;
      while (pos < n.size() && at < out.size() && (out[at] & 0xC0) == 0) {
        names.Register(n.substr(pos), at);
        size_t dot = n.find('.', pos);
        at += out[at] + 1;
        pos = dot == std::string_view::npos ? n.size() : dot + 1;
      }
    }
  }
  size_t limit = std::max(max_size, kHeaderSize + kOptSize) - (response.edns ? kOptSize : 0);
  bool truncated = false;
  auto add_section = [&](const std::vector<Record>& records, size_t count_at, bool sets_tc) {
    uint16_t count = 0;
    for (const Record& r : records) {
      size_t before = out.size();
      WriteRecord(out, names, r, have_question);
      if (out.size() > limit) {
        out.resize(before);
        if (sets_tc) truncated = true;
        Set16(out, count_at, count);
        return false;
      }
      ++count;
    }
    Set16(out, count_at, count);
    return true;
  };
  if (add_section(response.answer, 6, true) && add_section(response.authority, 8, true)) {
    add_section(response.additional, 10, false);
  }
  uint16_t arcount = Get16(out, 10);
  if (response.edns) {
    out.push_back(0);  // root
    Put16(out, rrtype::kOpt);
    Put16(out, response.edns_udp_size);
    uint32_t ttl =
        uint32_t{static_cast<uint8_t>(rcode >> 4)} << 24 | (response.dnssec_ok ? 0x8000u : 0u);
    Put32(out, ttl);
    Put16(out, 0);
    Set16(out, 10, static_cast<uint16_t>(arcount + 1));
  }
  if (truncated) out[2] |= 0x02;
  return out;
}

std::vector<uint8_t> EncodeQuery(uint16_t id, std::string_view name, uint16_t type, bool rd,
                                 std::optional<uint16_t> edns_udp_size) {
  std::vector<uint8_t> out;
  Put16(out, id);
  out.push_back(rd ? 0x01 : 0);
  out.push_back(0);
  Put16(out, 1);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, edns_udp_size ? 1 : 0);
  NameWriter names(out);
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  names.Write(name, false);
  Put16(out, type);
  Put16(out, kClassIn);
  if (edns_udp_size) {
    out.push_back(0);
    Put16(out, rrtype::kOpt);
    Put16(out, *edns_udp_size);
    Put32(out, 0);
    Put16(out, 0);
  }
  return out;
}

Result<ParsedMessage> ParseMessage(std::span<const uint8_t> p) {
  ParsedMessage m;
  if (!ParseHeader(p, &m.header)) return Status::Invalid("short packet");
  size_t offset = kHeaderSize;
  for (int i = 0; i < m.header.qdcount; ++i) {
    Question q;
    if (!ReadName(p, &offset, &q.name, &q.unusual) || offset + 4 > p.size()) {
      return Status::Invalid("bad question");
    }
    q.type = Get16(p, offset);
    q.qclass = Get16(p, offset + 2);
    offset += 4;
    m.questions.push_back(std::move(q));
  }
  int total = m.header.ancount + m.header.nscount + m.header.arcount;
  for (int i = 0; i < total; ++i) {
    ParsedRecord r;
    size_t rdata_at;
    uint16_t rdlen;
    if (!SkipRecord(p, &offset, &r.type, &r.qclass, &r.ttl, &rdata_at, &rdlen, &r.name)) {
      return Status::Invalid("bad record");
    }
    r.name = RenderName(r.name);
    auto rdata = p.subspan(rdata_at, rdlen);
    size_t at = rdata_at;
    std::string n1, n2;
    char buf[INET6_ADDRSTRLEN];
    if (r.type == rrtype::kA && rdlen == 4) {
      inet_ntop(AF_INET, rdata.data(), buf, sizeof buf);
      r.data = buf;
    } else if (r.type == rrtype::kAaaa && rdlen == 16) {
      inet_ntop(AF_INET6, rdata.data(), buf, sizeof buf);
      r.data = buf;
    } else if (r.type == rrtype::kPtr || r.type == rrtype::kCname || r.type == rrtype::kNs) {
      if (!ReadName(p, &at, &n1)) return Status::Invalid("bad rdata name");
      r.data = RenderName(n1);
    } else if (r.type == rrtype::kSrv && rdlen >= 7) {
      at += 6;
      if (!ReadName(p, &at, &n1)) return Status::Invalid("bad SRV target");
      r.data = std::to_string(Get16(p, rdata_at)) + " " + std::to_string(Get16(p, rdata_at + 2)) +
               " " + std::to_string(Get16(p, rdata_at + 4)) + " " + RenderName(n1);
    } else if (r.type == rrtype::kTxt) {
      for (size_t i2 = 0; i2 < rdata.size();) {
        size_t n = rdata[i2];
        if (i2 + 1 + n > rdata.size()) return Status::Invalid("bad TXT");
        if (!r.data.empty()) r.data += " ";
        r.data += "\"" + std::string(rdata.begin() + i2 + 1, rdata.begin() + i2 + 1 + n) + "\"";
        i2 += 1 + n;
      }
    } else if (r.type == rrtype::kSoa) {
      if (!ReadName(p, &at, &n1) || !ReadName(p, &at, &n2) || at + 20 > rdata_at + rdlen) {
        return Status::Invalid("bad SOA");
      }
      r.data = RenderName(n1) + " " + RenderName(n2);
      for (int k = 0; k < 5; ++k) r.data += " " + std::to_string(Get32(p, at + 4 * k));
    } else if (r.type == rrtype::kOpt) {
      m.edns.present = true;
      m.edns.udp_size = r.qclass;
      m.edns.version = static_cast<uint8_t>(r.ttl >> 16);
      m.edns.dnssec_ok = r.ttl & 0x8000;
      m.header.rcode = static_cast<uint8_t>(m.header.rcode | ((r.ttl >> 24) << 4));
      continue;  // not listed as a record
    } else {
      static const char* kHex = "0123456789abcdef";
      for (uint8_t b : rdata) {
        r.data.push_back(kHex[b >> 4]);
        r.data.push_back(kHex[b & 15]);
      }
    }
    auto& section = i < m.header.ancount                      ? m.answer
                    : i < m.header.ancount + m.header.nscount ? m.authority
                                                              : m.additional;
    section.push_back(std::move(r));
  }
  return m;
}

}  // namespace tinyk8s::dns
