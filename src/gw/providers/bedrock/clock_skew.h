#pragma once
// Clock skew correction, as the AWS SDKs do it: AWS refuses a request whose X-Amz-Date is more
// than 5 minutes off its own clock ("Signature expired"), so a gateway on a machine whose clock
// drifted would fail every Bedrock request. When AWS refuses one for that reason, the time it
// reports (its Date header, or the time quoted in the message) gives the offset; later requests
// are signed with local time + offset, and the refused one is retried once.
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "gw/common/clock.h"
#include "gw/common/http_types.h"

namespace gw::bedrock {

// Beyond this, a request's signing time and AWS's clock disagree enough to explain a refusal
// (AWS allows 5 minutes; the SDKs correct from 4, before the next request is refused too).
inline constexpr std::chrono::minutes kSkewTolerance{4};

// AWS's clock at the time it refused a request, when the refusal may come from clock skew: a
// 400/401/403 whose error is one of AWS's clock-skew errors (InvalidSignatureException "Signature
// expired", RequestTimeTooSkewed, SignatureDoesNotMatch, RequestExpired...), or a 401/403 that
// carries a Date header. From the Date header, or else from the time quoted in the message
// ("... (20240115T121000Z - 5 min.)"). nullopt: not a refusal skew could explain.
std::optional<SystemTime> aws_time_of_refusal(const UpstreamResponse& resp);

// "Fri, 27 Nov 2026 20:39:09 GMT" (RFC 7231 IMF-fixdate); nullopt when malformed.
std::optional<SystemTime> parse_http_date(std::string_view s);
// "20240115T123456Z" (X-Amz-Date); nullopt when malformed.
std::optional<SystemTime> parse_amz_date(std::string_view s);

// The process's offset from AWS's clock, shared by every Bedrock signer. Thread-safe.
class ClockSkew {
 public:
  using LogFn = std::function<void(const std::string& event, const std::string& detail)>;
  explicit ClockSkew(LogFn log = nullptr) : log_(std::move(log)) {}

  // What AWS's clock reads when the local one reads `local`.
  SystemTime corrected(SystemTime local) const {
    return local + std::chrono::nanoseconds(offset_ns_.load(std::memory_order_relaxed));
  }
  std::chrono::nanoseconds offset() const { return std::chrono::nanoseconds(offset_ns_.load()); }

  // AWS refused a request signed at `signed_at` while its clock read `aws_now` and the local one
  // `local_now`. Returns whether skew explains it (the signing time was more than
  // kSkewTolerance off AWS's), so that the request signed again now would be accepted. Adopts
  // the offset aws_now - local_now when the current one is off by more than kSkewTolerance, and
  // logs that once (`context` names the provider and the error; no secret).
  bool correct(SystemTime aws_now, SystemTime local_now, SystemTime signed_at, const std::string& context);

 private:
  LogFn log_;
  std::atomic<int64_t> offset_ns_{0};
};

}  // namespace gw::bedrock
