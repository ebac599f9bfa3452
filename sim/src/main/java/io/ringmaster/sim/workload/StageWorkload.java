package io.ringmaster.sim.workload;

import java.util.List;

/**
 * Everything that decides what the GPUs of one stage do: the model, how it trains, the stage's size,
 * which cluster GPUs form each ring (in rank order), and the memory each GPU allocates.
 */
public record StageWorkload(ModelShape model, TrainingSetup training, StageShape stage, List<List<Integer>> rings,
    MemoryTerms memory) {
  public StageWorkload {
    rings = rings.stream().map(List::copyOf).toList();
    if (rings.size() != stage.rings()) {
      throw new IllegalArgumentException("stage " + stage.name() + " has " + stage.rings() + " rings, placement gives "
          + rings.size());
    }
    for (List<Integer> ring : rings) {
      if (ring.size() != stage.ringSize()) {
        throw new IllegalArgumentException("stage " + stage.name() + " has rings of " + stage.ringSize()
            + " GPUs, placement gives one of " + ring.size());
      }
    }
    if (stage.tokensPerGpu() % training.layout().chunksPerRank() != 0) {
      throw new IllegalArgumentException(training.layout() + " cannot split " + stage.tokensPerGpu()
          + " tokens per GPU into " + training.layout().chunksPerRank() + " chunks");
    }
  }
}
