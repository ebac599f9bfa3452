package io.ringmaster.kernels.cuda;

/** What the driver says about one GPU. */
public record CudaDeviceInfo(
    int ordinal,
    String name,
    int multiprocessors,
    int computeMajor,
    int computeMinor,
    long totalBytes,
    int sharedBytesPerBlockOptIn) {

  public String computeCapability() {
    return "sm_" + computeMajor + computeMinor;
  }

  /** One line for people: "NVIDIA H100 80GB HBM3, sm_90, 132 SMs, 79.1 GiB". */
  public String describe() {
    return String.format("%s, %s, %d SMs, %.1f GiB", name, computeCapability(), multiprocessors,
        totalBytes / (double) (1L << 30));
  }
}
