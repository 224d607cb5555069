#include "gw/admin/cli_args.h"

#include <algorithm>

namespace gw {

std::optional<CliArgs> parse_cli_args(const std::vector<std::string>& args, const std::set<std::string>& with_value,
                                      const std::set<std::string>& switches, std::string* error) {
  CliArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-c" || a == "--config") {
      ++i;  // main() read it
      continue;
    }
    if (a.rfind("--config=", 0) == 0) {
      continue;
    }
    if (a.size() < 3 || a.rfind("--", 0) != 0) {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (switches.count(name) != 0 && !value) {
      out.switches.insert(name);
      continue;
    }
    if (with_value.count(name) == 0) {
      *error = "unknown option --" + name;
      return std::nullopt;
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        *error = "--" + name + " needs a value";
        return std::nullopt;
      }
      value = args[++i];
    }
    out.flags[name] = *value;
  }
  return out;
}

std::optional<std::string> config_option(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "-c" || args[i] == "--config") && i + 1 < args.size()) {
      return args[i + 1];
    }
    if (args[i].rfind("--config=", 0) == 0) {
      return args[i].substr(9);
    }
  }
  return std::nullopt;
}

std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& right_align) {
  std::vector<size_t> width(header.size(), 0);
  auto widen = [&](const std::vector<std::string>& r) {
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], r[c].size());
    }
  };
  widen(header);
  for (const auto& r : rows) {
    widen(r);
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    std::string l;
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < r.size() ? r[c] : "";
      const std::string pad(width[c] - cell.size(), ' ');
      const bool right = c < right_align.size() && right_align[c];
      l += (c == 0 ? "" : "  ") + (right ? pad + cell : cell + pad);
    }
    while (!l.empty() && l.back() == ' ') {
      l.pop_back();
    }
    out += l + "\n";
  };
  line(header);
  for (const auto& r : rows) {
    line(r);
  }
  return out;
}

}  // namespace gw
