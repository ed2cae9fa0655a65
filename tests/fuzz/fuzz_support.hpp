// What every fuzz target shares: a scratch folder of its own process to write the input into (the
// loaders read paths, so the fuzzed code is the user's code path), a way to cut one input into the
// several files of a dataset folder, and the contract check: a parser may throw only its documented
// error type, with a message that names the file; anything else (another exception type, a message
// without the file) aborts, so libFuzzer reports it as a crash. Used by the libFuzzer binaries
// (clang, MULTIPOS_FUZZ) and by the replay test of the normal build (test_fuzz_replay).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace multipos::fuzz {

// The input as text (bytes kept, NULs included).
inline std::string as_text(const uint8_t* data, std::size_t size) {
  return size == 0 ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
}

// A folder under the system's temporary directory, one per process and target, emptied by each
// call of fresh(); removed when the process exits normally.
class Scratch {
 public:
  explicit Scratch(const std::string& target);
  ~Scratch();
  const std::filesystem::path& fresh();  // an empty folder
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, std::string_view bytes);

// Cuts an input into files: a line "=== NAME" starts file NAME (one of `names`; a section with
// another name is dropped), text before the first such line goes to `names[0]`. Files named by no
// section are not written, so a missing file is fuzzed too.
std::map<std::string, std::string> split_sections(std::string_view input, const std::vector<std::string>& names);
// Writes the sections under `folder` (creating sub-folders such as qrels/).
void write_sections(const std::filesystem::path& folder, const std::map<std::string, std::string>& sections);

// Prints what broke the contract and aborts (libFuzzer records the input as a crash).
[[noreturn]] void violation(const std::string& target, const std::string& problem);

// Runs `body`; an exception of one of the `Allowed` types whose message contains `must_name` (the
// file or source at fault) is the expected outcome of a malformed input. Returns true when body
// returned normally.
template <typename... Allowed>
bool expect_only(const std::string& target, const std::string& must_name, const std::function<void()>& body) {
  try {
    body();
    return true;
  } catch (const std::exception& error) {
    const bool allowed = (... || (dynamic_cast<const Allowed*>(&error) != nullptr));
    if (!allowed)
      violation(target, std::string("unexpected exception type ") + typeid(error).name() + ": " + error.what());
    if (!must_name.empty() && std::string_view(error.what()).find(must_name) == std::string_view::npos)
      violation(target, "the error does not name '" + must_name + "': " + error.what());
    return false;
  } catch (...) {
    violation(target, "a non-std exception escaped");
  }
}

// The replay test sets this to the file it feeds, so a violation names it.
extern std::string current_input;

}  // namespace multipos::fuzz
