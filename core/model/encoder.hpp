// The encoder interface every model implements (bag, transformer, bert): texts in, one pooled
// vector per text out, on the encoder's device. Owns its tokenizer so callers pass plain text.
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>


namespace multipos::util {
class ConfigReader;
}

namespace multipos::model {

enum class TextRole { query, passage };

// A named subset of an encoder's parameters, so the trainer can give each its own learning rate
// (embeddings of a pretrained model usually want a smaller one than the layers above them).
struct ParameterGroup {
  std::string name;
  std::vector<at::Tensor> parameters;
};

class Encoder : public torch::nn::Module {
 public:
  // Returns [texts.size(), dim()] float32 on device(); gradients flow when grad mode is on.
  virtual at::Tensor encode(const std::vector<std::string>& texts, TextRole role) = 0;
  virtual int64_t dim() const = 0;
  virtual std::string kind() const = 0;
  // Tokens each text takes in encode() (after truncation), so a caller encoding many texts can
  // batch those of similar length together and pad little; empty when padding costs nothing or
  // lengths are unknown (the bag encoder: no padding).
  virtual std::vector<size_t> token_lengths(const std::vector<std::string>& /*texts*/, TextRole /*role*/) const {
    return {};
  }
  virtual void move_to(const at::Device& device) = 0;
  // Disjoint groups covering every trainable parameter; by default a single group "all".
  virtual std::vector<ParameterGroup> parameter_groups() { return {{"all", parameters()}}; }
  // Gradient caching encodes every text twice and needs both passes to draw the same random
  // numbers (dropout masks); it restores LibTorch's default generators before the second. "" when
  // that is enough (all randomness comes from them, the texts alone decide everything else), else
  // why not. An encoder that does not say is assumed unable.
  virtual std::string replay_obstacle() const {
    return "the " + kind() +
           " encoder does not declare that its randomness comes only from LibTorch's default "
           "generators, so a second forward pass could draw other random numbers than the first";
  }
  const at::Device& device() const { return device_; }

 protected:
  at::Device device_{at::kCPU};
};

// Builds the encoder described by the config's "encoder" object (errors name the field).
std::shared_ptr<Encoder> make_encoder(const util::ConfigReader& encoder_config, uint64_t seed);

// The device training should use: the first CUDA device when LibTorch has CUDA and one is present.
at::Device preferred_device(const std::string& requested);  // "auto" | "cpu" | "cuda" | "cuda:N"

}  // namespace multipos::model
