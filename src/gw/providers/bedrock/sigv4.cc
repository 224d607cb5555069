// SigV4 signing (protocols.md 4.9), following @smithy/signature-v4 where the spec leaves room:
// path normalization, which headers are never signed, and whitespace folding of values.
#include "gw/providers/bedrock/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <map>

namespace gw::bedrock {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Headers that proxies and transports may add, drop or rewrite after signing; signing them would
// make a correct signature fail on the way (smithy's ALWAYS_UNSIGNABLE_HEADERS).
constexpr std::array<std::string_view, 16> kUnsignable = {
    "authorization", "cache-control", "connection", "expect",     "from",      "keep-alive",
    "max-forwards",  "pragma",        "referer",    "te",         "trailer",   "transfer-encoding",
    "upgrade",       "user-agent",    "x-amzn-trace-id", "proxy-authorization"};

// Headers sign_v4 sets itself; a caller's copy would be stale (a retried request re-signed).
constexpr std::array<std::string_view, 4> kOwn = {"x-amz-date", "x-amz-content-sha256",
                                                  "x-amz-security-token", "host"};

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Leading/trailing whitespace trimmed, inner runs folded to one space.
std::string fold_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    out.push_back(c);
  }
  return out;
}

bool contains(const auto& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) {
    enc.emplace_back(uri_encode(k), uri_encode(v));
  }
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (is_unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string canonical_uri(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    const size_t slash = path.find('/', pos);
    const std::string_view seg = path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (seg == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    pos = slash + 1;
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) {
      out.push_back('/');
    }
    out += uri_encode(segments[i]);
  }
  if (!segments.empty() && path.size() > 1 && path.back() == '/') {
    out.push_back('/');
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string sha256_hex_of(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string amz_date_of(SystemTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Signature sign_v4(const Credentials& creds, const SigningInput& in) {
  Signature s;
  s.amz_date = amz_date_of(in.time);
  s.date_stamp = s.amz_date.substr(0, 8);
  s.payload_hash = sha256_hex_of(in.body);

  // The caller's signable headers, then ours. Repeated names are joined with ',' (SigV4 rule).
  std::map<std::string, std::string> canon;
  for (const auto& [name, value] : in.headers) {
    std::string n = lower(name);
    if (contains(kUnsignable, n) || contains(kOwn, n)) {
      continue;
    }
    std::string v = fold_value(value);
    auto [it, fresh] = canon.emplace(std::move(n), v);
    if (!fresh) {
      it->second += "," + v;
    }
  }
  s.added_headers.emplace_back("host", in.host);
  s.added_headers.emplace_back("x-amz-date", s.amz_date);
  s.added_headers.emplace_back("x-amz-content-sha256", s.payload_hash);
  if (!creds.session_token.empty()) {
    s.added_headers.emplace_back("x-amz-security-token", creds.session_token);
  }
  for (const auto& [n, v] : s.added_headers) {
    canon[n] = fold_value(v);
  }

  std::string headers_block;
  for (const auto& [n, v] : canon) {
    headers_block += n + ":" + v + "\n";
    if (!s.signed_headers.empty()) {
      s.signed_headers.push_back(';');
    }
    s.signed_headers += n;
  }
  s.canonical_request = in.method + "\n" + canonical_uri(in.path) + "\n" + canonical_query(in.query) +
                        "\n" + headers_block + "\n" + s.signed_headers + "\n" + s.payload_hash;
  s.canonical_request_hash = sha256_hex_of(s.canonical_request);
  s.credential_scope = s.date_stamp + "/" + in.region + "/" + in.service + "/aws4_request";
  s.string_to_sign = std::string(kAlgorithm) + "\n" + s.amz_date + "\n" + s.credential_scope + "\n" +
                     s.canonical_request_hash;

  s.k_date = hmac_sha256("AWS4" + creds.secret_access_key, s.date_stamp);
  s.k_region = hmac_sha256(s.k_date, in.region);
  s.k_service = hmac_sha256(s.k_region, in.service);
  s.k_signing = hmac_sha256(s.k_service, "aws4_request");
  s.signature = to_hex(hmac_sha256(s.k_signing, s.string_to_sign));
  s.authorization = std::string(kAlgorithm) + " Credential=" + creds.access_key_id + "/" +
                    s.credential_scope + ", SignedHeaders=" + s.signed_headers +
                    ", Signature=" + s.signature;
  s.added_headers.emplace_back("authorization", s.authorization);
  return s;
}

}  // namespace gw::bedrock
