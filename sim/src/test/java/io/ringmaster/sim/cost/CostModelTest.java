package io.ringmaster.sim.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringmaster.actors.protocol.BlockShape;
import io.ringmaster.actors.protocol.DenseKind;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.kernels.HeadLayout;
import org.junit.jupiter.api.Test;

class CostModelTest {
  /**
   * 100 TFLOP/s, 1 TB/s; matmuls at 50%, whole-tile attention 40%, masked 20%, memory 50%, 10 µs per
   * block; 4 host cores at 0.5 G params/s each and 60 GB/s of host memory per GPU.
   */
  private static final GpuProfile PROFILE = new GpuProfile("test", 100e12, 1e12, 0.5, 0.4, 0.2, 0.5, 10e-6, 4, 0.5e9,
      60e9);
  private static final HeadLayout HEADS = new HeadLayout(32, 8, 128);
  private final CostModel costs = new CostModel(PROFILE, HEADS, 2);

  @Test
  void denseWorkIsItsMatmulAtMatmulEfficiencyPlusItsMemoryTraffic() {
    // 1e12 FLOP at 50 TFLOP/s = 20 ms; 1e9 bytes at 0.5 TB/s = 2 ms
    assertThat(costs.seconds(new Work.Dense(DenseKind.AFTER_ATTENTION, 3, Pass.FORWARD, 1e12, 1e9)))
        .isCloseTo(0.022, within(1e-12));
  }

  @Test
  void anAttentionBlockIsFourFlopsPerPairAndQueryDimensionPlusItsMerge() {
    // 4096 x 4096 pairs x 4096 query width x 4 = 2.75e11 FLOP at 40 TFLOP/s = 6.872 ms;
    // merge: 4096 rows x (4096 x (8 + 2) + 32 heads x 12) bytes = 1.6935e8 B at 0.5 TB/s = 0.3387 ms; + 10 µs
    BlockShape block = new BlockShape(4096, 4096, 4096L * 4096, false);
    double compute = 4.0 * 4096 * 4096 * 4096 / 40e12;
    double merge = 4096.0 * (4096 * 10 + 32 * 12) / 0.5e12;
    assertThat(costs.seconds(new Work.AttentionBlock(Pass.FORWARD, 0, 1, block)))
        .isCloseTo(compute + merge + 10e-6, within(1e-12));
  }

  @Test
  void backwardIsTwoAndAHalfForwardsAndAMaskedBlockRunsAtTheMaskedEfficiency() {
    BlockShape masked = new BlockShape(1024, 1024, 1024L * 1025 / 2, true);
    assertThat(costs.attentionFlops(Pass.BACKWARD, masked)).isEqualTo(2.5 * costs.attentionFlops(Pass.FORWARD, masked));
    double compute = 4.0 * (1024L * 1025 / 2) * 4096 / 20e12;
    double merge = 1024.0 * (4096 * 10 + 32 * 12) / 0.5e12;
    assertThat(costs.seconds(new Work.AttentionBlock(Pass.FORWARD, 0, 0, masked)))
        .isCloseTo(compute + merge + 10e-6, within(1e-12));
  }

  @Test
  void theOptimizerStepRunsAtTheHostsAdamThroughputWhenOffloaded() {
    // memory: 60 GB/s over 7 x 4 bytes of fp32 state + 2 of bf16 = 2 G params/s, below the cores' 4 x 0.5
    assertThat(costs.hostAdamParametersPerSecond()).isCloseTo(2e9, within(1e-3));
    assertThat(costs.seconds(new Work.OptimizerStep(2_000_000_000L, true))).isCloseTo(1.0, within(1e-12));
    // cores: 2 x 0.5 G/s bound before memory's 2 G/s
    GpuProfile twoCores = new GpuProfile("test", 100e12, 1e12, 0.5, 0.4, 0.2, 0.5, 10e-6, 2, 0.5e9, 60e9);
    assertThat(new CostModel(twoCores, HEADS, 2).hostAdamParametersPerSecond()).isCloseTo(1e9, within(1e-3));
    // on the GPU: 24 bytes of fp32 state read and written plus 2 + 2 of bf16 per parameter, at 0.5 TB/s
    assertThat(costs.seconds(new Work.OptimizerStep(1_000_000_000L, false))).isCloseTo(28e9 / 0.5e12, within(1e-12));
  }
}
