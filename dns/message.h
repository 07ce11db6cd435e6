#pragma once
// DNS wire format (RFC 1035, 2181, 3596, 2782, 6891): parsing of queries and encoding of
// responses, with name compression and EDNS0. Everything here is pure and thread-compatible.
//
// Parsing never trusts the input: every read is bounds-checked, compression pointers must point
// backwards (so loops are impossible) and names are limited to 255 bytes; anything malformed is a
// kInvalid Status and the caller drops the packet.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tinyk8s::dns {

namespace rrtype {
inline constexpr uint16_t kA = 1;
inline constexpr uint16_t kNs = 2;
inline constexpr uint16_t kCname = 5;
inline constexpr uint16_t kSoa = 6;
inline constexpr uint16_t kPtr = 12;
inline constexpr uint16_t kMx = 15;
inline constexpr uint16_t kTxt = 16;
inline constexpr uint16_t kAaaa = 28;
inline constexpr uint16_t kSrv = 33;
inline constexpr uint16_t kOpt = 41;
inline constexpr uint16_t kAny = 255;
}  // namespace rrtype

inline constexpr uint16_t kClassIn = 1;
inline constexpr uint16_t kClassAny = 255;
inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxUdpPlainSize = 512;  // without EDNS0 (RFC 1035 4.2.1)
inline constexpr size_t kMaxMessageSize = 65535;

enum class Rcode : uint16_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
  kBadVers = 16,  // extended (EDNS0): upper 8 bits travel in the OPT record
};

struct Header {
  uint16_t id = 0;
  bool qr = false;  // response
  uint8_t opcode = 0;
  bool aa = false;  // authoritative answer
  bool tc = false;  // truncated
  bool rd = false;  // recursion desired
  bool ra = false;  // recursion available
  bool ad = false;
  bool cd = false;
  uint8_t rcode = 0;  // low 4 bits
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
};

// Edns is what a query's OPT pseudo-record said (RFC 6891).
struct Edns {
  bool present = false;
  uint16_t udp_size = 512;
  uint8_t version = 0;
  bool dnssec_ok = false;
};

struct Question {
  // Lower-cased presentation form without the trailing dot ("" for the root). A label with a
  // byte outside [a-z0-9_-] (after lower-casing) sets `unusual` and is kept escaped, so it can
  // never match a Kubernetes name.
  std::string name;
  bool unusual = false;
  uint16_t type = 0;
  uint16_t qclass = 0;
};

// Query is a parsed request. `raw` keeps the whole packet: the question is echoed byte-exact
// (its original letter case included) and forwarded queries are sent on unchanged.
struct Query {
  Header header;
  Question question;
  Edns edns;
  size_t question_end = 0;  // offset just past the question section
};

// ParseQuery parses a request packet: header, the question, and the records after it (only an
// OPT record is kept). kInvalid for anything malformed, a response (QR set), or a second OPT.
// A query with qdcount != 1 parses (question left empty) so the server can answer FORMERR.
Result<Query> ParseQuery(std::span<const uint8_t> packet);

// ParseHeader reads the fixed header; false if the packet is shorter than 12 bytes.
bool ParseHeader(std::span<const uint8_t> packet, Header* out);

// ReadName decodes the (possibly compressed) name at *offset into `out` (lower-cased dotted
// form) and advances *offset past it. False on any malformation.
bool ReadName(std::span<const uint8_t> packet, size_t* offset, std::string* out,
              bool* unusual = nullptr);

// Record is one resource record to encode. Names are dotted ASCII without the trailing dot;
// an empty `name` means "the question name" (encoded as a pointer to it).
struct Record {
  std::string name;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::array<uint8_t, 16> ip{};                             // A: first 4 bytes; AAAA: 16
  std::string target;                                       // CNAME, PTR, NS, SRV target, SOA mname
  std::string text;                                         // TXT string; SOA rname
  uint16_t priority = 0, weight = 0, port = 0;              // SRV
  uint32_t serial = 0, refresh = 0, retry = 0, expire = 0;  // SOA
  uint32_t minimum = 0;                                     // SOA

  static Record A(std::string name, uint32_t ttl, const std::array<uint8_t, 4>& ip);
  static Record Aaaa(std::string name, uint32_t ttl, const std::array<uint8_t, 16>& ip);
  static Record Ptr(std::string name, uint32_t ttl, std::string target);
  static Record Cname(std::string name, uint32_t ttl, std::string target);
  static Record Ns(std::string name, uint32_t ttl, std::string target);
  static Record Txt(std::string name, uint32_t ttl, std::string text);
  static Record Srv(std::string name, uint32_t ttl, uint16_t priority, uint16_t weight,
                    uint16_t port, std::string target);
};

// Response is what the server answers: header flags and rcode, the sections, and whether to
// add an OPT record (when the query had one).
struct Response {
  Header header;  // id, opcode, rd copied from the query by MakeResponseHeader
  Rcode rcode = Rcode::kNoError;
  std::vector<Record> answer;
  std::vector<Record> authority;
  std::vector<Record> additional;
  bool edns = false;
  uint16_t edns_udp_size = 1232;  // what we advertise
  bool dnssec_ok = false;
};

// EncodeResponse writes `response` for `query` (whose question is copied from `packet`) into at
// most `max_size` bytes. If the answer or authority section does not fit, TC is set and the
// message ends after the records that fit; additional records that do not fit are left out
// without TC (RFC 2181 9). The OPT record is always kept.
std::vector<uint8_t> EncodeResponse(std::span<const uint8_t> packet, const Query& query,
                                    const Response& response, size_t max_size);

// EncodeQuery builds a simple query (for tests, benchmarks and the forwarder's health checks).
std::vector<uint8_t> EncodeQuery(uint16_t id, std::string_view name, uint16_t type, bool rd = true,
                                 std::optional<uint16_t> edns_udp_size = {});

// ParsedRecord is a decoded record of a response (tests and tools): rdata rendered as text
// ("10.43.0.1", "0 33 8080 a.b.", "\"1.1.0\"", SOA fields space separated).
struct ParsedRecord {
  std::string name;
  uint16_t type = 0;
  uint16_t qclass = 0;
  uint32_t ttl = 0;
  std::string data;
};
struct ParsedMessage {
  Header header;
  std::vector<Question> questions;
  std::vector<ParsedRecord> answer, authority, additional;
  Edns edns;
};
// ParseMessage decodes a whole message (any record type; unknown rdata as hex).
Result<ParsedMessage> ParseMessage(std::span<const uint8_t> packet);

}  // namespace tinyk8s::dns
