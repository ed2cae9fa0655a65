#include "ui/background/store_worker.hpp"

#include <filesystem>
#include <utility>

namespace multipos::ui {

StoreWorker::StoreWorker(Options options) : options_(std::move(options)), worker_(worker_options()) {}

BackgroundWorker::Options StoreWorker::worker_options() {
  BackgroundWorker::Options worker;
  worker.order = options_.order;
  worker.period = options_.period;
  if (options_.periodic) worker.periodic = [this] { execute(options_.periodic, options_.periodic_failed); };
  worker.on_exit = [this] { store_.reset(); };  // close SQLite on the thread that used it
  return worker;
}

void StoreWorker::post(Work work, Fail fail) {
  worker_.post([this, work = std::move(work), fail = std::move(fail)] { execute(work, fail); });
}

void StoreWorker::execute(const Work& work, const Fail& fail) {
  StoreFailure failure;
  try {
    if (!store_) {
      if (!std::filesystem::exists(options_.db_path)) {
        failure.missing = true;
        throw store::StoreError("no run store at " + options_.db_path);
      }
      store_ = std::make_unique<store::RunStore>(options_.db_path, store::RunStore::Mode::read_only);
    }
    work(*store_);
    return;
  } catch (const std::exception& error) {
    // Locked, corrupt, newer-schema or vanished databases end up here: reopen for the next job.
    store_.reset();
    failure.message = error.what();
  }
  if (fail) fail(failure);
}

}  // namespace multipos::ui
