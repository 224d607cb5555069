#pragma once
// The request every codec sends upstream: a JSON POST carrying the codec's own headers (auth,
// versions, accept) and then the provider's configured extra headers (config `headers:`), which
// belong on every call to that provider, whatever the operation.
#include <string>
#include <utility>

#include "gw/common/http_types.h"
#include "gw/config/schema.h"

namespace gw {

inline UpstreamRequest json_post(const config::Provider& p, std::string url, std::string body,
                                 Headers own = {}) {
  UpstreamRequest r;
  r.method = "POST";
  r.url = std::move(url);
  r.headers.reserve(1 + own.size() + p.headers.size());
  r.headers.emplace_back("content-type", "application/json");
  for (auto& h : own) {
    r.headers.push_back(std::move(h));
  }
  for (const auto& [k, v] : p.headers) {
    r.headers.emplace_back(k, v);
  }
  r.body = std::move(body);
  return r;
}

}  // namespace gw
