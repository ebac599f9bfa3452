package io.ringmaster.sim.workload;

/**
 * One curriculum stage's size: {@code rings} rings of {@code ringSize} GPUs side by side (data
 * parallel), each on one sequence of {@code seqLen} tokens per micro-batch.
 */
public record StageShape(String name, long seqLen, int ringSize, int rings, int gradAccumulation) {
  public StageShape {
    if (seqLen <= 0 || ringSize <= 0 || rings <= 0 || gradAccumulation <= 0) {
      throw new IllegalArgumentException("stage sizes must be positive: " + this);
    }
    if (seqLen % ringSize != 0) {
      throw new IllegalArgumentException("seqLen " + seqLen + " does not split over a ring of " + ringSize);
    }
  }

  public int gpus() {
    return ringSize * rings;
  }

  public long tokensPerGpu() {
    return seqLen / ringSize;
  }
}
