// The configuration file's top level: server settings, then providers, commitments, models and
// keys in that order, because each later section refers to names declared by the earlier ones.
#include "gw/config/load.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gw/config/yaml_reader.h"
#include "gw/redis/redis_url.h"

namespace gw::config {

namespace {

bool is_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

// HOST:PORT, HOST a name or IPv4 address, or an IPv6 address in brackets ([::1]:4000).
// Port 0 is allowed: tests ask the kernel for an ephemeral port.
bool valid_listen(std::string_view s) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  std::string_view host = s.substr(0, colon);
  std::string_view port = s.substr(colon + 1);
  if (host.empty() || !is_digits(port) || port.size() > 5 || std::stoi(std::string(port)) > 65535) {
    return false;
  }
  if (host.front() == '[') {
    return host.size() > 2 && host.back() == ']' &&
           host.substr(1, host.size() - 2).find_first_not_of("0123456789abcdefABCDEF:.") ==
               std::string_view::npos;
  }
  return host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") ==
         std::string_view::npos;
}

namespace detail {
namespace {

bool has_scheme_and_rest(std::string_view s, std::string_view scheme) {
  return s.size() > scheme.size() && s.substr(0, scheme.size()) == scheme;
}

void read_server(Reader& r, const Fields& top, Config& cfg) {
  if (const Field* f = top.get("listen")) {
    if (auto s = r.string(*f)) {
      if (valid_listen(*s)) {
        cfg.listen = *s;
      } else {
        r.problem(*f, "expected HOST:PORT such as 127.0.0.1:4000 or [::1]:4000");
      }
    }
  }
  if (const Field* f = top.get("master_key")) {
    if (auto s = r.string(*f, /*secret=*/true)) {
      cfg.master_key = *s;
    }
  }
  if (const Field* f = top.get("ledger")) {
    // The URL may carry a database password, so it is never repeated in the message.
    if (auto s = r.string(*f, /*secret=*/true)) {
      if (has_scheme_and_rest(*s, "sqlite://") || has_scheme_and_rest(*s, "postgres://") ||
          has_scheme_and_rest(*s, "postgresql://")) {
        cfg.ledger = *s;
      } else {
        r.problem(*f, "expected sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE");
      }
    }
  }
  if (const Field* f = top.get("ledger_sync")) {
    if (auto s = r.string(*f)) {
      if (auto v = parse_ledger_sync(*s)) {
        cfg.ledger_sync = *v;
      } else {
        r.problem(*f, "unknown ledger_sync '" + *s + "' (expected strict or relaxed)");
      }
    }
  }
  if (const Field* f = top.get("limits")) {
    if (auto s = r.string(*f, /*secret=*/true)) {
      if (*s == "memory") {
        cfg.limits = *s;
      } else if (s->starts_with("redis://") || s->starts_with("rediss://")) {
        // The URL's own problem (never its password), e.g. that rediss:// is not supported.
        if (auto url = redis::parse_redis_url(*s)) {
          cfg.limits = *s;
        } else {
          r.problem(*f, url.error().message);
        }
      } else {
        r.problem(*f, "expected memory or redis://[:PASSWORD@]HOST:PORT[/DB]");
      }
    }
  }
  constexpr int64_t kDay = 24 * 3600 * 1000;
  if (const Field* f = top.get("max_body_bytes")) {
    if (auto v = r.integer(*f, 1, int64_t{1} << 40)) {
      cfg.max_body_bytes = static_cast<uint64_t>(*v);
    }
  }
  if (const Field* f = top.get("max_header_bytes")) {
    if (auto v = r.integer(*f, 1024, int64_t{1} << 30)) {
      cfg.max_header_bytes = static_cast<uint64_t>(*v);
    }
  }
  // Durations in milliseconds, at most a day; 0 allowed where it means "none" (drain, keep-alive).
  const struct {
    const char* key;
    int64_t min;
    std::chrono::milliseconds Config::*field;
  } durations[] = {
      {"read_timeout_ms", 1, &Config::read_timeout},
      {"drain_timeout_ms", 0, &Config::drain_timeout},
      {"write_timeout_ms", 1, &Config::write_timeout},
      {"stream_keepalive_ms", 0, &Config::stream_keepalive},
  };
  for (const auto& d : durations) {
    if (const Field* f = top.get(d.key)) {
      if (auto v = r.integer(*f, d.min, kDay)) {
        cfg.*d.field = std::chrono::milliseconds(*v);
      }
    }
  }
  if (const Field* f = top.get("workers")) {
    if (auto v = r.integer(*f, 0, 1024)) {
      cfg.workers = static_cast<int>(*v);
    }
  }
}

void read_document(Reader& r, const YAML::Node& root, Config& cfg) {
  if (root.IsNull()) {
    return;  // an empty file: every default
  }
  Field top_field{root, "", line_of(root)};
  auto top = r.fields(top_field, {"listen", "master_key", "ledger", "ledger_sync", "limits",
                                  "max_body_bytes", "max_header_bytes", "read_timeout_ms",
                                  "drain_timeout_ms", "write_timeout_ms", "stream_keepalive_ms", "workers", "providers", "commitments", "models",
                                  "keys"});
  if (!top) {
    return;
  }
  read_server(r, *top, cfg);
  if (const Field* f = top->get("providers")) {
    read_providers(r, *f, cfg.providers);
  }
  if (const Field* f = top->get("commitments")) {
    read_commitments(r, *f, cfg.providers, cfg.commitments);
  }
  if (const Field* f = top->get("models")) {
    read_models(r, *f, cfg.providers, cfg.models);
  }
  if (const Field* f = top->get("keys")) {
    read_keys(r, *f, cfg, cfg.keys);
  }
}

}  // namespace
}  // namespace detail

std::string Problem::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
  }
  out += ": ";
  if (!key.empty()) {
    out += key + ": ";
  }
  out += what;
  return out;
}

LoadResult load_config_string(const std::string& yaml, const std::string& file_name,
                              const EnvLookup& env) {
  detail::Reader r(file_name, env);
  Config cfg;
  cfg.source_file = file_name;
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(yaml);
    if (docs.size() > 1) {
      r.problem(detail::line_of(docs[1]), "", "only one YAML document is allowed per file");
    }
    if (!docs.empty()) {
      detail::read_document(r, docs.front(), cfg);
    }
  } catch (const YAML::Exception& e) {
    // Syntax errors: yaml-cpp stops at the first one, so this is the only problem it can give.
    r.problem(e.mark.line >= 0 ? e.mark.line + 1 : 0, "",
              "invalid YAML: " + e.msg + detail::unquoted_variable_hint(yaml, e.mark.line, e.msg));
  }
  LoadResult out;
  out.problems = r.take_problems();
  if (out.problems.empty()) {
    out.config = std::move(cfg);
  }
  return out;
}

LoadResult load_config_file(const std::string& path, const EnvLookup& env) {
  // A directory opens and reads as empty, which would pass as "every default".
  if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
    LoadResult out;
    out.problems.push_back(Problem{path, 0, "", "is a directory, not a config file"});
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult out;
    out.problems.push_back(Problem{path, 0, "", std::string("cannot open: ") + std::strerror(errno)});
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    LoadResult out;
    out.problems.push_back(Problem{path, 0, "", "cannot read the file"});
    return out;
  }
  return load_config_string(text.str(), path, env);
}

}  // namespace gw::config
