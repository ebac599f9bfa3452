package io.ringmaster.topology.cluster;

import io.ringmaster.topology.fabric.FabricSpec;
import io.ringmaster.topology.node.NodeSpec;

/**
 * A cluster of identical nodes on one fabric. GPUs are numbered globally in node order: GPU
 * {@code g} is local GPU {@code g % gpusPerNode} of node {@code g / gpusPerNode}.
 *
 * @param name how the user asked for it, e.g. "crusoe-l40s:512 (nic-gbps=200)"
 */
public record ClusterSpec(String name, int nodes, NodeSpec node, FabricSpec fabric) {
  public int gpuCount() {
    return nodes * node.gpus();
  }

  public int nodeOfGpu(int gpu) {
    return gpu / node.gpus();
  }

  public int localGpu(int gpu) {
    return gpu % node.gpus();
  }
}
