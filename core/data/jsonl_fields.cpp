#include "core/data/jsonl_fields.hpp"

namespace multipos::data::jsonl {

nlohmann::json parse_object(const std::string& line, const Where& where) {
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& error) {
    where.fail("json", std::string("malformed JSON: ") + error.what());
  }
  if (!record.is_object()) where.fail("json", "expected a JSON object, got " + show(record));
  return record;
}

std::string id_field(const nlohmann::json& record, const char* key, const std::string& path, const Where& where) {
  auto found = record.find(key);
  if (found == record.end()) where.fail(path, "missing");
  if (found->is_number_integer()) return found->dump();
  if (!found->is_string()) where.fail(path, "expected a string id, got " + show(*found));
  std::string id = found->get<std::string>();
  if (id.empty()) where.fail(path, "empty id");
  return id;
}

std::string text_field(const nlohmann::json& record, const char* key, const std::string& path, bool required,
                       const Where& where) {
  auto found = record.find(key);
  if (found == record.end() || found->is_null()) {
    if (required) where.fail(path, "missing");
    return "";
  }
  if (!found->is_string()) where.fail(path, "expected a string, got " + show(*found));
  return found->get<std::string>();
}

std::string title_and_text(const std::string& title, const std::string& text) {
  if (title.empty()) return text;
  if (text.empty()) return title;
  return title + " " + text;
}

std::string show(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

}  // namespace multipos::data::jsonl
