// core/dist against references no one here wrote: the gradient of a loss over vectors gathered
// from two ranks (summed over ranks by average_gradients x world size) must equal autograd's
// gradient of the same loss computed in one process; bucketed averaging must equal the mean;
// a shard's masks must be the matching block of the whole batch's masks. The two ranks are two
// threads of this process, each with its own TCPStore client and Gloo process group.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <exception>
#include <functional>
#include <thread>

#include "core/dist/batch_shard.hpp"
#include "core/dist/collectives.hpp"
#include "core/dist/config_diff.hpp"
#include "core/dist/distributed_context.hpp"
#include "core/dist/local_launcher.hpp"
#include "core/objectives/masks.hpp"

using namespace multipos;

namespace {

// Runs `body(context)` on ranks 0..world-1 (one thread each); rethrows the first rank's error.
void on_ranks(int world, const std::function<void(dist::DistributedContext&)>& body, int timeout_seconds = 20) {
  const int port = dist::free_local_port();
  std::vector<std::exception_ptr> errors(static_cast<size_t>(world));
  std::vector<std::thread> threads;
  for (int rank = 0; rank < world; ++rank)
    threads.emplace_back([&, rank] {
      try {
        dist::DistributedOptions options;
        options.rank = rank;
        options.world_size = world;
        options.master_port = port;
        options.timeout = std::chrono::seconds(timeout_seconds);
        dist::DistributedContext context(options, at::Device(at::kCPU));
        body(context);
      } catch (...) {
        errors[static_cast<size_t>(rank)] = std::current_exception();
      }
    });
  for (auto& thread : threads) thread.join();
  for (auto& error : errors)
    if (error) std::rethrow_exception(error);
}

// A contrastive loss over all rows: each query's positive is the first passage of its group.
at::Tensor group_softmax_loss(const at::Tensor& queries, const at::Tensor& passages, int64_t group) {
  at::Tensor scores = at::matmul(queries, passages.t());
  at::Tensor targets = at::arange(queries.size(0), at::kLong) * group;
  return at::nll_loss(at::log_softmax(scores, 1), targets);
}

objectives::Batch sample_batch(int64_t queries, int group) {
  std::vector<objectives::QueryCandidates> candidates;
  for (int64_t q = 0; q < queries; ++q) {
    objectives::QueryCandidates candidate;
    candidate.query_id = "q" + std::to_string(q);
    for (int p = 0; p < 1 + q % 3; ++p) candidate.positives.push_back({q * 10 + p, 1.0f + p, p % 2, false});
    for (int n = 0; n < 5; ++n) candidate.hard_negatives.push_back(1000 + q * 10 + n);
    candidates.push_back(candidate);
  }
  objectives::ObjectiveConfig config = objectives::objective_config_from_json({{"name", "jointlh"}}, "test");
  objectives::BatchOptions options;
  options.group_size = group;
  options.max_positives = 2;
  objectives::BatchBuilder builder(config, options,
                                   [](std::mt19937_64& rng) { return static_cast<int64_t>(rng() % 5000); });
  std::mt19937_64 rng(7);
  return builder.build(candidates, 0, rng);
}

}  // namespace

TEST(Dist, GatheredLossGradientEqualsSingleProcessAutograd) {
  constexpr int kWorld = 2, kGroup = 3;
  at::manual_seed(11);
  const at::Tensor weight0 = at::randn({6, 4}, at::kDouble);
  const at::Tensor query_inputs = at::randn({4, 6}, at::kDouble),
                   passage_inputs = at::randn({4 * kGroup, 6}, at::kDouble);
  // Reference: one process, the whole batch.
  at::Tensor weight = weight0.clone().requires_grad_(true);
  at::Tensor reference_loss =
      group_softmax_loss(at::matmul(query_inputs, weight), at::matmul(passage_inputs, weight), kGroup);
  reference_loss.backward();
  const at::Tensor reference_gradient = weight.grad().clone();

  std::vector<at::Tensor> gradients(kWorld);
  std::vector<double> losses(kWorld);
  on_ranks(kWorld, [&](dist::DistributedContext& context) {
    const int64_t rows = 4 / kWorld, first = context.rank() * rows;
    at::Tensor local_weight = weight0.clone().requires_grad_(true);
    at::Tensor queries = at::matmul(query_inputs.narrow(0, first, rows), local_weight);
    at::Tensor passages = at::matmul(passage_inputs.narrow(0, first * kGroup, rows * kGroup), local_weight);
    at::Tensor loss =
        group_softmax_loss(dist::gather_rows(context, queries), dist::gather_rows(context, passages), kGroup);
    (loss * context.world_size()).backward();
    dist::average_gradients(context, {local_weight});
    gradients[context.rank()] = local_weight.grad().clone();
    losses[context.rank()] = loss.item<double>();
  });
  for (int rank = 0; rank < kWorld; ++rank) {
    EXPECT_NEAR(losses[rank], reference_loss.item<double>(), 1e-12);
    EXPECT_TRUE(at::allclose(gradients[rank], reference_gradient, 1e-10, 1e-12)) << "rank " << rank << "\n"
                                                                                 << gradients[rank] << "\nvs autograd\n"
                                                                                 << reference_gradient;
  }
  // Without the x world_size scaling the gradient would be half of it: the test can tell.
  EXPECT_FALSE(at::allclose(gradients[0] / 2, reference_gradient));
}

TEST(Dist, BucketedAveragingEqualsTheMeanAndKeepsShapes) {
  std::vector<std::vector<at::Tensor>> results(2);
  std::vector<int64_t> bucket_counts(2);
  on_ranks(2, [&](dist::DistributedContext& context) {
    const double r = context.rank();
    std::vector<at::Tensor> parameters = {at::zeros({3, 5}), at::zeros({7}), at::zeros({2, 2, 2}), at::zeros({4})};
    for (size_t i = 0; i < parameters.size(); ++i) {
      parameters[i].requires_grad_(true);
      if (i == 3) continue;  // no gradient on any rank: averaged as zeros
      parameters[i].mutable_grad() =
          at::arange(parameters[i].numel(), at::kFloat).view(parameters[i].sizes()) * (r + 1) + r * 100;
    }
    bucket_counts[context.rank()] = dist::average_gradients(context, parameters, /*bucket_bytes=*/32);
    for (auto& parameter : parameters) results[context.rank()].push_back(parameter.grad().clone());
  });
  EXPECT_EQ(bucket_counts[0], 3) << "32-byte buckets: {15 floats}, {7 + 8 floats}, {4 floats}";
  const std::vector<std::vector<int64_t>> shapes = {{3, 5}, {7}, {2, 2, 2}, {4}};
  for (size_t i = 0; i < shapes.size(); ++i) {
    at::Tensor base = at::arange(results[0][i].numel(), at::kFloat).view(shapes[i]);
    at::Tensor expected = i == 3 ? at::zeros({4}) : (base * 1 + base * 2 + 100) / 2;
    EXPECT_EQ(results[0][i].sizes(), at::IntArrayRef(shapes[i]));
    EXPECT_TRUE(at::allclose(results[0][i], expected)) << i << ": " << results[0][i];
    EXPECT_TRUE(at::equal(results[0][i], results[1][i]));
  }
}

TEST(Dist, ShardMasksAreTheMatchingBlockOfTheWholeBatch) {
  constexpr int kGroup = 4;
  objectives::Batch global = sample_batch(6, kGroup);
  objectives::ScoreMasks whole = objectives::make_score_masks(global.layout, at::kFloat);
  for (int64_t first : {0, 2, 4}) {
    objectives::Batch shard = dist::shard_of_batch(global, first, 2, kGroup);
    objectives::ScoreMasks part = objectives::make_score_masks(shard.layout, at::kFloat);
    auto block = [&](const at::Tensor& t) { return t.narrow(0, first, 2).narrow(1, first * kGroup, 2 * kGroup); };
    EXPECT_TRUE(at::equal(part.positive, block(whole.positive))) << "rows from " << first;
    EXPECT_TRUE(at::equal(part.own_negative, block(whole.own_negative)));
    EXPECT_TRUE(at::equal(part.grades, block(whole.grades)));
    EXPECT_TRUE(at::equal(part.positive_count, whole.positive_count.narrow(0, first, 2)));
    EXPECT_EQ(std::vector<int64_t>(global.passage_ids.begin() + first * kGroup,
                                   global.passage_ids.begin() + (first + 2) * kGroup),
              shard.passage_ids);
  }
  EXPECT_THROW(dist::shard_of_batch(global, 5, 2, kGroup), std::invalid_argument);
}

TEST(Dist, RanksWithDifferentConfigsFailNamingTheFields) {
  const nlohmann::json base = {{"seed", 1}, {"optimizer", {{"lr", 0.1}, {"clip_norm", 1.0}}}};
  EXPECT_EQ(dist::differing_fields(base, base), std::vector<std::string>{});
  std::vector<std::string> messages(2);
  try {
    on_ranks(2, [&](dist::DistributedContext& context) {
      nlohmann::json mine = base;
      if (context.rank() == 1) mine["optimizer"]["lr"] = 0.2, mine["extra"] = true;
      try {
        context.check_same("run 1 config", mine);
      } catch (const dist::DistributedError& error) {
        messages[context.rank()] = error.what();
      }
    });
  } catch (const std::exception& error) {
    FAIL() << error.what();
  }
  for (const auto& message : messages) {
    EXPECT_NE(message.find("rank(s) 1 differs from rank 0's at: optimizer.lr, extra"), std::string::npos) << message;
  }
}
