#pragma once
// A Lua script run with EVALSHA by its SHA-1, falling back to EVAL when the server answers
// NOSCRIPT (a restarted or flushed Redis): the client does the fallback (client.h).
#include <string>

namespace gw::redis {

struct Script {
  explicit Script(std::string source, std::string name = "script");
  std::string source;
  std::string name;  // says which script failed in errors (never its arguments)
  std::string sha1;  // lowercase hex, as SCRIPT LOAD returns it
};

}  // namespace gw::redis
