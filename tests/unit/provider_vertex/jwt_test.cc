// RS256 JWT: base64url and the vector of protocols.md 5.5 reproduced byte for byte.
#include "gw/providers/vertex/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "gw/providers/vertex/service_account.h"
#include "gw/providers/vertex/grant_jwt_bearer.h"

#include "test_support.h"

namespace gw::vertex {
namespace {

using testing::read_json;
using testing::vector_path;

namespace json = boost::json;

std::string vstr(const json::value& v, std::string_view key) {
  return std::string(v.at(key).as_string());
}

class JwtVector : public ::testing::Test {
 protected:
  void SetUp() override {
    vec_ = read_json(vector_path("gcp_jwt_bearer.json"));
    sa_json_ = read_json(vector_path("gcp_service_account_TEST_ONLY.json"));
    auto key = RsaKey::from_pem(vstr(sa_json_, "private_key"));
    ASSERT_TRUE(key.has_value()) << key.error().message;
    key_ = *key;
  }
  json::value vec_;
  json::value sa_json_;
  RsaKey key_;
};

TEST(Base64Url, KnownValuesWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  // '+' and '/' of standard base64 become '-' and '_'.
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff\xbf", 3)), "-_-_");
}

TEST(Base64Url, DecodeRoundTripsAndRejectsForeignCharacters) {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all.push_back(char(i));
  }
  for (size_t n = 0; n < all.size(); n += 7) {
    const std::string in = all.substr(0, n);
    EXPECT_EQ(base64url_decode(base64url_encode(in)), in);
  }
  EXPECT_EQ(base64url_decode("Zm8="), "fo");  // padding tolerated
  EXPECT_FALSE(base64url_decode("Zm+v").has_value());
  EXPECT_FALSE(base64url_decode("Z").has_value());
}

TEST_F(JwtVector, HeaderAndClaimsJsonBytesMatch) {
  EXPECT_EQ(jwt_header_json(vstr(sa_json_, "private_key_id")), vstr(vec_, "header_json"));
  JwtClaims c{.iss = vstr(sa_json_, "client_email"),
              .scope = std::string(kCloudPlatformScope),
              .aud = vstr(sa_json_, "token_uri"),
              .iat = 1700000000,
              .exp = 1700000000 + kAssertionLifetimeS};
  EXPECT_EQ(jwt_claims_json(c), vstr(vec_, "claims_json"));
  EXPECT_EQ(base64url_encode(vstr(vec_, "header_json")), vstr(vec_, "header_b64url"));
  EXPECT_EQ(base64url_encode(vstr(vec_, "claims_json")), vstr(vec_, "claims_b64url"));
}

TEST_F(JwtVector, SignedJwtIsExactlyTheVector) {
  auto jwt = sign_jwt(vstr(vec_, "header_json"), vstr(vec_, "claims_json"), key_);
  ASSERT_TRUE(jwt.has_value()) << jwt.error().message;
  EXPECT_EQ(*jwt, vstr(vec_, "jwt"));
  const std::string signing_input = vstr(vec_, "signing_input");
  EXPECT_EQ(jwt->substr(0, signing_input.size()), signing_input);
  auto sig = base64url_decode(vstr(vec_, "signature_b64url"));
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->size(), 256u);  // RSA 2048
  EXPECT_TRUE(key_.verify_sha256(signing_input, *sig));
  EXPECT_FALSE(key_.verify_sha256(signing_input + "x", *sig));
}

TEST_F(JwtVector, GrantAssertionAndRequestBodyMatchTheVector) {
  auto sa = parse_service_account(
      testing::read_file(vector_path("gcp_service_account_TEST_ONLY.json")), "test");
  ASSERT_TRUE(sa.has_value()) << sa.error().message;
  JwtBearerGrant grant(std::move(*sa), "test");
  auto jwt = grant.assertion(SystemTime{} + std::chrono::seconds(1700000000), kCloudPlatformScope);
  ASSERT_TRUE(jwt.has_value());
  EXPECT_EQ(*jwt, vstr(vec_, "jwt"));
  EXPECT_EQ(token_request_body(*jwt), vstr(vec_.at("token_request"), "body"));
}

TEST(RsaKey, RejectsWhatIsNotAnRsaPrivateKeyWithoutQuotingIt) {
  const std::string garbage =
      "-----BEGIN PRIVATE KEY-----\nTUlJRXZnSUJBREFOQmdrcWhraUc5dzBCQVFFRkFBU0NC\n-----END PRIVATE "
      "KEY-----\n";
  auto r = RsaKey::from_pem(garbage);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.find("TUlJ"), std::string::npos);
  EXPECT_FALSE(RsaKey::from_pem("not a pem").has_value());

  // An EC key is a valid PEM private key but cannot make RS256 signatures.
  EVP_PKEY* ec = EVP_EC_gen("P-256");
  ASSERT_NE(ec, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, ec, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string ec_pem(data, size_t(len));
  BIO_free(bio);
  EVP_PKEY_free(ec);
  auto e = RsaKey::from_pem(ec_pem);
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().message.find("not an RSA key"), std::string::npos);

  RsaKey empty;
  EXPECT_FALSE(empty.sign_sha256("x").has_value());
}

}  // namespace
}  // namespace gw::vertex
