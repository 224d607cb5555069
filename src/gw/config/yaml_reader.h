#pragma once
// Internal to gw_config: reads YAML nodes into typed values while collecting every problem with
// its line and dotted key path, so one run of `switchyard check` reports them all.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gw/config/load.h"

namespace gw::config::detail {

// A value in the document with where it was written.
struct Field {
  YAML::Node value;
  std::string path;  // dotted key path, "" for the document root
  int line = 0;      // 1-based, 0 when unknown
};

// The entries of a mapping whose keys are fixed by the schema; null values count as absent.
class Fields {
 public:
  const Field* get(std::string_view key) const;
  void add(std::string key, Field f) { entries_.emplace(std::move(key), std::move(f)); }

 private:
  std::map<std::string, Field, std::less<>> entries_;
};

class Reader {
 public:
  Reader(std::string file, const EnvLookup& env) : file_(std::move(file)), env_(env) {}

  const std::string& file() const { return file_; }
  void problem(int line, std::string key, std::string what);
  void problem(const Field& at, std::string what) { problem(at.line, at.path, std::move(what)); }
  std::vector<Problem> take_problems();
  size_t problem_count() const { return problems_.size(); }

  // Every entry of a mapping, in document order; reports a non-mapping, non-scalar keys and
  // duplicate keys (yaml-cpp keeps both silently; the second would otherwise be ignored).
  std::optional<std::vector<std::pair<std::string, Field>>> entries(const Field& f);
  // A mapping with a fixed set of keys; any other key is reported as unknown, with its line.
  std::optional<Fields> fields(const Field& f, const std::vector<std::string_view>& allowed,
                               std::string_view context = {});
  // The items of a sequence; reports a non-sequence.
  std::optional<std::vector<Field>> sequence(const Field& f);

  // A scalar with ${VAR} references expanded. A `secret` value is never quoted in a problem.
  std::optional<std::string> string(const Field& f, bool secret = false);
  // A required string: reports absence and emptiness after expansion.
  std::optional<std::string> required_string(const Fields& m, const Field& parent,
                                             std::string_view key, bool secret = false);
  // An integer in [min, max], after expansion.
  std::optional<int64_t> integer(const Field& f, int64_t min, int64_t max);
  // An exact decimal scaled by 10^scale, after expansion.
  std::optional<int64_t> decimal(const Field& f, int scale);

 private:
  std::string file_;
  const EnvLookup& env_;
  std::vector<Problem> problems_;
};

int line_of(const YAML::Node& n);
std::string join(const std::string& parent, std::string_view key);
std::string index(const std::string& parent, size_t i);
// Provider and model names end up in headers and metric labels: non-empty, printable, no spaces.
bool valid_config_name(std::string_view s);
// "a, b or c" for messages.
std::string one_of(const std::vector<std::string_view>& names);

// For a YAML syntax error at 0-based `line`: a hint to quote the ${VAR} written unquoted inside a
// flow collection ({ } or [ ]) on that line, whose braces YAML took for its own; "" when none is.
std::string unquoted_variable_hint(std::string_view yaml, int line, std::string_view yaml_message);

// The sections of the file, each in its own unit (load.cc, load_providers.cc, load_models.cc).
void read_providers(Reader& r, const Field& section, std::map<std::string, Provider>& out);
// Also sets Provider::commitment for every provider a commitment names.
void read_commitments(Reader& r, const Field& section, std::map<std::string, Provider>& providers,
                      std::map<std::string, Commitment>& out);
void read_models(Reader& r, const Field& section, const std::map<std::string, Provider>& providers,
                 std::map<std::string, Model>& out);
void read_keys(Reader& r, const Field& section, const Config& cfg, std::vector<StaticKey>& out);

}  // namespace gw::config::detail
