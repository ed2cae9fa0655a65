// Buffers a run's scalar points and writes them in one transaction every N steps or once a
// second, whichever comes first: few commits for speed, and a killed worker loses at most the
// points of the current buffer.
#pragma once

#include <chrono>
#include <vector>

#include "core/store/run_store.hpp"

namespace multipos::train {

class ScalarWriter {
 public:
  // A disabled writer (the ranks other than 0 of a distributed run) drops every point: only one
  // process writes a run's rows.
  ScalarWriter(store::RunStore& store, int64_t run_id, int64_t flush_every_steps, bool enabled = true)
      : store_(store), run_id_(run_id), flush_every_(flush_every_steps), enabled_(enabled) {}
  ~ScalarWriter();  // flushes what is left; never throws
  ScalarWriter(const ScalarWriter&) = delete;
  ScalarWriter& operator=(const ScalarWriter&) = delete;

  void add(const std::string& name, int64_t step, double value);
  // Writes when the step count or the time since the last write says so; also sends a heartbeat.
  void end_step(int64_t step);
  void flush();

 private:
  store::RunStore& store_;
  int64_t run_id_;
  int64_t flush_every_;
  bool enabled_;
  int64_t steps_since_flush_ = 0;
  std::vector<store::ScalarRow> pending_;
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
};

}  // namespace multipos::train
