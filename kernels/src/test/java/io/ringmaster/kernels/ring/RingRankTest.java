package io.ringmaster.kernels.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.RotaryEmbedding;
import io.ringmaster.kernels.SeededTensors;
import io.ringmaster.kernels.cpu.CpuAttentionBackend;
import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.layout.Sharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The step protocol's invariants: every KV block exactly once per pass, backward after forward. */
class RingRankTest {
  private static final RingSetup SETUP =
      new RingSetup(new Sharding(ShardLayout.ZIGZAG, 2, 32), Masking.CAUSAL, new RotaryEmbedding(10_000));
  private static CpuAttentionBackend backend;

  @BeforeAll
  static void open() {
    backend = CpuAttentionBackend.create();
  }

  @AfterAll
  static void close() {
    backend.close();
  }

  @Test
  void refusesABlockTwiceAndBackwardBeforeEveryBlock() {
    try (RingRank rank = rank(0)) {
      rank.forwardStep(rank.ownBlock());
      assertThatThrownBy(() -> rank.forwardStep(rank.ownBlock()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("rank 0 got the block of rank 0 twice in forward");
      assertThatThrownBy(() -> rank.startBackward(dOut()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("rank 0 has seen 1 of 2 KV blocks in forward");
    }
  }

  @Test
  void refusesSomeoneElsesGradientsAsItsOwn() {
    try (RingRank zero = rank(0); RingRank one = rank(1)) {
      zero.forwardStep(zero.ownBlock());
      zero.forwardStep(one.ownBlock());
      try (RankBackward backward = zero.startBackward(dOut())) {
        TravellingGradients own = backward.backwardStep(backward.ownGradients());
        own.close();
        one.forwardStep(one.ownBlock());
        one.forwardStep(zero.ownBlock());
        try (RankBackward oneBackward = one.startBackward(dOut())) {
          TravellingGradients foreign = backward.backwardStep(oneBackward.ownGradients());
          assertThatThrownBy(() -> backward.finish(foreign))
              .isInstanceOf(IllegalStateException.class)
              .hasMessage("rank 0 got the gradients of rank 1 as its own");
        }
      }
    }
  }

  @Test
  void contributingThenAccumulatingIsTheSameAsOneBackwardStep() {
    try (RingRank zero = rank(0); RingRank one = rank(1)) {
      zero.forwardStep(zero.ownBlock());
      zero.forwardStep(one.ownBlock());
      try (RankBackward whole = zero.startBackward(dOut()); RankBackward split = zero.startBackward(dOut());
          TravellingGradients stepped = whole.backwardStep(whole.ownGradients());
          TravellingGradients accumulated = split.accumulate(split.ownGradients(), split.contribute(zero.ownBlock()))) {
        assertThat(stepped.dk().toHost().values()).isEqualTo(accumulated.dk().toHost().values());
        assertThat(stepped.dv().toHost().values()).isEqualTo(accumulated.dv().toHost().values());
        TravellingGradients foreign = split.contribute(one.ownBlock());
        assertThatThrownBy(() -> split.accumulate(whole.ownGradients(), foreign))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("rank 0 cannot add its gradients of rank 1's block to those of rank 0");
      }
    }
  }

  /** Contiguous causal shards: rank 0 sees none of rank 1's keys, so it may record that block unseen. */
  @Test
  void aFullyMaskedBlockMaySkipItsComputeAndChangesNothing() {
    RingSetup contiguous =
        new RingSetup(new Sharding(ShardLayout.RING, 2, 32), Masking.CAUSAL, new RotaryEmbedding(10_000));
    SeededTensors random = new SeededTensors(5);
    HostTensor q = random.normal(32, 4, 8);
    HostTensor k = random.normal(32, 2, 8);
    HostTensor v = random.normal(32, 2, 8);
    HostTensor dOut = random.normal(32, 4, 8);
    RingOutcome whole = new RingAttention(backend, contiguous).run(q, k, v, dOut);
    Sharding sharding = contiguous.sharding();
    try (RingRank zero = RingRank.start(backend, contiguous, 0, sharding.shard(q, 0), sharding.shard(k, 0),
        sharding.shard(v, 0)); RingRank one = RingRank.start(backend, contiguous, 1, sharding.shard(q, 1),
        sharding.shard(k, 1), sharding.shard(v, 1))) {
      zero.forwardStep(zero.ownBlock());
      zero.skipMaskedBlock(1);
      assertThatThrownBy(() -> one.skipMaskedBlock(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("rank 1 cannot skip the block of rank 0: some of its keys are visible to its queries");
      assertThat(zero.attention().out().toHost().values()).isEqualTo(whole.ranks().get(0).out().values());
      try (RankBackward backward = zero.startBackward(sharding.shard(dOut, 0))) {
        TravellingGradients home = backward.backwardStep(backward.ownGradients());
        backward.skipMaskedBlock(1);
        RankGradients gradients = backward.finish(home);
        assertThat(gradients.dq().values()).isEqualTo(whole.ranks().get(0).gradients().dq().values());
      }
    }
  }

  private static RingRank rank(int rank) {
    SeededTensors random = new SeededTensors(rank);
    return RingRank.start(backend, SETUP, rank, random.normal(16, 4, 8), random.normal(16, 2, 8), random.normal(16, 2, 8));
  }

  private static HostTensor dOut() {
    return new SeededTensors(9).normal(16, 4, 8);
  }
}
