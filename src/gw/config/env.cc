// ${VAR} / ${VAR:-default} / $$ expansion (load.h). A small recursive-descent scanner: a default may
// itself hold references (`${A:-${B:-x}}`) and balanced braces (`${A:-{"k":1}}`).
#include <cstdlib>
#include <string_view>

#include "gw/config/load.h"

namespace gw::config {

namespace {

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

class Expander {
 public:
  Expander(std::string_view in, const EnvLookup& env) : in_(in), env_(env) {}

  std::optional<std::string> run(std::string* error) {
    std::string out;
    if (!text(/*in_default=*/false, out)) {
      if (error != nullptr) {
        *error = std::move(error_);
      }
      return std::nullopt;
    }
    return out;
  }

 private:
  // Copies and expands text until the end of input or, inside a default, until the '}' that closes
  // the enclosing reference (left unconsumed). Bare braces inside a default must balance.
  bool text(bool in_default, std::string& out) {
    int depth = 0;
    while (pos_ < in_.size()) {
      char c = in_[pos_];
      if (c == '$' && pos_ + 1 < in_.size() && in_[pos_ + 1] == '$') {
        out += '$';
        pos_ += 2;
        continue;
      }
      if (c == '$' && pos_ + 1 < in_.size() && in_[pos_ + 1] == '{') {
        if (!reference(out)) {
          return false;
        }
        continue;
      }
      if (in_default && c == '{') {
        ++depth;
      } else if (in_default && c == '}') {
        if (depth == 0) {
          return true;
        }
        --depth;
      }
      out += c;  // includes a lone '$' that starts no reference (e.g. inside a password)
      ++pos_;
    }
    return !in_default;  // the caller reports the missing '}'
  }

  // At "${": expands one reference into out.
  bool reference(std::string& out) {
    size_t start = pos_;
    pos_ += 2;
    size_t name_begin = pos_;
    if (pos_ < in_.size() && is_name_start(in_[pos_])) {
      while (pos_ < in_.size() && is_name_char(in_[pos_])) {
        ++pos_;
      }
    }
    std::string name(in_.substr(name_begin, pos_ - name_begin));
    if (pos_ >= in_.size()) {
      return fail("'${" + name + "' at column " + std::to_string(start + 1) + " has no closing '}'");
    }
    if (name.empty()) {
      return fail("'${' at column " + std::to_string(start + 1) +
                  " is not followed by a variable name (use $$ for a literal $)");
    }
    if (in_[pos_] == '}') {
      ++pos_;
      if (auto v = env_(name)) {
        out += *v;
      }
      return true;
    }
    if (in_.substr(pos_, 2) == ":-") {
      pos_ += 2;
      std::string fallback;
      if (!text(/*in_default=*/true, fallback)) {
        if (error_.empty()) {
          error_ = "'${" + name + ":-' at column " + std::to_string(start + 1) +
                   " has no closing '}'";
        }
        return false;
      }
      ++pos_;  // the closing '}'
      // As in the shell, ":-" also replaces a variable that is set but empty.
      auto v = env_(name);
      out += (v && !v->empty()) ? *v : fallback;
      return true;
    }
    return fail("'${" + name + "' at column " + std::to_string(start + 1) +
                " must be followed by '}' or ':-default}'");
  }

  bool fail(std::string what) {
    error_ = std::move(what);
    return false;
  }

  std::string_view in_;
  const EnvLookup& env_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    // getenv is safe here: the config is loaded once at start-up, before any thread starts.
    if (const char* v = std::getenv(name.c_str())) {
      return std::string(v);
    }
    return std::nullopt;
  };
}

std::optional<std::string> expand_env(const std::string& in, const EnvLookup& env,
                                      std::string* error) {
  return Expander(in, env).run(error);
}

}  // namespace gw::config
