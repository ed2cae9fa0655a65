#include "core/data/bm25_negatives.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "core/eval/bm25.hpp"

namespace multipos::data {

namespace {

// Bump when the mining rule or the file layout changes, so old caches are rebuilt.
constexpr uint64_t kCacheVersion = 1;
constexpr char kMagic[8] = {'M', 'P', 'B', 'M', '2', '5', 'N', '1'};

// A 128-bit digest of a stream of strings and numbers: two independently seeded 64-bit lanes,
// eight bytes at a time (hashing a 1M-passage corpus byte by byte would cost seconds). Strings
// are length-prefixed so ("ab", "c") and ("a", "bc") differ. Not cryptographic: it guards
// against stale caches, not against an adversary.
class Digest {
 public:
  void add(uint64_t value) {
    mix(lane_a_, value, 0x9E3779B97F4A7C15ull);
    mix(lane_b_, value, 0xC2B2AE3D27D4EB4Full);
  }
  void add(const std::string& text) {
    add(static_cast<uint64_t>(text.size()));
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
      uint64_t chunk;
      std::memcpy(&chunk, text.data() + i, 8);
      add(chunk);
    }
    uint64_t tail = 0;
    std::memcpy(&tail, text.data() + i, text.size() - i);
    add(tail);
  }
  uint64_t low() const { return finish(lane_a_); }
  uint64_t high() const { return finish(lane_b_); }

 private:
  static void mix(uint64_t& lane, uint64_t value, uint64_t multiplier) {
    lane = (lane ^ value) * multiplier;
    lane ^= lane >> 29;
  }
  static uint64_t finish(uint64_t z) {  // SplitMix64's finalizer: every input bit reaches every output bit
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t lane_a_ = 0x243F6A8885A308D3ull, lane_b_ = 0x13198A2E03707344ull;
};

struct CacheKey {
  uint64_t low = 0, high = 0;
  bool operator==(const CacheKey& other) const { return low == other.low && high == other.high; }
};

// Passages a query must never get as a negative: everything judged for it.
std::unordered_set<int32_t> judged_passages(const Dataset& dataset, int32_t query) {
  std::unordered_set<int32_t> judged;
  for (const auto& judgment : dataset.judgments[static_cast<std::size_t>(query)]) judged.insert(judgment.passage);
  return judged;
}

CacheKey cache_key(const Dataset& dataset, const std::vector<int32_t>& queries, int top_k) {
  Digest digest;
  digest.add(kCacheVersion);
  digest.add(static_cast<uint64_t>(top_k));
  digest.add(static_cast<uint64_t>(dataset.num_passages()));
  for (std::size_t p = 0; p < dataset.num_passages(); ++p) {
    digest.add(dataset.passage_ids[p]);
    digest.add(dataset.passage_texts[p]);
  }
  digest.add(static_cast<uint64_t>(queries.size()));
  for (int32_t q : queries) {
    const auto query = static_cast<std::size_t>(q);
    digest.add(dataset.query_ids[query]);
    digest.add(dataset.query_texts[query]);
    std::vector<int32_t> judged;
    for (const auto& judgment : dataset.judgments[query]) judged.push_back(judgment.passage);
    std::sort(judged.begin(), judged.end());  // the order of judgments does not change the negatives
    digest.add(static_cast<uint64_t>(judged.size()));
    for (int32_t passage : judged) digest.add(static_cast<uint64_t>(passage));
  }
  return {digest.low(), digest.high()};
}

// The queries to mine, in index order without repeats.
std::vector<int32_t> chosen_queries(const Dataset& dataset, const std::vector<std::string>& splits) {
  std::vector<int32_t> queries;
  if (splits.empty()) {
    for (std::size_t q = 0; q < dataset.num_queries(); ++q) queries.push_back(static_cast<int32_t>(q));
    return queries;
  }
  for (const auto& split : splits) {
    const auto& members = dataset.split(split);  // throws std::invalid_argument on an unknown split
    queries.insert(queries.end(), members.begin(), members.end());
  }
  std::sort(queries.begin(), queries.end());
  queries.erase(std::unique(queries.begin(), queries.end()), queries.end());
  return queries;
}

using Mined = std::vector<std::vector<int32_t>>;  // per chosen query, BM25 negatives best first

Mined mine(const Dataset& dataset, const std::vector<int32_t>& queries, int top_k) {
  const eval::Bm25Index index(dataset.passage_ids, dataset.passage_texts);
  std::unordered_map<std::string, int32_t> passage_of;
  passage_of.reserve(dataset.num_passages());
  for (std::size_t p = 0; p < dataset.num_passages(); ++p) passage_of.emplace(dataset.passage_ids[p], static_cast<int32_t>(p));
  Mined mined(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const auto query = static_cast<std::size_t>(queries[i]);
    const std::unordered_set<int32_t> judged = judged_passages(dataset, queries[i]);
    // Ask for enough that top_k survive the exclusions (one more for the query's own id).
    const std::size_t depth = static_cast<std::size_t>(top_k) + judged.size();
    const eval::Run run = index.search({dataset.query_ids[query]}, {dataset.query_texts[query]}, depth, true);
    for (const auto& entry : run.begin()->second) {
      const int32_t passage = passage_of.at(entry.doc_id);
      if (judged.count(passage)) continue;
      mined[i].push_back(passage);
      if (mined[i].size() == static_cast<std::size_t>(top_k)) break;
    }
  }
  return mined;
}

template <typename T>
void write_value(std::ofstream& out, T value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof value);
}
template <typename T>
bool read_value(std::ifstream& in, T& value) {
  return static_cast<bool>(in.read(reinterpret_cast<char*>(&value), sizeof value));
}

// Reads a cache file; false (and `mined` untouched) when it is absent, for another key, or damaged.
bool read_cache(const std::string& file, const CacheKey& key, const Dataset& dataset, const std::vector<int32_t>& queries,
                Mined& mined) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  char magic[sizeof kMagic];
  CacheKey stored;
  uint64_t count = 0;
  if (!in.read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof magic) != 0) return false;
  if (!read_value(in, stored.low) || !read_value(in, stored.high) || !(stored == key)) return false;
  if (!read_value(in, count) || count != queries.size()) return false;
  Mined loaded(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    int32_t query = 0;
    uint32_t negatives = 0;
    if (!read_value(in, query) || query != queries[i] || !read_value(in, negatives)) return false;
    if (negatives > dataset.num_passages()) return false;
    loaded[i].resize(negatives);
    if (!in.read(reinterpret_cast<char*>(loaded[i].data()), static_cast<std::streamsize>(negatives * sizeof(int32_t)))) return false;
    for (int32_t passage : loaded[i])
      if (passage < 0 || static_cast<std::size_t>(passage) >= dataset.num_passages()) return false;
  }
  mined = std::move(loaded);
  return true;
}

// Writes to a temporary file and renames it, so a crash or a concurrent reader never sees half a
// cache. Returns "" or the problem.
std::string write_cache(const std::string& file, const CacheKey& key, const std::vector<int32_t>& queries, const Mined& mined) {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path(), error);
  if (error) return "cannot create " + std::filesystem::path(file).parent_path().string() + ": " + error.message();
  const std::string temporary = file + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return "cannot write " + temporary;
    out.write(kMagic, sizeof kMagic);
    write_value(out, key.low);
    write_value(out, key.high);
    write_value(out, static_cast<uint64_t>(queries.size()));
    for (std::size_t i = 0; i < queries.size(); ++i) {
      write_value(out, queries[i]);
      write_value(out, static_cast<uint32_t>(mined[i].size()));
      out.write(reinterpret_cast<const char*>(mined[i].data()), static_cast<std::streamsize>(mined[i].size() * sizeof(int32_t)));
    }
    if (!out.flush()) {
      std::filesystem::remove(temporary, error);
      return "cannot write " + temporary + " (disk full?)";
    }
  }
  std::filesystem::rename(temporary, file, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    return "cannot rename the cache into " + file;
  }
  return "";
}

// One file per dataset name: a changed dataset overwrites its stale cache instead of piling up.
std::string cache_file_for(const std::string& directory, const std::string& dataset_name) {
  std::string name;
  for (char c : dataset_name) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  if (name.empty()) name = "dataset";
  return (std::filesystem::path(directory) / (name + ".bm25-negatives.bin")).string();
}

}  // namespace

std::string default_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/multipos";  // the XDG spec ignores relative paths
  const char* home = std::getenv("HOME");
  if (home && home[0]) return std::string(home) + "/.cache/multipos";
  return "";
}

Bm25NegativesReport mine_bm25_negatives(Dataset& dataset, const Bm25NegativesOptions& options) {
  if (options.top_k < 1) throw std::invalid_argument("bm25 hard negatives: top_k must be >= 1");
  if (options.per_query < 0) throw std::invalid_argument("bm25 hard negatives: per_query must be >= 0");
  const auto start = std::chrono::steady_clock::now();
  Bm25NegativesReport report;
  const std::vector<int32_t> queries = chosen_queries(dataset, options.splits);
  report.queries = queries.size();
  dataset.hard_negatives.resize(dataset.num_queries());

  Mined mined;
  CacheKey key;
  const std::string directory = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  if (options.use_cache && !directory.empty()) {
    report.cache_file = cache_file_for(directory, dataset.name);
    key = cache_key(dataset, queries, options.top_k);
    report.cache_hit = read_cache(report.cache_file, key, dataset, queries, mined);
  } else if (options.use_cache) {
    report.cache_problem = "no cache directory (neither XDG_CACHE_HOME nor HOME is set)";
  }
  if (!report.cache_hit) {
    mined = mine(dataset, queries, options.top_k);
    if (!report.cache_file.empty()) report.cache_problem = write_cache(report.cache_file, key, queries, mined);
  }

  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto& negatives = dataset.hard_negatives[static_cast<std::size_t>(queries[i])];
    std::unordered_set<int32_t> present(negatives.begin(), negatives.end());
    for (int32_t passage : mined[i]) {
      if (options.per_query > 0 && negatives.size() >= static_cast<std::size_t>(options.per_query)) break;
      if (!present.insert(passage).second) continue;
      negatives.push_back(passage);
      ++report.added;
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string note = "hard negatives: BM25 top-" + std::to_string(options.top_k) + " unjudged passages for " +
                     std::to_string(report.queries) + " queries (" + std::to_string(report.added) + " added";
  if (options.per_query > 0) note += ", at most " + std::to_string(options.per_query) + " per query";
  note += report.cache_hit ? "; from cache " + report.cache_file : report.cache_file.empty() ? "; not cached" : "; cached in " + report.cache_file;
  if (!report.cache_problem.empty()) note += "; cache: " + report.cache_problem;
  dataset.notes.push_back(note + ")");
  return report;
}

}  // namespace multipos::data
