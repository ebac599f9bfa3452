package io.ringmaster.sim.workload;

import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.kernels.Masking;

/**
 * How a stage trains: the settings of a plan that change what a GPU does in a step.
 *
 * @param elementBytes bytes of a weight, activation or gradient element (2 for bf16, 4 for fp32)
 * @param zeroStage 0 (all-reduce), 1 or 2 (reduce-scatter, all-gather after the step), 3 (per-layer
 *     gathers and reduce-scatters)
 * @param checkpointing each layer keeps only its input and is recomputed before its backward
 */
public record TrainingSetup(int elementBytes, int zeroStage, boolean offloadOptimizer, boolean offloadParameters,
    boolean checkpointing, RingLayout layout, Masking masking) {
  public TrainingSetup {
    if (elementBytes != 2 && elementBytes != 4) {
      throw new IllegalArgumentException("elementBytes must be 2 (bf16) or 4 (fp32), got " + elementBytes);
    }
    if (zeroStage < 0 || zeroStage > 3) {
      throw new IllegalArgumentException("zeroStage must be 0..3, got " + zeroStage);
    }
    if (offloadParameters && (zeroStage != 3 || !offloadOptimizer)) {
      throw new IllegalArgumentException("parameter offload needs ZeRO-3 and optimizer offload");
    }
  }
}
