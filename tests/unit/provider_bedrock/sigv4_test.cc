// SigV4 against sigv4_bedrock.json (produced by @smithy/signature-v4 and recomputed in Python):
// every intermediate of both cases, plus the canonical-URI and header rules the vectors rely on.
#include "gw/providers/bedrock/sigv4.h"

#include <gtest/gtest.h>

#include <ctime>

#include "test_util.h"

namespace gw::bedrock {
namespace {

namespace json = boost::json;
using testing::parse_json;
using testing::vector_file;

SystemTime parse_iso(std::string_view s) {
  std::tm tm{};
  tm.tm_year = std::stoi(std::string(s.substr(0, 4))) - 1900;
  tm.tm_mon = std::stoi(std::string(s.substr(5, 2))) - 1;
  tm.tm_mday = std::stoi(std::string(s.substr(8, 2)));
  tm.tm_hour = std::stoi(std::string(s.substr(11, 2)));
  tm.tm_min = std::stoi(std::string(s.substr(14, 2)));
  tm.tm_sec = std::stoi(std::string(s.substr(17, 2)));
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string str(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

class SigV4Vector : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Vector, EveryIntermediateMatches) {
  const json::value all = parse_json(vector_file("sigv4_bedrock.json"));
  const json::object& c = all.at(GetParam()).as_object();
  const json::object& in = c.at("inputs").as_object();
  const json::object& ex = c.at("expected").as_object();

  Credentials creds{str(in, "accessKeyId"), str(in, "secretAccessKey"), str(in, "sessionToken")};
  SigningInput si;
  si.method = str(in, "method");
  si.host = str(in, "host");
  si.path = str(in, "path");
  for (const auto& [k, v] : in.at("headers_before_signing").as_object()) {
    si.headers.emplace_back(std::string(k), std::string(v.as_string()));
  }
  const std::string body = str(in, "body");
  si.body = body;
  si.region = str(in, "region");
  si.service = str(in, "service");
  si.time = parse_iso(str(in, "signingDate"));

  const Signature s = sign_v4(creds, si);
  EXPECT_EQ(s.amz_date, str(ex, "x_amz_date"));
  EXPECT_EQ(s.payload_hash, str(ex, "x_amz_content_sha256"));
  EXPECT_EQ(s.canonical_request, str(ex, "canonical_request"));
  EXPECT_EQ(s.canonical_request_hash, str(ex, "canonical_request_sha256"));
  EXPECT_EQ(s.credential_scope, str(ex, "credential_scope"));
  EXPECT_EQ(s.string_to_sign, str(ex, "string_to_sign"));
  EXPECT_EQ(to_hex(s.k_date), str(ex, "kDate_hex"));
  EXPECT_EQ(to_hex(s.k_region), str(ex, "kRegion_hex"));
  EXPECT_EQ(to_hex(s.k_service), str(ex, "kService_hex"));
  EXPECT_EQ(to_hex(s.k_signing), str(ex, "signing_key_hex"));
  EXPECT_EQ(s.signature, str(ex, "signature"));
  EXPECT_EQ(s.authorization, str(ex, "authorization"));

  // The headers the request ends up with are exactly the vector's signed request headers.
  Headers final_headers = si.headers;
  for (const auto& [n, v] : s.added_headers) {
    if (n != "host") {
      final_headers.emplace_back(n, v);
    }
  }
  const json::object& want = ex.at("all_signed_request_headers").as_object();
  EXPECT_EQ(final_headers.size(), want.size());
  for (const auto& [k, v] : want) {
    EXPECT_EQ(find_header(final_headers, k), v.as_string()) << k;
  }
  const bool has_token = !creds.session_token.empty();
  EXPECT_EQ(find_header(s.added_headers, "x-amz-security-token").empty(), !has_token);
}

INSTANTIATE_TEST_SUITE_P(Vectors, SigV4Vector,
                         ::testing::Values("invoke_long_term_credentials",
                                           "invoke_stream_session_credentials"));

TEST(SigV4, UriEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(uri_encode("a:b/c d%e+"), "a%3Ab%2Fc%20d%25e%2B");
  EXPECT_EQ(uri_encode("\xc3\xa9"), "%C3%A9");
}

TEST(SigV4, CanonicalUriEncodesThePathAgain) {
  EXPECT_EQ(canonical_uri("/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/invoke"),
            "/model/us.anthropic.claude-sonnet-4-20250514-v1%253A0/invoke");
  EXPECT_EQ(canonical_uri("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx/converse"),
            "/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A1%253Ainference-profile%252Fx/converse");
  // A raw ':' is signed as %3A.
  EXPECT_EQ(canonical_uri("/model/a:0/invoke"), "/model/a%3A0/invoke");
}

TEST(SigV4, CanonicalUriNormalizesSegments) {
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/"), "/");
  EXPECT_EQ(canonical_uri("/a//b/./c/../d/"), "/a/b/d/");
  EXPECT_EQ(canonical_uri("/../a"), "/a");
}

TEST(SigV4, QueryIsSortedAndEncodedAndHeadersFolded) {
  Credentials creds{"AKID", "secret", ""};
  SigningInput si;
  si.host = "h.example";
  si.path = "/p";
  si.query = {{"b", "2 3"}, {"a", "x/y"}, {"a", "1"}};
  si.headers = {{"Content-Type", "  application/json  "},
                {"X-Custom", "a   b\t c"},
                {"User-Agent", "not-signed"},
                {"Connection", "keep-alive"},
                {"x-amz-date", "stale"}};
  si.region = "us-west-2";
  si.time = parse_iso("2024-01-15T12:34:56Z");
  const Signature s = sign_v4(creds, si);
  EXPECT_EQ(s.canonical_request,
            "POST\n/p\na=1&a=x%2Fy&b=2%203\n"
            "content-type:application/json\nhost:h.example\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20240115T123456Z\nx-custom:a b c\n\n"
            "content-type;host;x-amz-content-sha256;x-amz-date;x-custom\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.credential_scope, "20240115/us-west-2/bedrock/aws4_request");
}

}  // namespace
}  // namespace gw::bedrock
