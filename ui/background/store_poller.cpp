#include "ui/background/store_poller.hpp"

#include <filesystem>
#include <utility>

namespace multipos::ui {

namespace {
// Rows per scalars_after call: big enough for a fast first load, small enough that the UI gets the
// first curves of a large database before the whole history is read.
constexpr int64_t kRowsPerRead = 100000;
}  // namespace

StorePoller::StorePoller(std::string db_path, std::chrono::milliseconds interval)
    : db_path_(std::move(db_path)), interval_(interval), thread_([this] { run(); }) {}

StorePoller::~StorePoller() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

StoreUpdate StorePoller::take_update() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(inbox_, StoreUpdate{});
}

void StorePoller::request_poll() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    poll_requested_ = true;
  }
  wake_.notify_all();
}

void StorePoller::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    poll_requested_ = false;
    lock.unlock();
    poll_once();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stop_ || poll_requested_; });
  }
  lock.unlock();
  store_.reset();  // close SQLite on the thread that used it
}

void StorePoller::poll_once() {
  try {
    if (!store_) {
      if (!std::filesystem::exists(db_path_)) {
        set_health(StoreHealth::State::missing,
                   "no run store at " + db_path_ +
                       " yet; it appears when a run is started (multipos train --db " + db_path_ +
                       ")");
        return;
      }
      store_ = std::make_unique<store::RunStore>(db_path_, store::RunStore::Mode::read_only);
    }
    read_new_data(*store_);
    set_health(StoreHealth::State::connected, "");
  } catch (const std::exception& error) {
    // Locked, corrupt or newer-schema databases end up here: report and retry at the next tick.
    store_.reset();
    set_health(StoreHealth::State::failed, error.what());
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
    if (!more || stop_) break;
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
