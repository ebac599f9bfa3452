package io.ringmaster.topology.plan;

import io.ringmaster.topology.placement.Ring;
import io.ringmaster.topology.placement.RingPlacement;
import java.util.List;

/**
 * One curriculum stage: {@code rings} rings of {@code gpus / rings} GPUs each train side by side
 * (data parallel), each ring on one sequence of {@code seqLen} tokens per micro-step.
 */
public record Stage(
    String name,
    long seqLen,
    RopeTheta ropeTheta,
    int gpus,
    int rings,
    int gradAccumulation,
    int steps,
    double learningRate,
    RingPlacement placement) {

  public int ringSize() {
    return gpus / rings;
  }

  public long tokensPerGpu() {
    return seqLen / ringSize();
  }

  public List<Ring> ringLayout() {
    return placement.rings(rings, ringSize());
  }

  public Stage withSeqLen(long newSeqLen) {
    return new Stage(name, newSeqLen, ropeTheta, gpus, rings, gradAccumulation, steps, learningRate, placement);
  }

  /** The same number of rings, each of {@code ringSize} GPUs. */
  public Stage withRingSize(int ringSize) {
    return new Stage(name, seqLen, ropeTheta, ringSize * rings, rings, gradAccumulation, steps, learningRate, placement);
  }
}
