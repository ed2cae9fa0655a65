// One process's membership in a data-parallel group on c10d: a TCPStore rendezvous (rank 0
// hosts it), a ProcessGroupGloo on CPU (ProcessGroupNCCL on CUDA when compiled in), start-up
// checks that fail on every rank within a timeout, and failure reports that name the rank at fault.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace multipos::dist {

struct CollectiveGroup;

// The store key under which rank `rank` leaves its failure message.
std::string failure_key(int rank);

// Every distributed failure: bad environment, unreachable master, ranks that disagree, a rank that
// failed or stopped responding. The message says which rank and what to check.
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DistributedOptions {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // Bounds the rendezvous, every start-up check and every collective: a rank that stops
  // responding fails the others after at most this long (a dead process usually much sooner).
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};
  std::string backend = "auto";  // auto (nccl on CUDA when built, else gloo) | gloo | nccl
};

// True when WORLD_SIZE is set and above 1, as torchrun, SLURM scripts or `train --nproc` set it.
bool environment_requests_distributed();

// Reads RANK, WORLD_SIZE, LOCAL_RANK (default: RANK), MASTER_ADDR (default 127.0.0.1) and
// MASTER_PORT (default 29500); SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID stand in for the first
// three when those are unset. Throws DistributedError naming the variable that is malformed.
DistributedOptions options_from_environment(std::chrono::milliseconds timeout);

class DistributedContext {
 public:
  // Connects to (rank 0: hosts) the store, checks that every rank agrees on the world size and
  // creates the process group. Throws DistributedError within options.timeout when the master is
  // unreachable, a rank is outside the world or the ranks disagree.
  DistributedContext(const DistributedOptions& options, const c10::Device& device);
  ~DistributedContext();
  DistributedContext(const DistributedContext&) = delete;
  DistributedContext& operator=(const DistributedContext&) = delete;

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  bool is_main() const { return options_.rank == 0; }
  const DistributedOptions& options() const { return options_; }
  const std::string& backend() const { return backend_; }

  // Exchanges `value` (a resolved run config, ...) under `key` and throws DistributedError on
  // every rank when any rank's differs, naming the ranks and the differing fields.
  void check_same(const std::string& key, const nlohmann::json& value);

  // Rank 0 publishes `value` under `key`; every rank returns it (e.g. the ids of runs rank 0
  // created). Bounded by the timeout.
  std::string share_from_main(const std::string& key, const std::string& value);

  // Collectives; each waits at most options().timeout and turns a failure into a
  // DistributedError that names the rank which failed or stopped responding.
  void all_reduce_sum_(at::Tensor& tensor);  // in place; `tensor` must be contiguous
  void all_reduce_max_(at::Tensor& tensor);
  std::vector<at::Tensor> all_gather(const at::Tensor& local);  // one tensor per rank, equal shapes
  double mean_over_ranks(double value);

  // Records this rank's failure for the others (they name it in their own error) and closes the
  // process group so peers blocked in a collective fail at once instead of at the timeout.
  // Rank 0 keeps the store up a few seconds so the others can read the reports. Never throws.
  void report_failure(const std::string& message) noexcept;
  // True once a failure showed rank 0 (the store's host) gone: then this rank must mark the run
  // failed itself, since rank 0 cannot.
  bool main_lost() const { return main_lost_; }

 private:
  void announce_misfit(const std::string& problem) noexcept;
  void connect_store();
  void check_world();
  // After a WORLD_SIZE mismatch: marks that this rank found it and, on rank 0 (the store goes away
  // with it), waits a bounded time until every rank that joined has found it too.
  void wait_for_the_others_to_see_the_mismatch() noexcept;
  void create_process_group(const c10::Device& device);
  // Collective failure -> "rank 1 stopped responding" / "rank 1 failed: ..." (reads the store).
  void run_collective(const std::string& operation, const std::function<c10::intrusive_ptr<c10d::Work>()>& start);
  [[noreturn]] void fail_collective(const std::string& operation, const std::string& detail);
  std::string describe_peers(std::chrono::milliseconds wait);
  void wait_for_keys(const std::vector<std::string>& keys, const std::string& what,
                     const std::function<void(const std::string&)>& on_key);

  DistributedOptions options_;
  std::string backend_;
  c10::intrusive_ptr<c10d::Store> store_;
  std::shared_ptr<CollectiveGroup> group_;  // the Gloo or NCCL group (its base class differs by LibTorch version)
  bool failure_reported_ = false;
  bool main_lost_ = false;
};

}  // namespace multipos::dist
