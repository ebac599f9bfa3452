package io.ringmaster.sim.memory;

/**
 * What one GPU holds at the peak of a training step, by named entry, in bytes. A value: the
 * estimator fills it from formulas in {@code sim}, a live worker from its real buffer sizes.
 */
public record MemoryLedger(
    long weightsBytes,
    long gradientsBytes,
    long optimizerBytes,
    long activationsBytes,
    long recomputeWorkingSetBytes,
    long ringBuffersBytes,
    long logitsBytes,
    long workspaceBytes) {

  public MemoryLedger {
    for (long bytes : new long[] {weightsBytes, gradientsBytes, optimizerBytes, activationsBytes,
        recomputeWorkingSetBytes, ringBuffersBytes, logitsBytes, workspaceBytes}) {
      if (bytes < 0) {
        throw new IllegalArgumentException("a ledger entry cannot be negative: " + bytes);
      }
    }
  }

  public long bytes(LedgerEntry entry) {
    return switch (entry) {
      case WEIGHTS -> weightsBytes;
      case GRADIENTS -> gradientsBytes;
      case OPTIMIZER -> optimizerBytes;
      case ACTIVATIONS -> activationsBytes;
      case RECOMPUTE_WORKING_SET -> recomputeWorkingSetBytes;
      case RING_BUFFERS -> ringBuffersBytes;
      case LOGITS -> logitsBytes;
      case WORKSPACE -> workspaceBytes;
    };
  }

  public long totalBytes() {
    long total = 0;
    for (LedgerEntry entry : LedgerEntry.values()) {
      total = Math.addExact(total, bytes(entry));
    }
    return total;
  }

  /** The entry holding the most bytes (the first in report order on a tie). */
  public LedgerEntry largest() {
    LedgerEntry largest = LedgerEntry.WEIGHTS;
    for (LedgerEntry entry : LedgerEntry.values()) {
      if (bytes(entry) > bytes(largest)) {
        largest = entry;
      }
    }
    return largest;
  }
}
