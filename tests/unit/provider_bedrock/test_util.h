#pragma once
// Helpers shared by the Bedrock tests: vector files, hex, JSON, a provider and its deployments.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "gw/config/schema.h"

namespace gw::bedrock::testing {

// The provider the codec tests address: aws-east, us-east-1, its regional endpoint.
inline config::Provider provider() {
  config::Provider p;
  p.name = "aws-east";
  p.type = config::ProviderType::Bedrock;
  p.region = "us-east-1";
  p.base_url = "https://bedrock-runtime.us-east-1.amazonaws.com/";
  return p;
}

inline config::Deployment deployment(std::string model) {
  config::Deployment d;
  d.provider = "aws-east";
  d.model = std::move(model);
  return d;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string vector_file(const std::string& name) {
  return read_file(std::string(GW_VECTORS_DIR) + "/" + name);
}

inline std::string fixture_file(const std::string& name) {
  return read_file(std::string(GW_FIXTURES_DIR) + "/providers/bedrock/" + name);
}

inline std::string hex_decode(std::string_view hex) {
  std::string out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  int hi = -1;
  for (char c : hex) {
    const int n = nibble(c);
    if (n < 0) {
      continue;  // whitespace, newline
    }
    if (hi < 0) {
      hi = n;
    } else {
      out.push_back(static_cast<char>(hi * 16 + n));
      hi = -1;
    }
  }
  return out;
}

inline boost::json::value parse_json(std::string_view s) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(s, ec);
  EXPECT_FALSE(ec) << "not JSON: " << s;
  return v;
}

}  // namespace gw::bedrock::testing
