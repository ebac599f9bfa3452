package io.ringmaster.sim.workload;

import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.sim.cost.CostModel;
import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.engine.GpuTask;
import io.ringmaster.sim.engine.StageSetup;
import io.ringmaster.topology.network.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Turns a stage's workload into what the engine simulates: a shard and the step program per GPU. */
public final class StageAssembly {
  private StageAssembly() {}

  /**
   * The job's GPUs are those of its rings, numbered in cluster order (their ZeRO ranks); every GPU
   * runs the same program.
   */
  public static StageSetup setup(StageWorkload workload, Network network, GpuProfile profile, int steps) {
    int[] clusterGpus = workload.rings().stream().flatMap(List::stream).mapToInt(Integer::intValue).sorted().toArray();
    for (int i = 1; i < clusterGpus.length; i++) {
      if (clusterGpus[i] == clusterGpus[i - 1]) {
        throw new IllegalArgumentException("GPU " + clusterGpus[i] + " is in two rings");
      }
    }
    if (clusterGpus[clusterGpus.length - 1] >= network.gpuCount()) {
      throw new IllegalArgumentException("the rings use GPU " + clusterGpus[clusterGpus.length - 1]
          + " but the cluster has " + network.gpuCount());
    }
    StepProgram program = StepProgramBuilder.build(workload);
    GpuTask[] tasks = new GpuTask[clusterGpus.length];
    for (int ring = 0; ring < workload.rings().size(); ring++) {
      List<Integer> members = workload.rings().get(ring);
      for (int rank = 0; rank < members.size(); rank++) {
        int job = Arrays.binarySearch(clusterGpus, members.get(rank));
        tasks[job] = new GpuTask(members.get(rank), shard(workload, job, ring, rank), program);
      }
    }
    CostModel costs = new CostModel(profile, workload.model().headLayout(), workload.training().elementBytes());
    return new StageSetup(workload.stage().name(), network, new ArrayList<>(List.of(tasks)), costs, steps);
  }

  private static ShardSpec shard(StageWorkload workload, int gpu, int ring, int rank) {
    return new ShardSpec(
        workload.stage().name(),
        gpu,
        ring,
        rank,
        workload.stage().ringSize(),
        workload.stage().tokensPerGpu(),
        workload.training().layout(),
        workload.training().masking(),
        workload.model().headLayout(),
        workload.training().elementBytes(),
        workload.memory().capacityBytes());
  }
}
