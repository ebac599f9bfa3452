package io.ringmaster.sim.memory;

/**
 * The memory verdict for one stage: the per-GPU ledger against the GPU's capacity, and the host
 * memory each node needs for offloaded state against what the node has.
 */
public record StageMemory(MemoryLedger gpu, long capacityBytes, long hostBytesPerNode, long hostCapacityBytes) {
  public boolean fitsGpu() {
    return gpu.totalBytes() <= capacityBytes;
  }

  public boolean fitsHost() {
    return hostBytesPerNode <= hostCapacityBytes;
  }

  public boolean fits() {
    return fitsGpu() && fitsHost();
  }
}
