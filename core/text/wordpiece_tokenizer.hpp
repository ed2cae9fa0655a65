// BERT's tokenizer: the basic tokenizer (cleaning, lower-casing, accent stripping, punctuation and
// CJK splitting) followed by greedy longest-match-first WordPiece over a vocab.txt, then [CLS] ...
// [SEP], truncation and padding. Torch-free: batches come out as flat row-major id arrays.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace multipos::text {

struct WordPieceConfig {
  bool lower_case = true;
  bool strip_accents = true;        // Hugging Face ties this to lower_case unless set explicitly
  bool split_cjk = true;            // every CJK ideograph becomes its own word
  size_t max_chars_per_word = 100;  // longer words become [UNK] without trying to match pieces
};

// A padded batch: row i is input_ids[i * length .. (i + 1) * length), attention_mask 1 on real
// tokens ([CLS] and [SEP] included) and 0 on padding.
struct TokenBatch {
  int64_t rows = 0;
  int64_t length = 0;
  std::vector<int64_t> input_ids;
  std::vector<int64_t> attention_mask;
};

class WordPieceTokenizer {
 public:
  // Token i of `vocab` gets id i. Throws std::invalid_argument naming `source` when a special token
  // ([UNK], [CLS], [SEP], [PAD]) is missing.
  WordPieceTokenizer(std::vector<std::string> vocab, WordPieceConfig config, const std::string& source = "vocab");
  // Reads a vocab.txt (one token per line, id = line number - 1); errors name the file.
  static WordPieceTokenizer from_file(const std::string& vocab_file, WordPieceConfig config = {});

  // The basic tokenizer's words (normalised, split), before WordPiece; special tokens in the text
  // are not recognised here (tokenize and token_ids keep them whole).
  std::vector<std::string> basic_tokenize(std::string_view text) const;
  // The WordPiece tokens of a text, without special tokens ("##" marks a continuation).
  std::vector<std::string> tokenize(std::string_view text) const;
  std::vector<int64_t> token_ids(std::string_view text) const;

  // [CLS] ids [SEP] per text, truncated to max_length tokens (specials included), padded with
  // [PAD] to the longest row, or to max_length when pad_to_max_length.
  TokenBatch encode(const std::vector<std::string>& texts, int64_t max_length, bool pad_to_max_length = false) const;

  int64_t vocab_size() const { return static_cast<int64_t>(vocab_.size()); }
  int64_t id_of(const std::string& token) const;  // -1 when absent
  const std::string& token_of(int64_t id) const { return vocab_.at(static_cast<size_t>(id)); }
  int64_t unk_id() const { return unk_id_; }
  int64_t cls_id() const { return cls_id_; }
  int64_t sep_id() const { return sep_id_; }
  int64_t pad_id() const { return pad_id_; }
  const WordPieceConfig& config() const { return config_; }

 private:
  void append_pieces(const std::string& word, std::vector<int64_t>& ids) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int64_t> ids_;
  WordPieceConfig config_;
  std::vector<std::pair<std::string, int64_t>> specials_;  // recognised inside texts
  int64_t unk_id_ = -1, cls_id_ = -1, sep_id_ = -1, pad_id_ = -1;
};

}  // namespace multipos::text
