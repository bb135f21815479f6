#include "tests/support/test_config.h"

#include <fmt/format.h>

#include "tests/support/process.h"

namespace feedd::test {

std::string source_toml(const std::string& name, const std::string& url, const std::string& extra) {
  return fmt::format("[[sources]]\nname = '''{}'''\nurl = \"{}\"\ncontent = \"raw\"\n{}", name, url,
                     extra.empty() ? "" : extra + "\n");
}

std::filesystem::path write_test_config(const TempDir& dir, const std::string& sections, const std::string& sources) {
  const auto path = dir / "feedd.toml";
  write_file(path, "[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"posts\"\n" + sections + sources);
  return path;
}

}  // namespace feedd::test
