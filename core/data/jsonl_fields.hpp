// Internal to core/data: typed fields of one JSON Lines record (BEIR corpus / queries, Tevatron
// training lines), each failure a DataError naming file, line and the field's path.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "core/data/load_report.hpp"

namespace multipos::data::jsonl {

// Where a record came from, so helpers can name it in errors.
struct Where {
  const std::string& file;
  std::size_t line;
  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw DataError(file, line, field, problem);
  }
};

// One line as a JSON object; a parse failure or another JSON type is an error on field "json".
nlohmann::json parse_object(const std::string& line, const Where& where);

// An identifier: a non-empty string, or an integer (some exports write numeric ids) as its text.
// `path` is the field's name in errors (e.g. "positive_passages[2].docid").
std::string id_field(const nlohmann::json& record, const char* key, const std::string& path, const Where& where);

// A string field; an absent field reads as "" unless `required`.
std::string text_field(const nlohmann::json& record, const char* key, const std::string& path, bool required,
                       const Where& where);

// "title text", or whichever of the two is non-empty: how BEIR and Tevatron feed encoders.
std::string title_and_text(const std::string& title, const std::string& text);

// A JSON value shortened for messages (never throws on odd bytes).
std::string show(const nlohmann::json& value);

}  // namespace multipos::data::jsonl
