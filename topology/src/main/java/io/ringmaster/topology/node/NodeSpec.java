package io.ringmaster.topology.node;

import io.ringmaster.topology.gpu.GpuSpec;

/**
 * One machine: its GPUs, PCIe tree, NICs, host memory and, for SXM GPUs, NVLink through NVSwitch.
 * Devices are numbered locally: GPUs {@code 0..gpus-1}.
 */
public record NodeSpec(
    GpuSpec gpu,
    int gpus,
    PcieTree pcie,
    NicSpec nics,
    long hostMemoryBytes,
    double nvlinkLatencySeconds) {

  public boolean hasNvlink() {
    return gpu.hasNvlink();
  }

  public int pcieSwitches() {
    return (gpus + pcie.gpusPerSwitch() - 1) / pcie.gpusPerSwitch();
  }

  /** The root port (and switch, if it has one) a GPU sits under. */
  public int switchOfGpu(int localGpu) {
    return localGpu / pcie.gpusPerSwitch();
  }

  /** The NIC a GPU sends and receives through: the one nearest to it. */
  public int nearestNic(int localGpu) {
    return (int) ((long) localGpu * nics.count() / gpus);
  }

  /** The root port a NIC sits under: that of the first GPU whose nearest NIC it is. */
  public int switchOfNic(int nic) {
    long firstGpu = ((long) nic * gpus + nics.count() - 1) / nics.count();
    return switchOfGpu((int) Math.min(firstGpu, gpus - 1));
  }

  /** A root port with more than one device below it needs a PCIe switch. */
  public boolean hasSwitch(int port) {
    int devices = 0;
    for (int g = 0; g < gpus; g++) {
      devices += switchOfGpu(g) == port ? 1 : 0;
    }
    for (int n = 0; n < nics.count(); n++) {
      devices += switchOfNic(n) == port ? 1 : 0;
    }
    return devices > 1;
  }
}
