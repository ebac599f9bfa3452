package io.ringmaster.sim.engine;

import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.Masking;
import io.ringmaster.sim.cost.CostModel;
import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.topology.network.Network;
import java.util.ArrayList;
import java.util.List;

/** Test stages made of ring attention passes alone, on hand-built networks. */
public final class RingScenario {
  /** A100 SXM at its datasheet peak, 312 TFLOP/s bf16 (reference/hardware.md), nothing else costing time. */
  public static final GpuProfile A100_AT_PEAK = new GpuProfile("a100-peak", 312e12, 1e30, 1, 1, 1, 1, 0, 1, 1e12, 1e30);

  private RingScenario() {}

  /** One ring over GPUs 0..ringSize-1 running {@code passes} of {@code layers} layers. */
  public static StageSetup ring(Network network, int ringSize, long tokensPerRank, HeadLayout heads, RingLayout layout,
      Masking masking, GpuProfile profile, int layers, Pass... passes) {
    List<StepOp> ops = new ArrayList<>();
    for (int layer = 0; layer < layers; layer++) {
      for (Pass pass : passes) {
        ops.add(new StepOp.RingAttention(pass, layer));
      }
    }
    StepProgram program = new StepProgram(ops);
    List<GpuTask> tasks = new ArrayList<>();
    for (int rank = 0; rank < ringSize; rank++) {
      ShardSpec shard = new ShardSpec("test", rank, 0, rank, ringSize, tokensPerRank, layout, masking, heads, 2,
          80_000_000_000L);
      tasks.add(new GpuTask(rank, shard, program));
    }
    return new StageSetup("test", network, tasks, new CostModel(profile, heads, 2), 1);
  }
}
