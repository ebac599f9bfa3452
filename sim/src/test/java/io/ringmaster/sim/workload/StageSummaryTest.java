package io.ringmaster.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.kernels.Masking;
import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.cost.ProfileLoader;
import io.ringmaster.sim.engine.SimOptions;
import io.ringmaster.sim.engine.SharedEngine;
import io.ringmaster.sim.engine.StageOutcome;
import io.ringmaster.sim.engine.TestClusters;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StageSummaryTest {
  private static final ModelShape MODEL = new ModelShape(4, 1024, 16, 4, 64, 3584, 32000);

  @Test
  void theBreakdownAddsUpToTheStepAndTheBottleneckIsItsLargestPart() {
    StageWorkload workload = workload();
    GpuProfile profile = ProfileLoader.load("l40s");
    StageOutcome outcome = SharedEngine.get().simulate(StageAssembly.setup(workload, TestClusters.pcieNodes(2, 4), profile, 1),
        SimOptions.DEFAULT);
    StageSummary summary = StageSummary.of(workload, profile, outcome);
    StageSummary.Breakdown parts = summary.breakdown();
    double sum = parts.computeSeconds() + parts.exposedRingSeconds() + parts.exposedZeroSeconds()
        + parts.offloadCopySeconds() + parts.optimizerSeconds() + parts.idleSeconds();
    assertThat(sum).isCloseTo(summary.stepSeconds(), within(1e-9 * summary.stepSeconds()));
    double largest = Math.max(Math.max(parts.computeSeconds(), parts.exposedRingSeconds()),
        Math.max(parts.exposedZeroSeconds(), Math.max(parts.offloadCopySeconds(), parts.optimizerSeconds())));
    assertThat(summary.bottleneck().share()).isCloseTo(largest / summary.stepSeconds(), within(1e-12));
    assertThat(summary.bottleneck().describe()).endsWith("% of the step");
    double largestWait = Math.max(parts.exposedRingSeconds(), Math.max(parts.exposedZeroSeconds(),
        parts.offloadCopySeconds()));
    assertThat(summary.largestWait().share()).isCloseTo(largestWait / summary.stepSeconds(), within(1e-12));
    assertThat(summary.largestWait().part()).isIn("ring KV transfer", "ZeRO collectives", "host copies (offload)");
    assertThat(summary.mfu()).isBetween(0.0, 1.0);
  }

  @Test
  void modelFlopsAreThreeForwardsOfParametersAndCausalAttention() {
    StageWorkload workload = workload();
    double tokens = 8 * 2048;
    double parameters = 4.0 * MODEL.layerParameters() + 32000.0 * 1024;
    double attention = 4 * (tokens * (tokens + 1) / 2) * 1024 * 4;
    // 2 rings, 3 micro-batches
    assertThat(StageSummary.modelFlops(workload)).isEqualTo(3 * (2 * parameters * tokens + attention) * 2 * 3);
  }

  private static StageWorkload workload() {
    TrainingSetup training = new TrainingSetup(2, 3, true, true, true, RingLayout.ZIGZAG, Masking.CAUSAL);
    StageShape stage = new StageShape("summary", 8L * 2048, 4, 2, 3);
    List<List<Integer>> rings = List.of(IntStream.range(0, 4).boxed().toList(), IntStream.range(4, 8).boxed().toList());
    return new StageWorkload(MODEL, training, stage, rings, MemoryTerms.untracked(48L << 30));
  }
}
