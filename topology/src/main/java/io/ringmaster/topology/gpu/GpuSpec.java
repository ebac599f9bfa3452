package io.ringmaster.topology.gpu;

/**
 * One GPU type as the datasheet gives it (reference/hardware.md), in SI units. {@code memoryBytes}
 * is what the driver exposes for allocations (after inline ECC where it applies).
 */
public record GpuSpec(
    String name,
    double bf16FlopsPerSecond,
    double tf32FlopsPerSecond,
    double fp32FlopsPerSecond,
    long memoryBytes,
    double memoryBytesPerSecond,
    double pcieBytesPerSecond,
    double nvlinkBytesPerSecond) {

  /** SXM parts sit on an NVSwitch baseboard; PCIe cards such as the L40S have no NVLink. */
  public boolean hasNvlink() {
    return nvlinkBytesPerSecond > 0;
  }
}
