package io.ringmaster.actors.bench;

/**
 * What one measurement moved, in how long, and the processor time both processes spent on it (a
 * figure that, unlike the rate, barely depends on what else the machine is running).
 */
public record Transfer(int blocks, long bytes, long nanos, long cpuNanos) {
  public double bytesPerSecond() {
    return nanos == 0 ? 0 : bytes * 1e9 / nanos;
  }

  /** Processor seconds of both processes per GiB moved. */
  public double cpuSecondsPerGib() {
    return bytes == 0 ? 0 : cpuNanos / 1e9 / (bytes / (double) (1L << 30));
  }

  Transfer withCpuNanos(long both) {
    return new Transfer(blocks, bytes, nanos, both);
  }
}
