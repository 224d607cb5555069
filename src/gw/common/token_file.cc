// Reading a mounted credential file (token_file.h).
#include "gw/common/token_file.h"

#include <fstream>

namespace gw {

namespace {

constexpr size_t kMaxTokenFileBytes = 64 * 1024;

Error file_error(std::string what) {
  Error e = make_error(Code::UpstreamError, std::move(what));
  e.retryable = true;
  return e;
}

}  // namespace

Result<std::string> read_token_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return file_error("cannot read the " + std::string(what) + " file " + path);
  }
  std::string s(kMaxTokenFileBytes + 1, '\0');
  in.read(s.data(), std::streamsize(s.size()));
  s.resize(size_t(in.gcount()));
  if (s.size() > kMaxTokenFileBytes) {
    return file_error("the " + std::string(what) + " file " + path + " is larger than 64 KiB");
  }
  const auto ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) {
    return file_error("the " + std::string(what) + " file " + path + " is empty");
  }
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace gw
