#pragma once
// The Redis protocol (RESP2), borrowed from hiredis: redisFormatCommandArgv encodes a command and
// its reader parses replies. Asio does the I/O (redis_client.h); this file never touches a socket.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gw/common/result.h"

namespace gw::redis {

struct Reply {
  enum class Type { Nil, Status, Error, Integer, String, Array };
  Type type = Type::Nil;
  int64_t integer = 0;
  std::string str;  // Status, Error and String
  std::vector<Reply> elements;

  bool is_error() const { return type == Type::Error; }
  bool is_nil() const { return type == Type::Nil; }
};

// One command as RESP bytes ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"); binary-safe.
std::string encode_command(const std::vector<std::string>& args);

// Bounds on what a reader accepts: the limiter's commands get small replies, so anything near
// these is a broken or hostile server, and the connection is dropped rather than the memory spent.
inline constexpr size_t kMaxReplyElements = 1 << 20;          // per multi-bulk (array) reply
inline constexpr size_t kMaxPendingBytes = size_t{64} << 20;  // read but not yet a whole reply

// Parses replies out of the bytes a connection reads, in order.
class ReplyReader {
 public:
  ReplyReader();
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  void feed(std::string_view bytes);
  // The next complete reply, nullopt while more bytes are needed, or an error when the stream is
  // not RESP (the connection is then unusable).
  Result<std::optional<Reply>> next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gw::redis
