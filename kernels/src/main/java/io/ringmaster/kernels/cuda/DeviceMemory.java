package io.ringmaster.kernels.cuda;

/** Free and total memory of a device, as cuMemGetInfo reads them (for the memory ledger). */
public record DeviceMemory(long freeBytes, long totalBytes) {
  public long usedBytes() {
    return totalBytes - freeBytes;
  }
}
