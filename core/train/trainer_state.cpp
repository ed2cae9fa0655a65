#include "core/train/trainer_state.hpp"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "core/model/checkpoint.hpp"
#include "core/model/safetensors.hpp"

namespace multipos::train {

namespace {

constexpr const char* kStateFile = "trainer_state.json";
constexpr const char* kOptimizerFile = "optimizer.safetensors";

// --- QuerySampler helpers and generator state as text

std::string to_hex(const at::Tensor& bytes) {
  static const char digits[] = "0123456789abcdef";
  const auto* data = bytes.data_ptr<uint8_t>();
  std::string text;
  text.reserve(static_cast<size_t>(bytes.numel()) * 2);
  for (int64_t i = 0; i < bytes.numel(); ++i) {
    text.push_back(digits[data[i] >> 4]);
    text.push_back(digits[data[i] & 15]);
  }
  return text;
}

at::Tensor from_hex(const std::string& text, const std::string& where) {
  if (text.size() % 2) throw model::SafetensorsError(where + ": generator state has an odd number of hex digits");
  at::Tensor bytes = at::empty({static_cast<int64_t>(text.size() / 2)}, at::kByte);
  auto* data = bytes.data_ptr<uint8_t>();
  for (size_t i = 0; i < text.size(); i += 2) data[i / 2] = static_cast<uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16));
  return bytes;
}

// LibTorch's default generators: the CPU one always, the CUDA one of the training device when
// there is one (dropout on the GPU draws from it).
nlohmann::json generator_states(const at::Device& device) {
  nlohmann::json states = nlohmann::json::object();
  auto save = [&](const std::string& key, at::Generator generator) {
    std::lock_guard<std::mutex> lock(generator.mutex());
    states[key] = to_hex(generator.get_state());
  };
  save("cpu", at::globalContext().defaultGenerator(at::kCPU));
  if (device.is_cuda()) save("cuda", at::globalContext().defaultGenerator(device));
  return states;
}

void restore_generators(const nlohmann::json& states, const at::Device& device, const std::string& where) {
  auto restore = [&](const std::string& key, at::Generator generator) {
    if (!states.contains(key)) return;
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(from_hex(states.at(key).get<std::string>(), where));
  };
  restore("cpu", at::globalContext().defaultGenerator(at::kCPU));
  if (device.is_cuda()) restore("cuda", at::globalContext().defaultGenerator(device));
}

// --- AdamW moments by parameter name (the optimizer keys them by TensorImpl address, which
// differs between processes)

// LibTorch 1.x keys the state by that address printed as text (c10::guts::to_string), 2.x by the
// address itself: build whichever key this LibTorch's optimizer uses.
using OptimizerStateKey = std::decay_t<decltype(std::declval<torch::optim::AdamW&>().state())>::key_type;

template <typename Key = OptimizerStateKey>
Key optimizer_key(const at::Tensor& parameter) {
  void* address = parameter.unsafeGetTensorImpl();
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << address;
    return text.str();
  } else {
    return address;
  }
}

nlohmann::json save_optimizer(const std::string& path, model::Encoder& encoder, torch::optim::AdamW& optimizer) {
  std::map<std::string, at::Tensor> tensors;
  nlohmann::json steps = nlohmann::json::object();
  for (const auto& item : encoder.named_parameters()) {
    auto found = optimizer.state().find(optimizer_key(item.value()));
    if (found == optimizer.state().end()) continue;  // not stepped yet
    const auto& state = static_cast<const torch::optim::AdamWParamState&>(*found->second);
    tensors[item.key() + "/exp_avg"] = state.exp_avg();
    tensors[item.key() + "/exp_avg_sq"] = state.exp_avg_sq();
    if (state.max_exp_avg_sq().defined()) tensors[item.key() + "/max_exp_avg_sq"] = state.max_exp_avg_sq();
    steps[item.key()] = state.step();
  }
  model::write_safetensors(path, tensors);
  return steps;
}

at::Tensor moment(std::map<std::string, at::Tensor>& tensors, const std::string& name, const at::Tensor& parameter,
                  const std::string& path) {
  auto found = tensors.find(name);
  if (found == tensors.end()) throw model::SafetensorsError(path + ": missing tensor '" + name + "'");
  if (found->second.sizes() != parameter.sizes())
    throw model::SafetensorsError(path + ": tensor '" + name + "' does not match the parameter's shape");
  return found->second.to(parameter.device(), parameter.scalar_type()).contiguous();
}

void load_optimizer(const std::string& path, const nlohmann::json& steps, model::Encoder& encoder,
                    torch::optim::AdamW& optimizer) {
  auto tensors = model::read_safetensors(path);
  optimizer.state().clear();
  for (const auto& item : encoder.named_parameters()) {
    if (!steps.contains(item.key())) continue;
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->step(steps.at(item.key()).get<int64_t>());
    state->exp_avg(moment(tensors, item.key() + "/exp_avg", item.value(), path));
    state->exp_avg_sq(moment(tensors, item.key() + "/exp_avg_sq", item.value(), path));
    if (tensors.count(item.key() + "/max_exp_avg_sq"))
      state->max_exp_avg_sq(moment(tensors, item.key() + "/max_exp_avg_sq", item.value(), path));
    optimizer.state()[optimizer_key(item.value())] = std::move(state);
  }
}

}  // namespace

QuerySampler::QuerySampler(std::vector<int32_t> queries, uint64_t seed) : queries_(std::move(queries)), rng_(seed) {
  if (queries_.empty()) throw std::invalid_argument("the training split has no queries");
  reshuffle();
}

std::vector<int32_t> QuerySampler::next(int64_t count) {
  std::vector<int32_t> batch;
  while (static_cast<int64_t>(batch.size()) < count) {
    if (cursor_ == order_.size()) {
      ++epoch_;
      reshuffle();
    }
    batch.push_back(order_[cursor_++]);
    if (batch.size() == queries_.size()) break;
  }
  return batch;
}

double QuerySampler::epoch_progress() const {
  return static_cast<double>(epoch_) + static_cast<double>(cursor_) / static_cast<double>(order_.size());
}

void QuerySampler::reshuffle() {
  shuffle_state_ = rng_.state();
  order_ = queries_;
  rng_.shuffle(order_);
  cursor_ = 0;
}

nlohmann::json QuerySampler::state() const {
  return {{"epoch", epoch_}, {"cursor", cursor_}, {"shuffle_rng", shuffle_state_}, {"queries", queries_.size()}};
}

void QuerySampler::restore(const nlohmann::json& state) {
  if (state.at("queries").get<size_t>() != queries_.size())
    throw std::invalid_argument("the checkpoint's sampler walked " + state.at("queries").dump() +
                                " training queries, the dataset now has " + std::to_string(queries_.size()));
  rng_.set_state(state.at("shuffle_rng").get<uint64_t>());
  reshuffle();
  cursor_ = state.at("cursor").get<size_t>();
  epoch_ = state.at("epoch").get<int64_t>();
}

void save_resumable_state(const std::string& dir, const ResumableState& state, int64_t step,
                          const nlohmann::json& config, const nlohmann::json& run_identity) {
  std::ostringstream batch_rng;
  batch_rng << state.batch_rng;
  nlohmann::json trainer = {
      {"step", step},
      {"sampler", state.sampler.state()},
      {"batch_rng", batch_rng.str()},
      {"generators", generator_states(state.encoder.device())},
      {"optimizer_steps", save_optimizer(dir + "/" + kOptimizerFile, state.encoder, state.optimizer)},
      {"faults",
       {{"consecutive_skips", state.faults.consecutive_skips},
        {"total_skips", state.faults.total_skips},
        {"loss_scale", state.faults.loss_scale},
        {"steps_since_scale_change", state.faults.steps_since_scale_change}}},
  };
  if (state.positive_usage) trainer["positives_used"] = state.positive_usage->state();
  {
    std::ofstream file(dir + "/" + kStateFile);
    file << trainer.dump();
    file.flush();
    if (!file) throw model::SafetensorsError(dir + "/" + kStateFile + ": write failed (disk full?)");
  }
  model::save_checkpoint(state.encoder, dir, step, config, {{"run", run_identity}, {"trainer_state", kStateFile}});
}

int64_t load_resumable_state(const std::string& dir, const ResumableState& state, const nlohmann::json& encoder_config) {
  const int64_t step = model::load_checkpoint(state.encoder, dir, encoder_config);
  const std::string path = dir + "/" + kStateFile;
  std::ifstream file(path);
  nlohmann::json trainer = nlohmann::json::parse(file, nullptr, false);
  if (!file || trainer.is_discarded()) throw model::SafetensorsError(path + ": missing or not valid JSON");
  try {
    state.sampler.restore(trainer.at("sampler"));
    std::istringstream batch_rng(trainer.at("batch_rng").get<std::string>());
    batch_rng >> state.batch_rng;
    restore_generators(trainer.at("generators"), state.encoder.device(), path);
    load_optimizer(dir + "/" + kOptimizerFile, trainer.at("optimizer_steps"), state.encoder, state.optimizer);
    const auto& faults = trainer.at("faults");
    state.faults.consecutive_skips = faults.at("consecutive_skips").get<int64_t>();
    state.faults.total_skips = faults.at("total_skips").get<int64_t>();
    state.faults.loss_scale = faults.at("loss_scale").get<double>();
    state.faults.steps_since_scale_change = faults.at("steps_since_scale_change").get<int64_t>();
    // Absent in checkpoints from before the series: the count restarts from the resume point.
    if (state.positive_usage && trainer.contains("positives_used"))
      state.positive_usage->restore(trainer.at("positives_used"));
  } catch (const nlohmann::json::exception& error) {
    throw model::SafetensorsError(path + ": malformed trainer state (" + error.what() + ")");
  } catch (const std::invalid_argument& error) {
    throw model::SafetensorsError(path + ": " + error.what());
  }
  return step;
}

}  // namespace multipos::train
