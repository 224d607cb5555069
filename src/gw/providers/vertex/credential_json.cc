// Helpers for Google credential files (credential_json.h).
#include "gw/providers/vertex/credential_json.h"

#include <fstream>

namespace gw::vertex {

namespace {
// Key files are a few KiB; anything far larger is not one (and is not read into memory whole).
constexpr std::streamsize kMaxCredentialFileBytes = 1 << 20;
}  // namespace

Error credential_error(std::string_view what, std::string_view problem) {
  Error e = make_error(Code::UpstreamError, std::string(what) + ": " + std::string(problem));
  e.retryable = false;
  return e;
}

std::optional<std::string> string_member(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::string();
  }
  if (!v->is_string()) {
    return std::nullopt;
  }
  return std::string(v->get_string());
}

bool is_http_url(std::string_view url) {
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
}

Result<std::string> read_credential_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return credential_error(what, "cannot be opened");
  }
  std::string text(static_cast<size_t>(kMaxCredentialFileBytes) + 1, '\0');
  in.read(text.data(), kMaxCredentialFileBytes + 1);
  if (in.bad()) {
    return credential_error(what, "cannot be read");
  }
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > static_cast<size_t>(kMaxCredentialFileBytes)) {
    return credential_error(what, "is too large to be a credential file");
  }
  return text;
}

}  // namespace gw::vertex
