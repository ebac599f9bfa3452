package io.ringmaster.kernels.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the driver says about one GPU. */
public record CudaDeviceInfo(
    int ordinal,
    String name,
    int multiprocessors,
    int computeMajor,
    int computeMinor,
    long totalBytes,
    int sharedBytesPerBlockOptIn) {
  private static final Pattern TARGET = Pattern.compile("sm_(\\d+)(a?)");

  public String computeCapability() {
    return "sm_" + computeMajor + computeMinor;
  }

  /**
   * Whether the driver can load PTX compiled for {@code target} here: "sm_80" on compute capability 8.0
   * and later, an architecture-specific target such as "sm_90a" only on 9.0 itself (PTX ISA, "Target
   * ISA notes").
   */
  public boolean runs(String target) {
    Matcher parts = TARGET.matcher(target);
    if (!parts.matches()) throw new IllegalArgumentException("not a PTX target: " + target);
    int capability = computeMajor * 10 + computeMinor;
    int required = Integer.parseInt(parts.group(1));
    return parts.group(2).isEmpty() ? capability >= required : capability == required;
  }

  /** One line for people: "NVIDIA H100 80GB HBM3, sm_90, 132 SMs, 79.1 GiB". */
  public String describe() {
    return String.format("%s, %s, %d SMs, %.1f GiB", name, computeCapability(), multiprocessors,
        totalBytes / (double) (1L << 30));
  }
}
