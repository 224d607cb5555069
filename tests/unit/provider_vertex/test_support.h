#pragma once
// Test support for provider_vertex: file helpers, the fake HttpClient (fake_http_client.h).
#include <deque>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "gw/common/asio.h"
#include "gw/common/result.h"
#include "gw/config/schema.h"
#include "gw/upstream/http_client.h"

#include "fake_http_client.h"

namespace gw::vertex::testing {

// The provider the codec tests address: project my-proj in `region`, at `base_url`.
inline config::Provider provider(std::string region, std::string base_url) {
  config::Provider p;
  p.name = "gcp";
  p.type = config::ProviderType::Vertex;
  p.project = "my-proj";
  p.region = std::move(region);
  p.base_url = std::move(base_url);
  return p;
}

inline config::Deployment deployment(std::string model) {
  config::Deployment d;
  d.provider = "gcp";
  d.model = std::move(model);
  return d;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline boost::json::value read_json(const std::string& path) {
  return boost::json::parse(read_file(path));
}

inline std::string vector_path(const std::string& name) {
  return std::string(GW_VECTORS_DIR) + "/" + name;
}
inline std::string fixture_path(const std::string& name) {
  return std::string(GW_FIXTURES_DIR) + "/providers/vertex/" + name;
}

// The vector's key file with token_uri replaced, written to a temporary path.
inline std::string write_key_file(const std::string& name, const std::string& token_uri) {
  boost::json::object sa = read_json(vector_path("gcp_service_account_TEST_ONLY.json")).as_object();
  sa["token_uri"] = token_uri;
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << boost::json::serialize(sa);
  return path;
}

using fake_http::FakeExchange;
using fake_http::FakeHttpClient;
using fake_http::FakeReply;
using fake_http::run;

inline std::string token_json(std::string_view token, int expires_in) {
  return R"({"access_token":")" + std::string(token) + R"(","expires_in":)" +
         std::to_string(expires_in) + R"(,"token_type":"Bearer"})";
}

}  // namespace gw::vertex::testing
