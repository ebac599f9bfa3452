package io.ringmaster.sim.engine;

import io.ringmaster.topology.cluster.ClusterSpec;
import io.ringmaster.topology.fabric.SingleSwitch;
import io.ringmaster.topology.gpu.GpuSpec;
import io.ringmaster.topology.network.ClusterNetwork;
import io.ringmaster.topology.node.NicSpec;
import io.ringmaster.topology.node.NodeSpec;
import io.ringmaster.topology.node.PcieTree;

/** Small clusters shaped like the presets, for tests. */
public final class TestClusters {
  private TestClusters() {}

  /**
   * Crusoe-like PCIe nodes (reference/hardware.md's L40S): {@code gpusPerNode} L40S per node, two per
   * PCIe switch, 25 GB/s links, no GPUDirect RDMA, one 175 Gbps NIC per node, one switch.
   */
  public static ClusterNetwork pcieNodes(int nodes, int gpusPerNode) {
    GpuSpec l40s = new GpuSpec("l40s", 362.05e12, 183e12, 91.6e12, 46068L << 20, 864e9, 25e9, 0);
    NodeSpec node = new NodeSpec(l40s, gpusPerNode, new PcieTree(2, 25e9, true, 0.5e-6),
        new NicSpec(1, 175, 5e-6, false), 1L << 40, 0);
    return ClusterNetwork.of(new ClusterSpec("test-pcie", nodes, node, new SingleSwitch(1e-6)));
  }
}
