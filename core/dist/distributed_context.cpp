// Environment parsing, the store and process group, collectives with failure reports.
// The start-up checks (world size, same config) live in rendezvous.cpp.
#include "core/dist/distributed_context.hpp"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef MULTIPOS_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <type_traits>
#include <thread>

#include "core/dist/error_text.hpp"

namespace multipos::dist {

// LibTorch 1.x process groups derive from c10d::ProcessGroup, 2.x ones from c10d::Backend; both
// have the collectives we call, so hold the group by whichever base this LibTorch uses.
using GroupBase = std::conditional_t<std::is_base_of_v<c10d::ProcessGroup, c10d::ProcessGroupGloo>, c10d::ProcessGroup,
                                     c10d::Backend>;
struct CollectiveGroup {
  c10::intrusive_ptr<GroupBase> group;
};

namespace {

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// The first of `names` that is set, as an integer; `fallback` when none is.
std::optional<int> environment_integer(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto value = environment(name);
    if (!value) continue;
    try {
      size_t used = 0;
      int number = std::stoi(*value, &used);
      if (used == value->size()) return number;
    } catch (const std::exception&) {
    }
    throw DistributedError(std::string("environment variable ") + name + "='" + *value + "' is not an integer");
  }
  return std::nullopt;
}

bool is_loopback(const std::string& address) {
  return address == "127.0.0.1" || address == "localhost" || address == "::1";
}

}  // namespace

std::string error_text(const std::exception& error) {
  if (auto* c10_error = dynamic_cast<const c10::Error*>(&error)) return c10_error->what_without_backtrace();
  return error.what();
}

bool environment_requests_distributed() {
  auto world = environment_integer({"WORLD_SIZE"});
  return world && *world > 1;
}

DistributedOptions options_from_environment(std::chrono::milliseconds timeout) {
  DistributedOptions options;
  options.timeout = timeout;
  auto world = environment_integer({"WORLD_SIZE", "SLURM_NTASKS"});
  auto rank = environment_integer({"RANK", "SLURM_PROCID"});
  if (world && *world > 1 && !rank)
    throw DistributedError("WORLD_SIZE=" + std::to_string(*world) + " but RANK is not set");
  options.world_size = world.value_or(1);
  options.rank = rank.value_or(0);
  options.local_rank = environment_integer({"LOCAL_RANK", "SLURM_LOCALID"}).value_or(options.rank);
  options.master_addr = environment("MASTER_ADDR").value_or(options.master_addr);
  options.master_port = environment_integer({"MASTER_PORT"}).value_or(options.master_port);
  if (options.master_port <= 0 || options.master_port > 65535)
    throw DistributedError("MASTER_PORT=" + std::to_string(options.master_port) + " is not a TCP port (1..65535)");
  return options;
}

DistributedContext::DistributedContext(const DistributedOptions& options, const c10::Device& device)
    : options_(options) {
  if (options_.world_size < 1)
    throw DistributedError("WORLD_SIZE=" + std::to_string(options_.world_size) + " must be at least 1");
  if (options_.rank < 0 || options_.rank >= options_.world_size) {
    const std::string problem = "RANK=" + std::to_string(options_.rank) +
                                " is outside WORLD_SIZE=" + std::to_string(options_.world_size) + " (ranks are 0.." +
                                std::to_string(options_.world_size - 1) + ")";
    announce_misfit(problem);
    throw DistributedError(problem);
  }
  connect_store();
  check_world();
  create_process_group(device);
}

DistributedContext::~DistributedContext() = default;

void DistributedContext::announce_misfit(const std::string& problem) noexcept {
  // The other ranks would otherwise wait for this one until their timeout; tell them why.
  if (options_.rank <= 0) return;
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<std::uint16_t>(options_.master_port);
    store_options.timeout = std::min<std::chrono::milliseconds>(options_.timeout, std::chrono::seconds(5));
    c10d::TCPStore store(options_.master_addr, store_options);
    const std::string text = "a rank was started with " + problem;
    store.set("misfit", std::vector<uint8_t>(text.begin(), text.end()));
  } catch (const std::exception&) {
    // No master to tell: the others time out with their own message.
  }
}

void DistributedContext::connect_store() {
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<std::uint16_t>(options_.master_port);
  store_options.isServer = is_main();
  store_options.numWorkers = static_cast<size_t>(options_.world_size);
  store_options.waitWorkers = false;  // check_world waits itself, naming the missing ranks
  store_options.timeout = options_.timeout;
  const std::string where = options_.master_addr + ":" + std::to_string(options_.master_port);
  try {
    store_ = c10::make_intrusive<c10d::TCPStore>(options_.master_addr, store_options);
  } catch (const std::exception& error) {
    if (is_main())
      throw DistributedError("rank 0 could not host the rendezvous store on " + where + ": " + error_text(error) +
                             " (is MASTER_PORT in use? pick another)");
    throw DistributedError("rank " + std::to_string(rank()) + " could not reach the master (rank 0) at " + where +
                           " within " + std::to_string(options_.timeout.count() / 1000) + " s: " + error_text(error) +
                           " (check MASTER_ADDR and MASTER_PORT, and that rank 0 is running)");
  }
}

void DistributedContext::create_process_group(const c10::Device& device) {
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("group", store_);
  const bool cuda = device.is_cuda();
  backend_ = options_.backend == "auto" ? (cuda ? "nccl" : "gloo") : options_.backend;
#ifdef MULTIPOS_WITH_NCCL
  if (backend_ == "nccl") {
    auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
    nccl_options->timeout = options_.timeout;
    group_ = std::make_shared<CollectiveGroup>(
        CollectiveGroup{c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, rank(), world_size(), nccl_options)});
    return;
  }
#else
  if (backend_ == "nccl") {
    if (options_.backend == "nccl")
      throw DistributedError(
          "backend nccl asked for, but this build's LibTorch has no NCCL (a CPU LibTorch): use gloo");
    backend_ = "gloo";  // auto on CUDA without NCCL: Gloo also reduces CUDA tensors, more slowly
  }
#endif
  if (backend_ != "gloo") throw DistributedError("unknown distributed backend '" + backend_ + "' (gloo or nccl)");
  auto gloo_options = c10d::ProcessGroupGloo::Options::create(options_.timeout);
  if (auto interface = std::getenv("GLOO_SOCKET_IFNAME"); interface != nullptr && *interface != '\0')
    gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
  else if (is_loopback(options_.master_addr))
    gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else
    gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  try {
    group_ = std::make_shared<CollectiveGroup>(
        CollectiveGroup{c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, rank(), world_size(), gloo_options)});
  } catch (const std::exception& error) {
    fail_collective("connecting the Gloo process group", error_text(error));
  }
}

void DistributedContext::run_collective(const std::string& operation,
                                        const std::function<c10::intrusive_ptr<c10d::Work>()>& start) {
  if (!group_)
    throw DistributedError(operation + " on rank " + std::to_string(rank()) + ": the process group is closed");
  try {
    auto work = start();
    work->wait(options_.timeout);
  } catch (const std::exception& error) {
    fail_collective(operation, error_text(error));
  }
}

void DistributedContext::all_reduce_sum_(at::Tensor& tensor) {
  std::vector<at::Tensor> tensors{tensor};
  run_collective("all-reduce", [&] { return group_->group->allreduce(tensors); });
}

void DistributedContext::all_reduce_max_(at::Tensor& tensor) {
  std::vector<at::Tensor> tensors{tensor};
  c10d::AllreduceOptions reduce_options;
  reduce_options.reduceOp = c10d::ReduceOp::MAX;
  run_collective("all-reduce (max)", [&] { return group_->group->allreduce(tensors, reduce_options); });
}

std::vector<at::Tensor> DistributedContext::all_gather(const at::Tensor& local) {
  std::vector<at::Tensor> inputs{local.contiguous()};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < world_size(); ++r) outputs[0].push_back(at::empty_like(inputs[0]));
  run_collective("all-gather", [&] { return group_->group->allgather(outputs, inputs); });
  return outputs[0];
}

double DistributedContext::mean_over_ranks(double value) {
  at::Tensor tensor = at::full({1}, value, at::kDouble);
  all_reduce_sum_(tensor);
  return tensor.item<double>() / world_size();
}

void DistributedContext::report_failure(const std::string& message) noexcept {
  if (failure_reported_) return;
  failure_reported_ = true;
  try {
    store_->set(failure_key(rank()), std::vector<uint8_t>(message.begin(), message.end()));
  } catch (const std::exception&) {
    // The store's host (rank 0) is gone: the others see this rank stop responding instead.
  }
  group_.reset();  // closes the connections: peers blocked in a collective fail now, not at the timeout
  if (!is_main()) return;
  // Rank 0 hosts the store: keep it up until every rank has read the reports (or a few seconds).
  const auto deadline =
      std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(options_.timeout, std::chrono::seconds(5));
  for (int r = 1; r < world_size(); ++r) {
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        if (store_->check({failure_key(r)})) break;
      } catch (const std::exception&) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // their last read of rank 0's report
}

}  // namespace multipos::dist
