package io.ringmaster.sim.cost;

/**
 * The constants a simulated GPU's cost model uses, one GPU type at a time, each read from a profile
 * file that names its source (see {@link ProfileLoader} and docs/simulation.md).
 *
 * @param peakFlopsPerSecond dense bf16 tensor throughput, datasheet
 * @param memoryBytesPerSecond device memory bandwidth, datasheet
 * @param matmulEfficiency share of the peak large bf16 matrix products reach
 * @param attentionEfficiency share of the peak a flash-attention kernel reaches on whole (unmasked) tiles
 * @param maskedBlockEfficiency share of the peak it reaches on a block with a causal mask inside
 * @param memoryEfficiency share of the memory bandwidth element-wise kernels reach
 * @param blockOverheadSeconds fixed cost per attention block call (kernel launches, small tensors)
 * @param hostCoresPerGpu host CPU cores for each GPU's process (optimizer offload runs Adam on them)
 * @param hostAdamParametersPerSecondPerCore CPU Adam's throughput on one core, when memory keeps up
 * @param hostMemoryBytesPerSecondPerGpu the host's memory bandwidth over its GPUs: CPU Adam on all
 *     GPUs' shards at once shares it
 */
public record GpuProfile(
    String name,
    double peakFlopsPerSecond,
    double memoryBytesPerSecond,
    double matmulEfficiency,
    double attentionEfficiency,
    double maskedBlockEfficiency,
    double memoryEfficiency,
    double blockOverheadSeconds,
    double hostCoresPerGpu,
    double hostAdamParametersPerSecondPerCore,
    double hostMemoryBytesPerSecondPerGpu) {

  public GpuProfile {
    positive("peakFlopsPerSecond", peakFlopsPerSecond);
    positive("memoryBytesPerSecond", memoryBytesPerSecond);
    share("matmulEfficiency", matmulEfficiency);
    share("attentionEfficiency", attentionEfficiency);
    share("maskedBlockEfficiency", maskedBlockEfficiency);
    share("memoryEfficiency", memoryEfficiency);
    if (!(blockOverheadSeconds >= 0)) {
      throw new IllegalArgumentException("blockOverheadSeconds must not be negative: " + blockOverheadSeconds);
    }
    positive("hostCoresPerGpu", hostCoresPerGpu);
    positive("hostAdamParametersPerSecondPerCore", hostAdamParametersPerSecondPerCore);
    positive("hostMemoryBytesPerSecondPerGpu", hostMemoryBytesPerSecondPerGpu);
  }

  private static void positive(String field, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(field + " must be positive: " + value);
    }
  }

  private static void share(String field, double value) {
    if (!(value > 0 && value <= 1)) {
      throw new IllegalArgumentException(field + " must be in (0, 1]: " + value);
    }
  }
}
