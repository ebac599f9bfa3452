package io.ringmaster.topology.node;

/**
 * A node's network interfaces for training traffic: all alike, spread evenly over the GPUs in index
 * order (GPU {@code g} of {@code G} uses NIC {@code g·count/G}, and that NIC sits on the PCIe switch
 * of the first GPU that uses it).
 *
 * @param gpuDirectRdma whether a NIC reads and writes GPU memory directly (through a shared PCIe
 *     switch); otherwise traffic is staged in host memory and crosses the root complex
 */
public record NicSpec(int count, double gbps, double latencySeconds, boolean gpuDirectRdma) {
  public double bytesPerSecond() {
    return gbps * 1e9 / 8;
  }
}
