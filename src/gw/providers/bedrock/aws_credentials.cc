// Parsers of the answers that carry temporary AWS credentials (aws_credentials.h).
#include "gw/providers/bedrock/aws_credentials.h"

#include <charconv>
#include <chrono>
#include <cstdio>

#include <boost/json.hpp>

namespace gw::bedrock {

namespace json = boost::json;

namespace {

constexpr size_t kMaxDepth = 32;

Error parse_error(std::string what) { return make_error(Code::UpstreamError, std::move(what)); }

std::string_view local_name(std::string_view qname) {
  const size_t colon = qname.rfind(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

// Appends `text` with its entity and character references decoded; false on a malformed one.
bool append_decoded(std::string_view text, std::string& out) {
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '&') {
      out.push_back(text[i++]);
      continue;
    }
    const size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      return false;
    }
    const std::string_view ref = text.substr(i + 1, semi - i - 1);
    i = semi + 1;
    if (ref == "amp") {
      out.push_back('&');
    } else if (ref == "lt") {
      out.push_back('<');
    } else if (ref == "gt") {
      out.push_back('>');
    } else if (ref == "quot") {
      out.push_back('"');
    } else if (ref == "apos") {
      out.push_back('\'');
    } else if (ref.size() > 1 && ref[0] == '#') {
      const bool hex = ref[1] == 'x' || ref[1] == 'X';
      const std::string_view num = ref.substr(hex ? 2 : 1);
      unsigned cp = 0;
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), cp, hex ? 16 : 10);
      if (ec != std::errc() || p != num.data() + num.size() || cp == 0 || cp > 0x10FFFF) {
        return false;
      }
      if (cp < 0x80) {  // UTF-8
        out.push_back(char(cp));
      } else if (cp < 0x800) {
        out.push_back(char(0xC0 | (cp >> 6)));
        out.push_back(char(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        out.push_back(char(0xE0 | (cp >> 12)));
        out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(char(0xF0 | (cp >> 18)));
        out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cp & 0x3F)));
      }
    } else {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

const std::string* find(const std::vector<std::pair<std::string, std::string>>& kv, std::string_view k) {
  for (const auto& [name, value] : kv) {
    if (name == k) {
      return &value;
    }
  }
  return nullptr;
}

}  // namespace

bool read_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) {
    return false;
  }
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<SystemTime> parse_aws_time(std::string_view s) {
  s = trim(s);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!read_digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !read_digits(s, 5, 2, mo) || s[7] != '-' ||
      !read_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !read_digits(s, 11, 2, h) ||
      s[13] != ':' || !read_digits(s, 14, 2, mi) || s[16] != ':' || !read_digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(unsigned(mo)),
                                        std::chrono::day(unsigned(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  size_t i = 19;
  std::chrono::nanoseconds frac{0};
  if (i < s.size() && s[i] == '.') {
    ++i;
    int64_t scale = 100'000'000;
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac += std::chrono::nanoseconds((s[i] - '0') * scale);
      scale /= 10;
      ++i;
    }
    if (i == start) {
      return std::nullopt;
    }
  }
  std::chrono::minutes offset{0};
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    if (!read_digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !read_digits(s, i + 4, 2, om)) {
      return std::nullopt;
    }
    offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    if (s[i] == '-') {
      offset = -offset;
    }
    i += 6;
  } else {
    return std::nullopt;  // a time without a zone is ambiguous
  }
  if (i != s.size()) {
    return std::nullopt;
  }
  const auto t = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
                 std::chrono::seconds(sec) - offset;
  return std::chrono::time_point_cast<SystemTime::duration>(t) +
         std::chrono::duration_cast<SystemTime::duration>(frac);
}

std::string format_aws_time(SystemTime t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto days = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{secs - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()));
  return buf;
}

std::optional<std::vector<std::pair<std::string, std::string>>> xml_children_text(
    std::string_view xml, const std::vector<std::string_view>& path) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> stack;
  // Whether the open elements are exactly `path` (collecting children's text) or path + child.
  auto at_path = [&](size_t extra) {
    if (stack.size() != path.size() + extra) {
      return false;
    }
    for (size_t k = 0; k < path.size(); ++k) {
      if (stack[k] != path[k]) {
        return false;
      }
    }
    return true;
  };
  size_t i = 0;
  while (i < xml.size()) {
    if (xml[i] != '<') {
      const size_t lt = xml.find('<', i);
      const std::string_view text = xml.substr(i, lt == std::string_view::npos ? xml.npos : lt - i);
      if (at_path(1) && !append_decoded(text, out.back().second)) {
        return std::nullopt;
      }
      if (lt == std::string_view::npos) {
        break;
      }
      i = lt;
      continue;
    }
    const std::string_view rest = xml.substr(i);
    if (rest.starts_with("<!--")) {
      const size_t end = xml.find("-->", i + 4);
      if (end == std::string_view::npos) {
        return std::nullopt;
      }
      i = end + 3;
      continue;
    }
    if (rest.starts_with("<![CDATA[")) {
      const size_t end = xml.find("]]>", i + 9);
      if (end == std::string_view::npos) {
        return std::nullopt;
      }
      if (at_path(1)) {
        out.back().second.append(xml.substr(i + 9, end - i - 9));
      }
      i = end + 3;
      continue;
    }
    if (rest.starts_with("<?") || rest.starts_with("<!")) {  // declaration, DOCTYPE: skipped
      const size_t end = xml.find('>', i);
      if (end == std::string_view::npos) {
        return std::nullopt;
      }
      i = end + 1;
      continue;
    }
    // A tag: find its end outside quoted attribute values.
    size_t j = i + 1;
    char quote = 0;
    for (; j < xml.size(); ++j) {
      if (quote != 0) {
        if (xml[j] == quote) {
          quote = 0;
        }
      } else if (xml[j] == '"' || xml[j] == '\'') {
        quote = xml[j];
      } else if (xml[j] == '>') {
        break;
      }
    }
    if (j >= xml.size()) {
      return std::nullopt;
    }
    std::string_view tag = xml.substr(i + 1, j - i - 1);
    i = j + 1;
    const bool closing = !tag.empty() && tag.front() == '/';
    const bool self_closing = !closing && !tag.empty() && tag.back() == '/';
    if (closing) {
      tag.remove_prefix(1);
    }
    if (self_closing) {
      tag.remove_suffix(1);
    }
    const size_t name_end = tag.find_first_of(" \t\r\n");
    const std::string_view name = local_name(trim(tag.substr(0, name_end)));
    if (name.empty()) {
      return std::nullopt;
    }
    if (closing) {
      if (stack.empty() || stack.back() != name) {
        return std::nullopt;
      }
      stack.pop_back();
      continue;
    }
    if (stack.size() >= kMaxDepth) {
      return std::nullopt;
    }
    stack.emplace_back(name);
    if (at_path(1)) {
      out.emplace_back(std::string(name), std::string());
    }
    if (self_closing) {
      stack.pop_back();
    }
  }
  if (!stack.empty()) {
    return std::nullopt;
  }
  return out;
}

Result<TemporaryCredentials> parse_sts_credentials(std::string_view xml, std::string_view action) {
  const std::string response = std::string(action) + "Response";
  const std::string result = std::string(action) + "Result";
  auto kv = xml_children_text(xml, {response, result, "Credentials"});
  if (!kv) {
    return parse_error("the STS answer is not well-formed XML");
  }
  TemporaryCredentials t;
  const std::string* akid = find(*kv, "AccessKeyId");
  const std::string* secret = find(*kv, "SecretAccessKey");
  const std::string* token = find(*kv, "SessionToken");
  const std::string* exp = find(*kv, "Expiration");
  if (akid == nullptr || secret == nullptr || token == nullptr) {
    return parse_error(
        "the STS answer has no " + result + "/Credentials with AccessKeyId, SecretAccessKey and SessionToken");
  }
  t.creds.access_key_id = std::string(trim(*akid));
  t.creds.secret_access_key = std::string(trim(*secret));
  t.creds.session_token = std::string(trim(*token));
  if (t.creds.access_key_id.empty() || t.creds.secret_access_key.empty() ||
      t.creds.session_token.empty()) {
    return parse_error("the STS answer has empty credentials");
  }
  if (exp == nullptr || !(t.expiration = parse_aws_time(*exp))) {
    return parse_error("the STS answer has no valid Credentials/Expiration");
  }
  return t;
}

std::string sts_error_code(std::string_view xml) {
  auto kv = xml_children_text(xml, {"ErrorResponse", "Error"});
  const std::string* code = kv ? find(*kv, "Code") : nullptr;
  if (code == nullptr) {
    return {};
  }
  std::string out;
  for (char c : trim(*code).substr(0, 64)) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    out.push_back(ok ? c : '?');
  }
  return out;
}

Result<TemporaryCredentials> parse_credentials_json(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return parse_error("the credentials answer is not a JSON object");
  }
  const json::object& o = v.get_object();
  auto str = [&](std::string_view k) -> std::optional<std::string> {
    const json::value* f = o.if_contains(k);
    if (f == nullptr || !f->is_string()) {
      return std::nullopt;
    }
    return std::string(f->get_string());
  };
  if (auto code = str("Code"); code && *code != "Success") {
    std::string safe;
    for (char c : code->substr(0, 64)) {
      safe.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return parse_error("the credentials answer has Code " + safe);
  }
  auto akid = str("AccessKeyId");
  auto secret = str("SecretAccessKey");
  if (!akid || !secret || akid->empty() || secret->empty()) {
    return parse_error("the credentials answer has no AccessKeyId and SecretAccessKey");
  }
  TemporaryCredentials t;
  t.creds.access_key_id = std::move(*akid);
  t.creds.secret_access_key = std::move(*secret);
  t.creds.session_token = str("Token").value_or("");
  if (auto exp = str("Expiration")) {
    if (!(t.expiration = parse_aws_time(*exp))) {
      return parse_error("the credentials answer has an invalid Expiration");
    }
  } else if (o.contains("Expiration")) {
    return parse_error("the credentials answer has an invalid Expiration");
  }
  return t;
}

}  // namespace gw::bedrock
