#include "core/eval/bm25.hpp"

#include <xapian.h>

#include <stdexcept>

namespace multipos::eval {

struct Bm25Index::Impl {
  Xapian::WritableDatabase database{std::string(), Xapian::DB_BACKEND_INMEMORY};
  std::vector<std::string> ids;  // document id (1-based in Xapian) -> passage id
};

Bm25Index::Bm25Index(const std::vector<std::string>& passage_ids, const std::vector<std::string>& passage_texts)
    : impl_(std::make_unique<Impl>()) {
  if (passage_ids.size() != passage_texts.size())
    throw std::invalid_argument("bm25: " + std::to_string(passage_ids.size()) + " passage ids but " +
                                std::to_string(passage_texts.size()) + " texts");
  Xapian::TermGenerator terms;
  impl_->ids = passage_ids;
  for (const auto& text : passage_texts) {
    Xapian::Document document;
    terms.set_document(document);
    terms.index_text(text);
    impl_->database.add_document(document);
  }
  impl_->database.commit();
}

Bm25Index::~Bm25Index() = default;

size_t Bm25Index::size() const { return impl_->ids.size(); }

Run Bm25Index::search(const std::vector<std::string>& query_ids, const std::vector<std::string>& query_texts, size_t k,
                      bool ignore_identical_ids) const {
  if (query_ids.size() != query_texts.size()) throw std::invalid_argument("bm25: query ids and texts differ in count");
  Xapian::Enquire enquire(impl_->database);
  enquire.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
  Xapian::QueryParser parser;
  parser.set_database(impl_->database);
  parser.set_default_op(Xapian::Query::OP_OR);
  Run run;
  for (size_t q = 0; q < query_ids.size(); ++q) {
    auto& entries = run[query_ids[q]];
    // Plain terms only: query text is not a query language (no boolean operators or phrases).
    Xapian::Query query = parser.parse_query(query_texts[q], 0);
    if (query.empty()) continue;
    enquire.set_query(query);
    Xapian::MSet matches = enquire.get_mset(0, static_cast<Xapian::doccount>(k + (ignore_identical_ids ? 1 : 0)));
    for (auto it = matches.begin(); it != matches.end() && entries.size() < k; ++it) {
      const std::string& id = impl_->ids[*it - 1];
      if (ignore_identical_ids && id == query_ids[q]) continue;
      entries.push_back({id, it.get_weight()});
    }
  }
  return run;
}

}  // namespace multipos::eval
