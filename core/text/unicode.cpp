// Queries over the generated tables (unicode_tables.cpp) and a forgiving UTF-8 codec.
#include <algorithm>

#include "core/text/unicode_tables.hpp"

namespace multipos::text::unicode {

namespace {

bool in_ranges(const Range* ranges, size_t count, char32_t code) {
  const Range* end = ranges + count;
  const Range* it =
      std::upper_bound(ranges, end, code, [](char32_t value, const Range& range) { return value < range.first; });
  return it != ranges && code <= (it - 1)->last;
}

const Mapping* find_mapping(const Mapping* table, size_t count, char32_t code) {
  const Mapping* end = table + count;
  const Mapping* it =
      std::lower_bound(table, end, code, [](const Mapping& entry, char32_t value) { return entry.code < value; });
  return it != end && it->code == code ? it : nullptr;
}

void append_mapped(const Mapping* entry, std::u32string& out) {
  for (char32_t value : entry->to)
    if (value != 0) out.push_back(value);
}

// Hangul syllables decompose algorithmically into two or three conjoining jamo (Unicode 3.12).
constexpr char32_t kHangulFirst = 0xAC00, kHangulLast = 0xD7A3;
void append_hangul_jamo(char32_t code, std::u32string& out) {
  const char32_t index = code - kHangulFirst, trailing = index % 28;
  out.push_back(0x1100 + index / (21 * 28));
  out.push_back(0x1161 + (index % (21 * 28)) / 28);
  if (trailing != 0) out.push_back(0x11A7 + trailing);
}

}  // namespace

bool is_whitespace(char32_t code) {
  if (code == ' ' || code == '\t' || code == '\n' || code == '\r') return true;
  if (code == 0x2028 || code == 0x2029) return true;  // Zl, Zp: the reference splitters break on them too
  return in_ranges(kSpaceSeparator, kSpaceSeparatorCount, code);
}

bool is_control(char32_t code) {
  if (code == '\t' || code == '\n' || code == '\r') return false;  // counted as whitespace instead
  return in_ranges(kOther, kOtherCount, code);
}

bool is_punctuation(char32_t code) {
  // BERT treats every ASCII non-alphanumeric printable as punctuation, including "$+<=>^`|~",
  // which Unicode files under symbols.
  if ((code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) ||
      (code >= 123 && code <= 126))
    return true;
  return in_ranges(kPunctuation, kPunctuationCount, code);
}

bool is_cjk(char32_t code) {
  return (code >= 0x4E00 && code <= 0x9FFF) || (code >= 0x3400 && code <= 0x4DBF) ||
         (code >= 0x20000 && code <= 0x2A6DF) || (code >= 0x2A700 && code <= 0x2B73F) ||
         (code >= 0x2B740 && code <= 0x2B81F) || (code >= 0x2B820 && code <= 0x2CEAF) ||
         (code >= 0xF900 && code <= 0xFAFF) || (code >= 0x2F800 && code <= 0x2FA1F);
}

void append_lowercase(char32_t code, std::u32string& out) {
  if (code < 0x80) {
    out.push_back(code >= 'A' && code <= 'Z' ? code + 32 : code);
    return;
  }
  if (const Mapping* entry = find_mapping(kLowercase, kLowercaseCount, code))
    append_mapped(entry, out);
  else
    out.push_back(code);
}

void append_without_accents(char32_t code, std::u32string& out) {
  if (code < 0x80) {
    out.push_back(code);
  } else if (code >= kHangulFirst && code <= kHangulLast) {
    append_hangul_jamo(code, out);
  } else if (in_ranges(kNonspacingMark, kNonspacingMarkCount, code)) {
    // an accent on its own: dropped
  } else if (const Mapping* entry = find_mapping(kStripAccents, kStripAccentsCount, code)) {
    append_mapped(entry, out);
  } else {
    out.push_back(code);
  }
}

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int extra = lead < 0x80 ? 0 : (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xE ? 2 : (lead >> 3) == 0x1E ? 3 : -1;
    char32_t code = extra == 0 ? lead : extra == 1 ? (lead & 0x1F) : extra == 2 ? (lead & 0x0F) : (lead & 0x07);
    bool valid = extra >= 0 && i + static_cast<size_t>(extra) < text.size();
    for (int k = 1; valid && k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    if (!valid || code > 0x10FFFF) {
      out.push_back(0xFFFD);
      ++i;  // resynchronise on the next byte
      continue;
    }
    out.push_back(code);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

void append_utf8(char32_t code, std::string& out) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

}  // namespace multipos::text::unicode
