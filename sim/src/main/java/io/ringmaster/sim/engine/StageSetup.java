package io.ringmaster.sim.engine;

import io.ringmaster.sim.cost.CostModel;
import io.ringmaster.topology.network.Network;
import java.util.List;

/**
 * A stage as the engine simulates it: the cluster's network, one task per GPU (in job order: task i
 * has shard gpu i), the cost model of the GPU type, and how many training steps to run.
 */
public record StageSetup(String stage, Network network, List<GpuTask> gpus, CostModel costs, int steps) {
  public StageSetup {
    gpus = List.copyOf(gpus);
    for (int i = 0; i < gpus.size(); i++) {
      if (gpus.get(i).shard().gpu() != i) {
        throw new IllegalArgumentException("task " + i + " holds the shard of GPU " + gpus.get(i).shard().gpu());
      }
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be at least 1, got " + steps);
    }
  }
}
