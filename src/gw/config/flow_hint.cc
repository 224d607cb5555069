// A hint for the YAML syntax error an unquoted ${VAR} in a flow collection causes: in
// `price: { input: ${PIN:-1}, output: 2 }` YAML reads the reference's braces as its own, and
// yaml-cpp says only "end of map flow not found". Variables are expanded in values after parsing,
// never in the raw text (a value with ": " or "#" would change the document's structure), so the
// fix is on the user's side: quote the value.
#include <string_view>
#include <vector>

#include "gw/config/yaml_reader.h"

namespace gw::config::detail {

namespace {

// Where line `line` (0-based) of text starts; npos past the end.
size_t line_start(std::string_view text, int line) {
  size_t begin = 0;
  for (int i = 0; i < line && begin != std::string_view::npos; ++i) {
    begin = text.find('\n', begin);
    begin = begin == std::string_view::npos ? begin : begin + 1;
  }
  return begin;
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// An opening '{' or '[' of a flow collection before `pos` (the '{' of a "${" is not one).
bool flow_opener_before(std::string_view line, size_t pos) {
  for (size_t i = 0; i < pos; ++i) {
    if (line[i] == '[' || (line[i] == '{' && (i == 0 || line[i - 1] != '$'))) {
      return true;
    }
  }
  return false;
}

// The plain value holding the reference at `ref`: a plain scalar in a flow collection runs
// between its , [ { and , ] } (`http://${HOST}/v1` is one value).
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

Span value_around(std::string_view line, size_t ref) {
  constexpr std::string_view kBefore = " ,[{";
  constexpr std::string_view kAfter = ",]} ";
  Span s{ref, ref + 2};
  while (s.begin > 0 && kBefore.find(line[s.begin - 1]) == std::string_view::npos) {
    --s.begin;
  }
  for (int depth = 1; s.end < line.size() && depth > 0; ++s.end) {
    depth += line[s.end] == '{' ? 1 : line[s.end] == '}' ? -1 : 0;
  }
  while (s.end < line.size() && kAfter.find(line[s.end]) == std::string_view::npos) {
    ++s.end;
  }
  return s;
}

// The key before a value (`input` in `input: ${PIN}`), or "" when it has none (a list item).
std::string_view key_before(std::string_view line, size_t value_begin) {
  size_t k = value_begin;
  while (k > 0 && line[k - 1] == ' ') {
    --k;
  }
  if (k == 0 || line[k - 1] != ':') {
    return {};
  }
  const size_t end = k - 1;
  size_t begin = end;
  while (begin > 0 && is_key_char(line[begin - 1])) {
    --begin;
  }
  return line.substr(begin, end - begin);
}

// Every value on the line that holds a reference, in order.
std::vector<Span> values_with_references(std::string_view line) {
  std::vector<Span> out;
  for (size_t ref = line.find("${"); ref != std::string_view::npos; ref = line.find("${", ref)) {
    out.push_back(value_around(line, ref));
    ref = out.back().end;
  }
  return out;
}

// Whether quoting those values gets the parser past this line: otherwise the error is another
// one (`listen: [a, b` left open above `master_key: ${MK}`) and the hint would mislead.
bool quoting_helps(std::string_view yaml, size_t at, const std::vector<Span>& values, int line) {
  std::string fixed(yaml.substr(0, at));
  size_t done = 0;
  for (const Span& v : values) {
    fixed += yaml.substr(at + done, v.begin - done);
    fixed += "\"";
    fixed += yaml.substr(at + v.begin, v.end - v.begin);
    fixed += "\"";
    done = v.end;
  }
  fixed += yaml.substr(at + done);
  try {
    YAML::LoadAll(fixed);
    return true;
  } catch (const YAML::Exception& e) {
    return e.mark.line > line;
  }
}

}  // namespace

std::string unquoted_variable_hint(std::string_view yaml, int line, std::string_view yaml_message) {
  const size_t at = line < 0 ? std::string_view::npos : line_start(yaml, line);
  if (at == std::string_view::npos) {
    return {};
  }
  const std::string_view text = yaml.substr(at, yaml.find('\n', at) - at);
  size_t ref = text.find("${");
  // Inside a flow collection: opened on this line, or (yaml-cpp names a flow) on an earlier one.
  if (ref == std::string_view::npos ||
      (!flow_opener_before(text, ref) && yaml_message.find("flow") == std::string_view::npos)) {
    return {};
  }
  const std::vector<Span> values = values_with_references(text);
  if (!quoting_helps(yaml, at, values, line)) {
    return {};
  }
  const Span& v = values.front();
  constexpr size_t kMaxEcho = 60;  // a long value reads worse than the placeholder
  const std::string_view value = text.substr(v.begin, v.end - v.begin);
  std::string example = "\"" + (value.size() <= kMaxEcho ? std::string(value) : "${...}") + "\"";
  if (std::string_view key = key_before(text, v.begin); !key.empty()) {
    example = std::string(key) + ": " + example;
  }
  return " (a ${...} inside { } or [ ] must be quoted, or YAML reads its braces as its own: "
         "write " + example + ")";
}

}  // namespace gw::config::detail
