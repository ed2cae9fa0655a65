#include "core/train/scalar_writer.hpp"

namespace multipos::train {

ScalarWriter::~ScalarWriter() {
  try {
    flush();
  } catch (...) {
    // The run is already ending with an error of its own; a second one would hide it.
  }
}

void ScalarWriter::add(const std::string& name, int64_t step, double value) {
  if (enabled_) pending_.push_back({name, step, store::now_seconds(), value});
}

void ScalarWriter::end_step(int64_t /*step*/) {
  ++steps_since_flush_;
  auto elapsed = std::chrono::steady_clock::now() - last_flush_;
  if (steps_since_flush_ >= flush_every_ || elapsed > std::chrono::seconds(1)) flush();
}

void ScalarWriter::flush() {
  if (!enabled_) return;
  if (!pending_.empty()) store_.append_scalars(run_id_, pending_);
  store_.heartbeat(run_id_);
  pending_.clear();
  steps_since_flush_ = 0;
  last_flush_ = std::chrono::steady_clock::now();
}

}  // namespace multipos::train
