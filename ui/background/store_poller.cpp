#include "ui/background/store_poller.hpp"

#include <utility>

namespace multipos::ui {

namespace {
// Rows per scalars_after call: big enough for a fast first load, small enough that the UI gets the
// first curves of a large database before the whole history is read.
constexpr int64_t kRowsPerRead = 100000;
}  // namespace

StorePoller::StorePoller(std::string db_path, std::chrono::milliseconds interval)
    : db_path_(std::move(db_path)),
      worker_({db_path_, StoreWorker::Order::oldest_first, interval,
               [this](store::RunStore& store) {
                 read_new_data(store);
                 set_health(StoreHealth::State::connected, "");
               },
               [this](const StoreFailure& failure) { failed(failure); }}) {}

StorePoller::~StorePoller() = default;

StoreUpdate StorePoller::take_update() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(inbox_, StoreUpdate{});
}

void StorePoller::request_poll() { worker_.poke(); }

// Locked, corrupt or newer-schema databases: report and retry at the next tick.
void StorePoller::failed(const StoreFailure& failure) {
  if (failure.missing) {
    set_health(StoreHealth::State::missing, "no run store at " + db_path_ +
                                                " yet; it appears when a run is started (multipos train --db " +
                                                db_path_ + ")");
  } else {
    set_health(StoreHealth::State::failed, failure.message);
  }
}

void StorePoller::read_new_data(store::RunStore& store) {
  std::vector<store::RunRecord> runs = store.list_runs();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    inbox_.runs = std::move(runs);
    inbox_.has_runs = true;
  }
  for (;;) {
    std::vector<store::ScalarPoint> points = store.scalars_after(last_row_id_, 0, kRowsPerRead);
    if (points.empty()) break;
    last_row_id_ = points.back().row_id;
    const bool more = static_cast<int64_t>(points.size()) >= kRowsPerRead;
    std::lock_guard<std::mutex> lock(mutex_);
    auto& inbox = inbox_.points;
    if (inbox.empty()) inbox = std::move(points);
    else inbox.insert(inbox.end(), points.begin(), points.end());
    if (!more || worker_.stopping()) break;
  }
  std::vector<store::EventRow> events = store.events_after(last_event_id_);
  if (!events.empty()) last_event_id_ = events.back().row_id;
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_.events.insert(inbox_.events.end(), events.begin(), events.end());
  inbox_.polled_at = store::now_seconds();
}

void StorePoller::set_health(StoreHealth::State state, std::string message) {
  if (reported_health_ && health_.state == state && health_.message == message) return;
  health_ = {state, std::move(message)};
  reported_health_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_.health = health_;
  inbox_.health_changed = true;
}

}  // namespace multipos::ui
