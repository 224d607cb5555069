#pragma once
// Transport-neutral HTTP values exchanged between pure codecs and the I/O layers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; empty view when absent.
std::string_view find_header(const Headers& h, std::string_view name);
// A header holding a non-negative decimal integer (delta-seconds, a count); nullopt when it is
// absent or holds anything else.
std::optional<int64_t> header_int(const Headers& h, std::string_view name);
// Seconds to wait before retrying: `retry-after-ms` (sent by OpenAI and Anthropic, rounded up)
// before `retry-after`, in seconds or as an HTTP-date (RFC 9110 10.2.3: the seconds from
// `now_unix_s` to it, 0 when it has passed).
std::optional<int64_t> retry_after_seconds(const Headers& h, int64_t now_unix_s);
std::optional<int64_t> retry_after_seconds(const Headers& h);  // now: the system clock
// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 5.6.7) as Unix seconds.
std::optional<int64_t> parse_http_date(std::string_view s);

struct UpstreamRequest {
  std::string method = "POST";
  std::string url;  // absolute: scheme://host[:port]/path?query
  Headers headers;
  std::string body;
};

struct UpstreamResponse {
  unsigned status = 0;
  Headers headers;
  std::string body;
};

// What a dialect hands the server for a non-streamed reply or an error.
struct ClientReply {
  unsigned status = 200;
  Headers headers;  // content-type included
  std::string body;
};

}  // namespace gw
