// Unicode data BERT's basic tokenizer needs, generated from Python's unicodedata by
// scripts/gen_unicode_tables.py into unicode_tables.cpp, plus the small queries over it.
// Internal to core/text: the tokenizer is the only user.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace multipos::text::unicode {

struct Range {
  char32_t first, last;
};
// One code point mapped to one to three others (`to` is zero-padded).
struct Mapping {
  char32_t code;
  char32_t to[3];
};

extern const Range kPunctuation[];  // categories P*
extern const size_t kPunctuationCount;
extern const Range kSpaceSeparator[];  // category Zs
extern const size_t kSpaceSeparatorCount;
extern const Range kOther[];  // categories Cc, Cf, Co, Cs (not Cn: see the generator)
extern const size_t kOtherCount;
extern const Range kNonspacingMark[];  // category Mn: what accent stripping drops
extern const size_t kNonspacingMarkCount;
extern const Mapping kLowercase[];  // Python's str.lower(), where it changes the code point
extern const size_t kLowercaseCount;
extern const Mapping kStripAccents[];  // NFD with Mn marks removed, where it changes the code point
extern const size_t kStripAccentsCount;

// BERT's classes: whitespace is space, \t, \n, \r, Zs and the line/paragraph separators; control is
// Cc, Cf, Co, Cs except \t, \n, \r; punctuation is all ASCII non-alphanumeric printables plus P*.
bool is_whitespace(char32_t code);
bool is_control(char32_t code);
bool is_punctuation(char32_t code);
bool is_cjk(char32_t code);  // the CJK ideograph blocks BERT splits into single characters

void append_lowercase(char32_t code, std::u32string& out);
void append_without_accents(char32_t code, std::u32string& out);

// UTF-8 <-> code points; malformed bytes decode to U+FFFD (which the tokenizer then drops).
std::u32string decode_utf8(std::string_view text);
void append_utf8(char32_t code, std::string& out);

}  // namespace multipos::text::unicode
