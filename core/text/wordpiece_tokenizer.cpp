#include "core/text/wordpiece_tokenizer.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "core/text/unicode_tables.hpp"

namespace multipos::text {

namespace {

void append_normalised(char32_t code, const WordPieceConfig& config, std::u32string& out) {
  std::u32string lowered;
  if (config.lower_case)
    unicode::append_lowercase(code, lowered);
  else
    lowered.push_back(code);
  for (char32_t low : lowered) {
    if (config.strip_accents)
      unicode::append_without_accents(low, out);
    else
      out.push_back(low);
  }
}

// Cleaning, CJK spacing and normalisation in one pass: drops NUL, U+FFFD and control characters,
// turns every whitespace into ' ', puts spaces around CJK ideographs, lower-cases and strips accents.
// CJK is decided on the original character, as the reference does before normalising (a CJK
// compatibility ideograph is spaced, then decomposed to its unified form).
std::u32string normalise(std::string_view text, const WordPieceConfig& config) {
  std::u32string out;
  for (char32_t code : unicode::decode_utf8(text)) {
    if (code == 0 || code == 0xFFFD || unicode::is_control(code)) continue;
    if (unicode::is_whitespace(code)) {
      out.push_back(' ');
    } else if (config.split_cjk && unicode::is_cjk(code)) {
      out.push_back(' ');
      append_normalised(code, config, out);
      out.push_back(' ');
    } else {
      append_normalised(code, config, out);
    }
  }
  return out;
}

// Splits on whitespace, and makes every punctuation character a word of its own.
std::vector<std::u32string> split_on_spaces_and_punctuation(const std::u32string& text) {
  std::vector<std::u32string> words;
  std::u32string current;
  auto flush = [&] {
    if (!current.empty()) words.push_back(std::move(current));
    current.clear();
  };
  for (char32_t code : text) {
    if (unicode::is_whitespace(code)) {
      flush();
    } else if (unicode::is_punctuation(code)) {
      flush();
      words.push_back(std::u32string(1, code));
    } else {
      current.push_back(code);
    }
  }
  flush();
  return words;
}

std::string to_utf8(const std::u32string& text) {
  std::string out;
  for (char32_t code : text) unicode::append_utf8(code, out);
  return out;
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocab, WordPieceConfig config,
                                       const std::string& source)
    : vocab_(std::move(vocab)), config_(config) {
  ids_.reserve(vocab_.size());
  for (size_t i = 0; i < vocab_.size(); ++i) ids_.emplace(vocab_[i], static_cast<int64_t>(i));  // first one wins
  auto require = [&](const char* token) {
    int64_t id = id_of(token);
    if (id < 0) throw std::invalid_argument(source + ": vocabulary has no " + token + " token");
    return id;
  };
  unk_id_ = require("[UNK]");
  cls_id_ = require("[CLS]");
  sep_id_ = require("[SEP]");
  pad_id_ = require("[PAD]");
  for (const char* token : {"[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"})
    if (id_of(token) >= 0) specials_.emplace_back(token, id_of(token));
}

WordPieceTokenizer WordPieceTokenizer::from_file(const std::string& vocab_file, WordPieceConfig config) {
  std::ifstream in(vocab_file, std::ios::binary);
  if (!in) throw std::invalid_argument(vocab_file + ": cannot open vocabulary file");
  std::vector<std::string> vocab;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocab.push_back(line);
  }
  if (vocab.empty()) throw std::invalid_argument(vocab_file + ": vocabulary file is empty");
  return WordPieceTokenizer(std::move(vocab), config, vocab_file);
}

int64_t WordPieceTokenizer::id_of(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

std::vector<std::string> WordPieceTokenizer::basic_tokenize(std::string_view text) const {
  std::vector<std::string> words;
  for (const auto& word : split_on_spaces_and_punctuation(normalise(text, config_))) words.push_back(to_utf8(word));
  return words;
}

// Greedy longest-match-first: at each position take the longest vocabulary entry ("##"-prefixed
// after the first piece); when nothing matches, the whole word is [UNK], as in BERT.
void WordPieceTokenizer::append_pieces(const std::string& word, std::vector<int64_t>& ids) const {
  std::vector<size_t> boundaries;  // byte offsets where a character starts, plus the end
  for (size_t i = 0; i < word.size(); ++i)
    if ((static_cast<unsigned char>(word[i]) & 0xC0) != 0x80) boundaries.push_back(i);
  boundaries.push_back(word.size());
  const size_t characters = boundaries.size() - 1;
  if (characters > config_.max_chars_per_word) {
    ids.push_back(unk_id_);
    return;
  }
  const size_t first_piece = ids.size();
  size_t start = 0;
  std::string candidate;
  while (start < characters) {
    int64_t found = -1;
    size_t end = characters;
    for (; end > start; --end) {
      candidate.assign(start > 0 ? "##" : "");
      candidate.append(word, boundaries[start], boundaries[end] - boundaries[start]);
      found = id_of(candidate);
      if (found >= 0) break;
    }
    if (found < 0) {
      ids.resize(first_piece);
      ids.push_back(unk_id_);
      return;
    }
    ids.push_back(found);
    start = end;
  }
}

// Special tokens written in the text ("[SEP]", "[MASK]") stay whole, as in the reference
// tokenizers; the text between them goes through the basic tokenizer and WordPiece.
std::vector<int64_t> WordPieceTokenizer::token_ids(std::string_view text) const {
  std::vector<int64_t> ids;
  size_t position = 0;
  while (position <= text.size()) {
    size_t next = std::string_view::npos;
    int64_t special = -1;
    size_t special_length = 0;
    for (const auto& [token, id] : specials_) {
      const size_t found = text.find(token, position);
      if (found < next) {
        next = found;
        special = id;
        special_length = token.size();
      }
    }
    for (const auto& word :
         basic_tokenize(text.substr(position, next == std::string_view::npos ? next : next - position)))
      append_pieces(word, ids);
    if (special < 0) break;
    ids.push_back(special);
    position = next + special_length;
  }
  return ids;
}

std::vector<std::string> WordPieceTokenizer::tokenize(std::string_view text) const {
  std::vector<std::string> tokens;
  for (int64_t id : token_ids(text)) tokens.push_back(token_of(id));
  return tokens;
}

TokenBatch WordPieceTokenizer::encode(const std::vector<std::string>& texts, int64_t max_length,
                                      bool pad_to_max_length) const {
  if (max_length < 2)
    throw std::invalid_argument("max_length " + std::to_string(max_length) + " leaves no room for [CLS] and [SEP]");
  std::vector<std::vector<int64_t>> rows;
  rows.reserve(texts.size());
  int64_t longest = 2;
  for (const auto& text : texts) {
    std::vector<int64_t> ids = token_ids(text);
    if (static_cast<int64_t>(ids.size()) > max_length - 2) ids.resize(static_cast<size_t>(max_length - 2));
    ids.insert(ids.begin(), cls_id_);
    ids.push_back(sep_id_);
    longest = std::max(longest, static_cast<int64_t>(ids.size()));
    rows.push_back(std::move(ids));
  }
  TokenBatch batch;
  batch.rows = static_cast<int64_t>(texts.size());
  batch.length = pad_to_max_length ? max_length : longest;
  batch.input_ids.assign(static_cast<size_t>(batch.rows * batch.length), pad_id_);
  batch.attention_mask.assign(batch.input_ids.size(), 0);
  for (size_t row = 0; row < rows.size(); ++row) {
    const size_t base = row * static_cast<size_t>(batch.length);
    std::copy(rows[row].begin(), rows[row].end(), batch.input_ids.begin() + static_cast<std::ptrdiff_t>(base));
    std::fill_n(batch.attention_mask.begin() + static_cast<std::ptrdiff_t>(base), rows[row].size(), 1);
  }
  return batch;
}

}  // namespace multipos::text
