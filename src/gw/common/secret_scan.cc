#include "gw/common/secret_scan.h"

#include <boost/beast/core/string.hpp>

namespace gw {

bool quotes_any(std::string_view text, const std::vector<std::string_view>& secrets) {
  constexpr size_t kWindow = 16;
  for (std::string_view s : secrets) {
    if (s.size() < kWindow) {
      if (s.size() >= 6 && text.find(s) != std::string_view::npos) {
        return true;
      }
      continue;
    }
    for (size_t p = 0; p + kWindow <= text.size(); ++p) {
      if (s.find(text.substr(p, kWindow)) != std::string_view::npos) {
        return true;
      }
    }
  }
  return false;
}

bool withhold_paths(std::string& text, const std::vector<std::string>& paths) {
  constexpr std::string_view kWithheld = "[path withheld]";
  bool any = false;
  for (const std::string& path : paths) {
    if (path.size() < 3) {
      continue;
    }
    for (size_t at = text.find(path); at != std::string::npos; at = text.find(path, at + kWithheld.size())) {
      text.replace(at, path.size(), kWithheld);
      any = true;
    }
  }
  return any;
}

std::vector<std::string> sent_credentials(const Headers& headers) {
  static constexpr std::string_view kSensitive[] = {"authorization",        "proxy-authorization", "x-api-key",
                                                    "api-key",              "x-goog-api-key",      "cookie",
                                                    "x-amz-security-token"};
  std::vector<std::string> out;
  for (const auto& [name, value] : headers) {
    for (std::string_view s : kSensitive) {
      if (boost::beast::iequals(name, s)) {
        out.push_back(value);
        constexpr std::string_view kBearer = "Bearer ";
        if (value.size() > kBearer.size() && boost::beast::iequals(std::string_view(value).substr(0, kBearer.size()), kBearer)) {
          out.push_back(value.substr(kBearer.size()));
        }
        break;
      }
    }
  }
  return out;
}

}  // namespace gw
