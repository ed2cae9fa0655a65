// Loading a large BEIR dataset: generates a corpus (random words from a fixed vocabulary, ~60 per
// passage), queries and multi-positive qrels in a temp directory, then times load_beir against a
// plain baseline (std::getline + nlohmann::json::parse per line, strings kept, no id interning or
// checks) and prints wall time, MB/s, peak RSS and the ratios. Each load runs in its own child
// process so each peak RSS is its own (getrusage of the reaped child).
// Usage: bench_data_load [passages=1000000] [queries=10000] [repeats=1]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/data/beir_loader.hpp"
#include "core/util/rng.hpp"

namespace {

namespace fs = std::filesystem;

// A fixed vocabulary of pronounceable pseudo-words (3-10 letters), the same on every run.
std::vector<std::string> vocabulary(std::size_t size) {
  multipos::util::Rng rng(11);
  const char* consonants = "bcdfghklmnprstvz";
  const char* vowels = "aeiou";
  std::vector<std::string> words;
  for (std::size_t w = 0; w < size; ++w) {
    std::string word;
    const auto syllables = 2 + rng.below(3);
    for (uint64_t s = 0; s < syllables; ++s) {
      word += consonants[rng.below(16)];
      word += vowels[rng.below(5)];
      if (rng.bernoulli(0.3)) word += consonants[rng.below(16)];
    }
    words.push_back(word);
  }
  return words;
}

std::string random_words(multipos::util::Rng& rng, const std::vector<std::string>& words, uint64_t count) {
  std::string text;
  for (uint64_t w = 0; w < count; ++w) {
    if (w) text += ' ';
    text += words[rng.below(words.size())];
  }
  return text;
}

// Writes corpus.jsonl, queries.jsonl and qrels/train.tsv (3 positives per query); returns their bytes.
std::uintmax_t generate(const fs::path& dir, std::size_t passages, std::size_t queries) {
  const std::vector<std::string> words = vocabulary(30000);
  multipos::util::Rng rng(5);
  fs::create_directories(dir / "qrels");
  {
    std::ofstream corpus(dir / "corpus.jsonl", std::ios::binary);
    for (std::size_t p = 0; p < passages; ++p)
      corpus << "{\"_id\": \"doc" << p << "\", \"title\": \"" << random_words(rng, words, 1 + rng.below(4)) << "\", \"text\": \""
             << random_words(rng, words, 50 + rng.below(21)) << "\"}\n";
  }
  {
    std::ofstream out(dir / "queries.jsonl", std::ios::binary);
    std::ofstream qrels(dir / "qrels" / "train.tsv", std::ios::binary);
    qrels << "query-id\tcorpus-id\tscore\n";
    for (std::size_t q = 0; q < queries; ++q) {
      out << "{\"_id\": \"q" << q << "\", \"text\": \"" << random_words(rng, words, 3 + rng.below(6)) << "\"}\n";
      for (int k = 0; k < 3; ++k) qrels << "q" << q << "\tdoc" << (q * 97 + static_cast<std::size_t>(k) * 7919) % passages << '\t' << (k == 0 ? 2 : 1) << '\n';
    }
  }
  return fs::file_size(dir / "corpus.jsonl") + fs::file_size(dir / "queries.jsonl") + fs::file_size(dir / "qrels" / "train.tsv");
}

// What a loader without our checks keeps: every string, no index from id to position.
std::size_t plain_load(const fs::path& dir) {
  std::vector<std::string> ids, titles, texts, query_ids, query_texts;
  std::vector<std::string> qrel_lines;
  std::string line;
  std::ifstream corpus(dir / "corpus.jsonl", std::ios::binary);
  while (std::getline(corpus, line)) {
    const auto record = nlohmann::json::parse(line);
    ids.push_back(record.at("_id").get<std::string>());
    titles.push_back(record.at("title").get<std::string>());
    texts.push_back(titles.back() + " " + record.at("text").get<std::string>());
  }
  std::ifstream queries(dir / "queries.jsonl", std::ios::binary);
  while (std::getline(queries, line)) {
    const auto record = nlohmann::json::parse(line);
    query_ids.push_back(record.at("_id").get<std::string>());
    query_texts.push_back(record.at("text").get<std::string>());
  }
  std::ifstream qrels(dir / "qrels" / "train.tsv", std::ios::binary);
  while (std::getline(qrels, line)) qrel_lines.push_back(line);
  return ids.size();
}

std::size_t multipos_load(const fs::path& dir) {
  const multipos::data::Dataset dataset = multipos::data::load_beir(dir.string());
  return dataset.num_passages();
}

struct Measured {
  double seconds = 0;
  double peak_mb = 0;
  std::size_t passages = 0;
};

// Runs `load` in a child process; its wall time and passage count come back through a pipe,
// its peak RSS from wait4's rusage (ru_maxrss, KiB on Linux).
template <typename Load>
Measured in_child(Load load, const fs::path& dir) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) {
    std::perror("pipe");
    std::exit(1);
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    const auto start = std::chrono::steady_clock::now();
    Measured result;
    result.passages = load(dir);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const ssize_t written = ::write(pipe_fds[1], &result, sizeof result);
    ::_exit(written == static_cast<ssize_t>(sizeof result) ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  Measured result;
  const ssize_t got = ::read(pipe_fds[0], &result, sizeof result);
  ::close(pipe_fds[0]);
  int status = 0;
  struct rusage usage {};
  ::wait4(child, &status, 0, &usage);
  if (got != static_cast<ssize_t>(sizeof result) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "a load failed in its child process\n");
    std::exit(1);
  }
  result.peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t passages = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const std::size_t queries = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 10000;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 1;
  if (passages == 0 || queries == 0 || repeats < 1) {
    std::fprintf(stderr, "usage: bench_data_load [passages>0] [queries>0] [repeats>=1]\n");
    return 2;
  }
  const fs::path dir = fs::temp_directory_path() / ("multipos-bench-data-" + std::to_string(::getpid()));
  auto start = std::chrono::steady_clock::now();
  const double megabytes = static_cast<double>(generate(dir, passages, queries)) / 1e6;
  std::printf("generated %zu passages, %zu queries, %zu qrels: %.1f MB in %.1f s (%s)\n", passages, queries, queries * 3, megabytes,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), dir.c_str());

  // Best of `repeats` for time; the peak RSS of a load does not vary between repeats.
  Measured ours, plain;
  for (int r = 0; r < repeats; ++r) {
    Measured a = in_child(multipos_load, dir), b = in_child(plain_load, dir);
    if (r == 0 || a.seconds < ours.seconds) ours = a;
    if (r == 0 || b.seconds < plain.seconds) plain = b;
  }
  fs::remove_all(dir);
  if (ours.passages != passages || plain.passages != passages) {
    std::fprintf(stderr, "loaded %zu / %zu passages, expected %zu\n", ours.passages, plain.passages, passages);
    return 1;
  }
  std::printf("%-44s %8s %8s %14s\n", "loader", "time s", "MB/s", "peak RSS MB");
  std::printf("%-44s %8.2f %8.1f %14.0f\n", "load_beir (checks, id interning, splits)", ours.seconds, megabytes / ours.seconds, ours.peak_mb);
  std::printf("%-44s %8.2f %8.1f %14.0f\n", "plain getline + json::parse, strings kept", plain.seconds, megabytes / plain.seconds, plain.peak_mb);
  struct rusage self {};
  ::getrusage(RUSAGE_SELF, &self);
  std::printf("(each child starts from this process's %.0f MB peak RSS, counted in both)\n", static_cast<double>(self.ru_maxrss) / 1024.0);
  std::printf("ratio load_beir / plain: time %.2f, peak RSS %.2f\n", ours.seconds / plain.seconds, ours.peak_mb / plain.peak_mb);
  return 0;
}
