// warnings.h: a config that loads but is probably not what was meant.
#include "gw/config/warnings.h"

#include <algorithm>

namespace gw::config {

std::vector<Problem> config_warnings(const Config& cfg) {
  std::vector<Problem> out;
  for (const auto& [name, model] : cfg.models) {
    for (size_t i = 0; i < model.deployments.size(); ++i) {
      const Deployment& d = model.deployments[i];
      // A missing price is not an error: house models may be free. Those say so with a zero price;
      // a price that is simply absent is most often forgotten, and every ledger record would
      // then cost $0 without a sign.
      if (!d.priced) {
        out.push_back(Problem{cfg.source_file, d.line,
                              "models." + name + ".deployments[" + std::to_string(i) + "]",
                              "has no price: its usage will be billed at $0 (write price: "
                              "{input: 0, output: 0} if it is free)"});
      }
    }
  }
  // Models are held by name; document order reads best.
  std::stable_sort(out.begin(), out.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  return out;
}

}  // namespace gw::config
