// The typed, problem-collecting view of a YAML document used by every section reader.
#include "gw/config/yaml_reader.h"

#include <algorithm>
#include <charconv>

#include "gw/config/decimal.h"

namespace gw::config::detail {

namespace {

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a scalar";
    default: return "nothing";
  }
}

// Numbers are not secrets, but an echo is still bounded so a misplaced blob stays out of logs.
std::string quoted(const std::string& s) {
  constexpr size_t kMax = 32;
  return "'" + (s.size() > kMax ? s.substr(0, kMax) + "..." : s) + "'";
}

}  // namespace

int line_of(const YAML::Node& n) {
  if (!n.IsDefined()) {
    return 0;
  }
  int line = n.Mark().line;
  return line >= 0 ? line + 1 : 0;
}

std::string join(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string index(const std::string& parent, size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

std::string one_of(const std::vector<std::string_view>& names) {
  std::string out;
  size_t i = 0;
  for (auto n : names) {
    if (i > 0) {
      out += (i + 1 == names.size()) ? " or " : ", ";
    }
    out += n;
    ++i;
  }
  return out;
}

const Field* Fields::get(std::string_view key) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.value.IsNull()) {
    return nullptr;
  }
  return &it->second;
}

void Reader::problem(int line, std::string key, std::string what) {
  problems_.push_back(Problem{file_, line, std::move(key), std::move(what)});
}

std::vector<Problem> Reader::take_problems() {
  // Document order reads best; problems found on the same line keep the order they were found in.
  std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
    return a.line < b.line;
  });
  return std::move(problems_);
}

std::optional<std::vector<std::pair<std::string, Field>>> Reader::entries(const Field& f) {
  if (!f.value.IsMap()) {
    problem(f, "expected a mapping, found " + kind_of(f.value));
    return std::nullopt;
  }
  std::vector<std::pair<std::string, Field>> out;
  std::map<std::string, int> seen;
  for (const auto& kv : f.value) {
    const YAML::Node& k = kv.first;
    int line = line_of(k);
    if (!k.IsScalar()) {
      problem(line, f.path, "mapping keys must be plain names, found " + kind_of(k));
      continue;
    }
    std::string name = k.Scalar();
    std::string path = join(f.path, name);
    if (auto [pos, fresh] = seen.emplace(name, line); !fresh) {
      problem(line, path, "duplicate key (first given on line " + std::to_string(pos->second) + ")");
      continue;
    }
    out.emplace_back(name, Field{kv.second, std::move(path), line});
  }
  return out;
}

std::optional<Fields> Reader::fields(const Field& f,
                                     const std::vector<std::string_view>& allowed,
                                     std::string_view context) {
  auto all = entries(f);
  if (!all) {
    return std::nullopt;
  }
  Fields out;
  for (auto& [name, field] : *all) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string what = "unknown key";
      if (!context.empty()) {
        what += " for " + std::string(context);
      }
      problem(field, what + " (expected " + one_of(allowed) + ")");
      continue;
    }
    out.add(name, std::move(field));
  }
  return out;
}

std::optional<std::vector<Field>> Reader::sequence(const Field& f) {
  if (!f.value.IsSequence()) {
    problem(f, "expected a list, found " + kind_of(f.value));
    return std::nullopt;
  }
  std::vector<Field> out;
  size_t i = 0;
  for (const auto& item : f.value) {
    int line = line_of(item);
    out.push_back(Field{item, index(f.path, i), line > 0 ? line : f.line});
    ++i;
  }
  return out;
}

std::optional<std::string> Reader::string(const Field& f, bool secret) {
  if (f.value.IsNull()) {
    return std::string();
  }
  if (!f.value.IsScalar()) {
    problem(f, "expected a string, found " + kind_of(f.value));
    return std::nullopt;
  }
  std::string error;
  auto expanded = expand_env(f.value.Scalar(), env_, &error);
  if (!expanded) {
    // The reference text is the rest of the value, which for a secret may be the secret itself.
    problem(f, secret ? "malformed ${...} reference (use $$ for a literal $)"
                      : "malformed ${...} reference: " + error);
  }
  return expanded;
}

std::optional<std::string> Reader::required_string(const Fields& m, const Field& parent,
                                                   std::string_view key, bool secret) {
  const Field* f = m.get(key);
  if (f == nullptr) {
    problem(parent.line, join(parent.path, key), "is required");
    return std::nullopt;
  }
  auto s = string(*f, secret);
  if (s && s->empty()) {
    problem(*f, "is required but empty (after ${...} expansion)");
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> Reader::integer(const Field& f, int64_t min, int64_t max) {
  auto s = string(f);
  if (!s) {
    return std::nullopt;
  }
  int64_t v = 0;
  const char* end = s->data() + s->size();
  auto [ptr, ec] = std::from_chars(s->data(), end, v);
  if (s->empty() || ec == std::errc::result_out_of_range) {
    problem(f, s->empty() ? "expected an integer, found an empty value" : "is out of range");
    return std::nullopt;
  }
  if (ec != std::errc() || ptr != end) {
    problem(f, "expected an integer, found " + quoted(*s));
    return std::nullopt;
  }
  if (v < min || v > max) {
    if (min == 0 && v < 0) {
      problem(f, "must not be negative");
    } else if (min == 1 && v < 1) {
      problem(f, "must be at least 1");
    } else {
      problem(f, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> Reader::decimal(const Field& f, int scale) {
  auto s = string(f);
  if (!s) {
    return std::nullopt;
  }
  if (!s->empty() && s->front() == '-') {
    problem(f, "must not be negative");
    return std::nullopt;
  }
  std::string error;
  auto v = parse_fixed_decimal(*s, scale, &error);
  if (!v) {
    problem(f, error);
  }
  return v;
}

}  // namespace gw::config::detail
