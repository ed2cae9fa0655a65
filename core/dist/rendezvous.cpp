// Start-up agreement between ranks through the c10d store (world size, same run config, values
// rank 0 shares) and the explanation of a failed collective: which rank failed or went silent.
// Every wait polls with a deadline so a missing or misconfigured rank is an error, never a hang.
#include <algorithm>
#include <chrono>
#include <thread>

#include "core/dist/config_diff.hpp"
#include "core/dist/distributed_context.hpp"
#include "core/dist/error_text.hpp"

namespace multipos::dist {

namespace {

using Clock = std::chrono::steady_clock;

std::string text_of(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }
std::vector<uint8_t> bytes_of(const std::string& text) { return std::vector<uint8_t>(text.begin(), text.end()); }

// Failures a rank reports only because it lost contact: they say nothing about the cause.
const std::string kLostContact = "lost contact: ";

std::string seconds_text(std::chrono::milliseconds duration) {
  return std::to_string(static_cast<long long>((duration.count() + 999) / 1000)) + " s";
}

}  // namespace

std::string failure_key(int rank) { return "failed/" + std::to_string(rank); }

void DistributedContext::wait_for_keys(const std::vector<std::string>& keys, const std::string& what,
                                       const std::function<void(const std::string&)>& on_key) {
  const auto deadline = Clock::now() + options_.timeout;
  std::vector<std::string> pending = keys;
  while (!pending.empty()) {
    try {
      if (store_->check({"misfit"})) throw DistributedError(text_of(store_->get("misfit")));
      for (int r = 0; r < world_size(); ++r)
        if (r != rank() && store_->check({failure_key(r)}))
          throw DistributedError("rank " + std::to_string(r) + " failed: " + text_of(store_->get(failure_key(r))));
      for (auto key = pending.begin(); key != pending.end();) {
        if (store_->check({*key})) {
          on_key(*key);
          key = pending.erase(key);
        } else {
          ++key;
        }
      }
    } catch (const DistributedError&) {
      throw;
    } catch (const std::exception& error) {
      main_lost_ = true;
      throw DistributedError("rank " + std::to_string(rank()) + " lost the master (rank 0) while waiting " + what +
                             ": " + error_text(error));
    }
    if (pending.empty()) break;
    if (Clock::now() > deadline) {
      std::string missing;
      for (const auto& key : pending) missing += (missing.empty() ? "" : ", ") + key.substr(key.rfind('/') + 1);
      throw DistributedError("timed out after " + seconds_text(options_.timeout) + " waiting " + what +
                             " for rank(s) " + missing + " at " + options_.master_addr + ":" +
                             std::to_string(options_.master_port) + " (this rank has RANK=" + std::to_string(rank()) +
                             ", WORLD_SIZE=" + std::to_string(world_size()) + "; check those on every rank)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void DistributedContext::check_world() {
  store_->set("world/" + std::to_string(rank()), bytes_of(std::to_string(world_size())));
  std::vector<std::string> keys;
  for (int r = 0; r < world_size(); ++r) keys.push_back("world/" + std::to_string(r));
  std::string mismatch;
  try {
    wait_for_keys(keys, "to join", [&](const std::string& key) {
      const std::string theirs = text_of(store_->get(key));
      if (theirs == std::to_string(world_size())) return;
      mismatch = "rank " + key.substr(6) + " was started with WORLD_SIZE=" + theirs + " but rank " +
                 std::to_string(rank()) + " with WORLD_SIZE=" + std::to_string(world_size()) +
                 ": every rank needs the same WORLD_SIZE";
      throw DistributedError(mismatch);
    });
  } catch (const DistributedError&) {
    if (!mismatch.empty()) wait_for_the_others_to_see_the_mismatch();
    throw;
  }
}

// Found by scripts/stress-tests (DistE2E.BadInputFailsEveryRankWithinTheTimeout): rank 0 hosts
// the store, so when it saw the mismatch first and exited at once, a rank still reading lost the
// store and said only "lost the master" instead of the mismatch it would have found. Now each
// rank that finds the mismatch marks it, and rank 0 waits (a bounded time) until every rank that
// joined has found it too, each in its own words.
void DistributedContext::wait_for_the_others_to_see_the_mismatch() noexcept {
  try {
    store_->set("world_checked/" + std::to_string(rank()), bytes_of("1"));
    if (!is_main()) return;
    const auto deadline = Clock::now() + std::min<std::chrono::milliseconds>(options_.timeout, std::chrono::seconds(10));
    while (Clock::now() < deadline) {
      bool everyone = true;
      for (int r = 1; r < world_size() && everyone; ++r)
        everyone = !store_->check({"world/" + std::to_string(r)}) || store_->check({"world_checked/" + std::to_string(r)});
      if (everyone) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (const std::exception&) {
    // The store is gone already: nobody left to tell.
  }
}

void DistributedContext::check_same(const std::string& key, const nlohmann::json& value) {
  const std::string prefix = "same/" + key + "/";
  store_->set(prefix + std::to_string(rank()), bytes_of(value.dump()));
  // Every rank compares against rank 0's value, so all of them report the same fields.
  nlohmann::json reference;
  std::vector<std::string> differing_ranks;
  std::vector<std::string> fields;
  std::vector<std::string> keys;
  for (int r = 0; r < world_size(); ++r) keys.push_back(prefix + std::to_string(r));
  std::vector<std::pair<int, nlohmann::json>> values;
  wait_for_keys(keys, "for the " + key + " of every rank", [&](const std::string& found) {
    values.emplace_back(std::stoi(found.substr(prefix.size())), nlohmann::json::parse(text_of(store_->get(found))));
  });
  // Rank 0 hosts the store: it waits until every rank has read the values, so that none loses the
  // store in the middle of reading them when rank 0 then fails the run and exits. A rank that
  // fails meanwhile ends the wait (its failure is reported by the collective that follows).
  store_->set(prefix + "read/" + std::to_string(rank()), bytes_of("1"));
  if (is_main()) {
    std::vector<std::string> reads;
    for (int r = 0; r < world_size(); ++r) reads.push_back(prefix + "read/" + std::to_string(r));
    try {
      wait_for_keys(reads, "until every rank has read the " + key, [](const std::string&) {});
    } catch (const DistributedError&) {
    }
  }
  for (const auto& [r, theirs] : values)
    if (r == 0) reference = theirs;
  for (const auto& [r, theirs] : values) {
    if (theirs == reference) continue;
    differing_ranks.push_back(std::to_string(r));
    for (const auto& field : differing_fields(reference, theirs))
      if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
  }
  if (differing_ranks.empty()) return;
  std::string ranks, list;
  for (const auto& r : differing_ranks) ranks += (ranks.empty() ? "" : ", ") + r;
  for (const auto& field : fields) list += (list.empty() ? "" : ", ") + field;
  throw DistributedError(key + " of rank(s) " + ranks + " differs from rank 0's at: " + list +
                         " (every rank must train the same run with the same config)");
}

std::string DistributedContext::share_from_main(const std::string& key, const std::string& value) {
  const std::string full = "shared/" + key;
  if (is_main()) {
    store_->set(full, bytes_of(value));
    return value;
  }
  std::string received;
  wait_for_keys({full}, "for rank 0's " + key,
                [&](const std::string& found) { received = text_of(store_->get(found)); });
  return received;
}

std::string DistributedContext::describe_peers(std::chrono::milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  std::vector<std::string> reports(static_cast<size_t>(world_size()));
  std::vector<bool> seen(static_cast<size_t>(world_size()), false);
  bool store_gone = false;
  for (bool all_seen = false; !all_seen && !store_gone && Clock::now() < deadline;) {
    all_seen = true;
    for (int r = 0; r < world_size(); ++r) {
      if (r == rank() || seen[r]) continue;
      try {
        if (store_->check({failure_key(r)})) {
          seen[r] = true;
          reports[r] = text_of(store_->get(failure_key(r)));
        } else {
          all_seen = false;
        }
      } catch (const std::exception&) {
        store_gone = true;
        break;
      }
    }
    if (!all_seen && !store_gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string causes, silent;
  for (int r = 0; r < world_size(); ++r) {
    if (r == rank()) continue;
    if (seen[r] && reports[r].rfind(kLostContact, 0) == 0) continue;  // a bystander like this rank
    if (seen[r]) {
      causes += (causes.empty() ? "" : "; ") + ("rank " + std::to_string(r) + " failed: " + reports[r]);
    } else if (r == 0 && store_gone) {
      main_lost_ = true;
      silent += std::string(silent.empty() ? "" : ", ") + "0 (the master)";
    } else if (!store_gone) {
      silent += (silent.empty() ? "" : ", ") + std::to_string(r);
    }
  }
  if (!silent.empty()) causes += (causes.empty() ? "" : "; ") + ("rank " + silent + " stopped responding");
  return causes.empty() ? "another rank stopped responding" : causes;
}

void DistributedContext::fail_collective(const std::string& operation, const std::string& detail) {
  try {
    store_->set(failure_key(rank()), bytes_of(kLostContact + operation + " failed"));
  } catch (const std::exception&) {
  }
  failure_reported_ = true;
  const std::string peers =
      describe_peers(std::min<std::chrono::milliseconds>(options_.timeout, std::chrono::seconds(3)));
  group_.reset();
  throw DistributedError(peers + " (" + operation + " on rank " + std::to_string(rank()) + ": " + detail + ")");
}

}  // namespace multipos::dist
