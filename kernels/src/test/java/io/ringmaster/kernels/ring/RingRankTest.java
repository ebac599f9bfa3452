package io.ringmaster.kernels.ring;

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

  private static RingRank rank(int rank) {
    SeededTensors random = new SeededTensors(rank);
    return RingRank.start(backend, SETUP, rank, random.normal(16, 4, 8), random.normal(16, 2, 8), random.normal(16, 2, 8));
  }

  private static HostTensor dOut() {
    return new SeededTensors(9).normal(16, 4, 8);
  }
}
