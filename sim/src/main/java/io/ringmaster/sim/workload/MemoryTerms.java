package io.ringmaster.sim.workload;

/**
 * What a GPU allocates during a step, by when, so the simulation can track the peak and report
 * out-of-memory: the terms of the stage's memory ledger (issue 2's {@code MemoryEstimator}), spread
 * over the step as the program allocates and frees them.
 *
 * @param residentBytes held the whole step: weights (and gathered modules), gradients, optimizer
 *     state, framework workspace
 * @param savedPerLayerBytes what each layer's forward keeps for its backward
 * @param workingSetBytes one layer's backward (and its recompute) on top of what is saved
 * @param ringBufferBytes ring attention's buffers while a pass runs
 * @param logitsBytes the LM head's logits and loss from the head's forward to its backward
 */
public record MemoryTerms(long residentBytes, long savedPerLayerBytes, long workingSetBytes, long ringBufferBytes,
    long logitsBytes, long capacityBytes) {
  public MemoryTerms {
    for (long bytes : new long[] {residentBytes, savedPerLayerBytes, workingSetBytes, ringBufferBytes, logitsBytes}) {
      if (bytes < 0) {
        throw new IllegalArgumentException("memory terms must not be negative: " + bytes);
      }
    }
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes must be positive: " + capacityBytes);
    }
  }

  /** No memory tracked against the given capacity (cost studies that do not ask about memory). */
  public static MemoryTerms untracked(long capacityBytes) {
    return new MemoryTerms(0, 0, 0, 0, 0, capacityBytes);
  }
}
