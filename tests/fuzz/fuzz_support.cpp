#include "tests/fuzz/fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace multipos::fuzz {

std::string current_input;

Scratch::Scratch(const std::string& target)
    : path_(std::filesystem::temp_directory_path() /
            ("multipos-fuzz-" + target + "-" + std::to_string(static_cast<long>(::getpid())))) {
  std::filesystem::create_directories(path_);
}

Scratch::~Scratch() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

const std::filesystem::path& Scratch::fresh() {
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(path_, ignored))
    std::filesystem::remove_all(entry.path(), ignored);
  return path_;
}

void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) violation("support", "cannot write the scratch file " + path.string());
}

std::map<std::string, std::string> split_sections(std::string_view input, const std::vector<std::string>& names) {
  std::map<std::string, std::string> sections;
  std::string dropped;
  std::string* current = nullptr;  // before any "=== NAME" line: names[0], created by its first line
  for (std::size_t start = 0; start < input.size();) {
    const std::size_t end = input.find('\n', start);
    const std::size_t next = end == std::string_view::npos ? input.size() : end + 1;
    const std::string_view line = input.substr(start, next - start);
    start = next;
    if (line.substr(0, 4) == "=== ") {
      std::string name(line.substr(4));
      while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
      bool known = false;
      for (const auto& allowed : names) known = known || allowed == name;
      dropped.clear();
      current = known ? &sections[name] : &dropped;
      continue;
    }
    if (current == nullptr) current = &sections[names.front()];
    current->append(line);
  }
  return sections;
}

void write_sections(const std::filesystem::path& folder, const std::map<std::string, std::string>& sections) {
  for (const auto& [name, text] : sections) write_file(folder / name, text);
}

void violation(const std::string& target, const std::string& problem) {
  std::fprintf(stderr, "\nfuzz contract violated (%s)%s%s: %s\n", target.c_str(), current_input.empty() ? "" : " by ",
               current_input.c_str(), problem.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace multipos::fuzz
