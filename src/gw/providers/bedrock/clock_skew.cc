// Clock skew detection and the process's offset (clock_skew.h).
#include "gw/providers/bedrock/clock_skew.h"

#include <array>
#include <cstdlib>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json.hpp>

#include "gw/providers/bedrock/aws_credentials.h"
#include "gw/providers/bedrock/bedrock_wire.h"

namespace gw::bedrock {

namespace {

namespace json = boost::json;

std::optional<SystemTime> make_time(int y, int mo, int d, int h, int mi, int s) {
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(unsigned(mo)),
                                        std::chrono::day(unsigned(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  return std::chrono::time_point_cast<SystemTime::duration>(
      std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s));
}

// The error names AWS gives a request signed at a time too far from its own (the SDKs' list).
bool is_skew_error(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kSkew = {
      "InvalidSignatureException", "SignatureDoesNotMatch", "RequestTimeTooSkewed", "RequestExpired",
      "RequestInTheFuture",        "AuthFailure",           "InvalidSignature"};
  for (std::string_view s : kSkew) {
    if (boost::algorithm::iequals(name, s)) {
      return true;
    }
  }
  return false;
}

// "Signature expired: 20240115T120000Z is now earlier than 20240115T120500Z (20240115T121000Z -
// 5 min.)" and "Signature not yet current: A is still later than B (C + 5 min.)": C is AWS's now.
std::optional<SystemTime> time_in_message(std::string_view msg) {
  const size_t open = msg.rfind('(');
  if (open == std::string_view::npos) {
    return std::nullopt;
  }
  return parse_amz_date(msg.substr(open + 1, 16));
}

}  // namespace

std::optional<SystemTime> parse_amz_date(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() != 16 || !read_digits(s, 0, 4, y) || !read_digits(s, 4, 2, mo) || !read_digits(s, 6, 2, d) ||
      s[8] != 'T' || !read_digits(s, 9, 2, h) || !read_digits(s, 11, 2, mi) || !read_digits(s, 13, 2, sec) ||
      s[15] != 'Z') {
    return std::nullopt;
  }
  return make_time(y, mo, d, h, mi, sec);
}

std::optional<SystemTime> parse_http_date(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  int d = 0, y = 0, h = 0, mi = 0, sec = 0;
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || !read_digits(s, 5, 2, d) || s[7] != ' ' ||
      s[11] != ' ' || !read_digits(s, 12, 4, y) || s[16] != ' ' || !read_digits(s, 17, 2, h) || s[19] != ':' ||
      !read_digits(s, 20, 2, mi) || s[22] != ':' || !read_digits(s, 23, 2, sec) || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  for (size_t m = 0; m < kMonths.size(); ++m) {
    if (s.substr(8, 3) == kMonths[m]) {
      return make_time(y, int(m) + 1, d, h, mi, sec);
    }
  }
  return std::nullopt;
}

std::optional<SystemTime> aws_time_of_refusal(const UpstreamResponse& resp) {
  if (resp.status != 400 && resp.status != 401 && resp.status != 403) {
    return std::nullopt;
  }
  json::error_code ec;
  json::value v = json::parse(resp.body, ec);
  const json::object* body = !ec && v.is_object() ? &v.get_object() : nullptr;
  const bool skew_error = is_skew_error(aws_error_name(resp.headers, body));
  if (resp.status == 400 && !skew_error) {
    return std::nullopt;  // a 400 that is no signature error (ValidationException): skew is not why
  }
  if (auto date = parse_http_date(find_header(resp.headers, "date"))) {
    // Any 401/403 with AWS's time: whether skew explains it is decided against the signing time.
    return date;
  }
  if (!skew_error || body == nullptr) {
    return std::nullopt;
  }
  for (std::string_view key : {"message", "Message"}) {
    if (const json::value* m = body->if_contains(key); m != nullptr && m->is_string()) {
      return time_in_message(m->get_string());
    }
  }
  return std::nullopt;
}

bool ClockSkew::correct(SystemTime aws_now, SystemTime local_now, SystemTime signed_at,
                        const std::string& context) {
  auto off_by = [](SystemTime a, SystemTime b) { return a > b ? a - b : b - a; };
  if (off_by(aws_now, signed_at) <= kSkewTolerance) {
    return false;  // signed at a time AWS accepts: the refusal has another cause
  }
  const auto offset = std::chrono::duration_cast<std::chrono::nanoseconds>(aws_now - local_now);
  int64_t current = offset_ns_.load();
  if (off_by(corrected(local_now), aws_now) > kSkewTolerance &&
      offset_ns_.compare_exchange_strong(current, offset.count()) && log_) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(offset).count();
    log_("aws_clock_skew",
         "AWS's clock is " + std::to_string(std::llabs(secs)) + " s " + (secs >= 0 ? "ahead of" : "behind") +
             " this machine's (" + context + "); Bedrock requests are signed with the corrected time from now on");
  }
  return true;
}

}  // namespace gw::bedrock
