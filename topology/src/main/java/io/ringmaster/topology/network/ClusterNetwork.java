package io.ringmaster.topology.network;

import io.ringmaster.topology.cluster.ClusterSpec;
import io.ringmaster.topology.fabric.LeafSpine;
import io.ringmaster.topology.fabric.SingleSwitch;
import io.ringmaster.topology.node.NodeSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The directed link graph of a {@link ClusterSpec}. Inside a node: every GPU and NIC has a PCIe link
 * (each direction) to its root port's PCIe switch, or straight to the root complex when it is alone
 * on its port; every switch has a host-bridge uplink to the root complex; SXM GPUs have NVLink to
 * the node's NVSwitch. Between nodes: each NIC links to its leaf (or the one switch), leaves link to
 * every spine.
 *
 * <p>Routing is a pure function of the endpoints:
 * <ul>
 *   <li>GPU to GPU in a node: over NVLink when present; else through the shared PCIe switch when both
 *       sit under one and peer-to-peer is on; else up through the root complex and down again.</li>
 *   <li>GPU to GPU across nodes: to the sender's nearest NIC (through the shared switch with GPUDirect
 *       RDMA, else staged through the root complex and host memory), the fabric (leaf, then for other
 *       leaves one spine chosen by ECMP hashing of the endpoints), the receiver's nearest NIC, and down
 *       to the GPU the same way.</li>
 *   <li>Host to GPU and back: the GPU's links to the root complex, so GPUs under one switch share its
 *       host bridge.</li>
 * </ul>
 * Link latencies: PCIe and host-bridge hops the node's PCIe latency, NVLink hops the NVLink latency,
 * NIC to switch the NIC latency, switch to NIC the fabric latency plus the NIC latency, switch to
 * switch the fabric latency.
 */
public final class ClusterNetwork implements Network {
  private static final int NONE = -1;

  private final ClusterSpec cluster;
  private final List<Link> building = new ArrayList<>();
  private final List<Link> links;
  private final List<String> sources = new ArrayList<>();
  private final List<String> targets = new ArrayList<>();
  /** Per node, per local device (GPUs first, then NICs): the link to its parent and back. */
  private final int[][] toParent;
  private final int[][] fromParent;
  /** Per node, per root port: switch to root complex and back, or NONE where the port has no switch. */
  private final int[][] portUp;
  private final int[][] portDown;
  private final int[][] toNvswitch;
  private final int[][] fromNvswitch;
  private final int[][] nicToFabric;
  private final int[][] fabricToNic;
  private final int[][] leafToSpine;
  private final int[][] spineToLeaf;

  private ClusterNetwork(ClusterSpec cluster) {
    this.cluster = cluster;
    NodeSpec node = cluster.node();
    int nodes = cluster.nodes();
    int devices = node.gpus() + node.nics().count();
    toParent = new int[nodes][devices];
    fromParent = new int[nodes][devices];
    portUp = new int[nodes][node.pcieSwitches()];
    portDown = new int[nodes][node.pcieSwitches()];
    toNvswitch = new int[nodes][node.gpus()];
    fromNvswitch = new int[nodes][node.gpus()];
    nicToFabric = new int[nodes][node.nics().count()];
    fabricToNic = new int[nodes][node.nics().count()];
    for (int n = 0; n < nodes; n++) {
      buildNode(n);
    }
    int leaves = cluster.fabric() instanceof LeafSpine leafSpine ? leafSpine.leafOfNode(nodes - 1) + 1 : 1;
    int spines = cluster.fabric() instanceof LeafSpine leafSpine && leaves > 1 ? leafSpine.spines() : 0;
    leafToSpine = new int[leaves][spines];
    spineToLeaf = new int[spines][leaves];
    buildFabric(leaves, spines);
    links = List.copyOf(building);
  }

  public static ClusterNetwork of(ClusterSpec cluster) {
    return new ClusterNetwork(cluster);
  }

  public ClusterSpec cluster() {
    return cluster;
  }

  /** The element a link leaves, e.g. "n0.gpu3", "n0.sw1", "n0.host", "leaf0", "spine2". */
  public String source(int linkId) {
    return sources.get(linkId);
  }

  /** The element a link enters. */
  public String target(int linkId) {
    return targets.get(linkId);
  }

  @Override
  public int gpuCount() {
    return cluster.gpuCount();
  }

  @Override
  public List<Link> links() {
    return links;
  }

  @Override
  public Route route(int fromGpu, int toGpu) {
    checkGpu(fromGpu);
    checkGpu(toGpu);
    if (fromGpu == toGpu) {
      return Route.LOCAL;
    }
    int fromNode = cluster.nodeOfGpu(fromGpu);
    int toNode = cluster.nodeOfGpu(toGpu);
    int from = cluster.localGpu(fromGpu);
    int to = cluster.localGpu(toGpu);
    NodeSpec node = cluster.node();
    Path path = new Path();
    if (fromNode == toNode) {
      if (node.hasNvlink()) {
        path.add(toNvswitch[fromNode][from]).add(fromNvswitch[toNode][to]);
      } else {
        pcie(path, fromNode, from, to, node.pcie().peerToPeer());
      }
      return path.route();
    }
    int fromNic = node.nearestNic(from);
    int toNic = node.nearestNic(to);
    boolean direct = node.nics().gpuDirectRdma();
    pcie(path, fromNode, from, nicDevice(fromNic), direct);
    path.add(nicToFabric[fromNode][fromNic]);
    if (cluster.fabric() instanceof LeafSpine leafSpine) {
      int fromLeaf = leafSpine.leafOfNode(fromNode);
      int toLeaf = leafSpine.leafOfNode(toNode);
      if (fromLeaf != toLeaf) {
        int spine = ecmp(fromGpu, toGpu, leafSpine.spines());
        path.add(leafToSpine[fromLeaf][spine]).add(spineToLeaf[spine][toLeaf]);
      }
    }
    path.add(fabricToNic[toNode][toNic]);
    pcie(path, toNode, nicDevice(toNic), to, direct);
    return path.route();
  }

  @Override
  public Route hostToGpu(int gpu) {
    checkGpu(gpu);
    Path path = new Path();
    down(path, cluster.nodeOfGpu(gpu), cluster.localGpu(gpu));
    return path.route();
  }

  @Override
  public Route gpuToHost(int gpu) {
    checkGpu(gpu);
    Path path = new Path();
    up(path, cluster.nodeOfGpu(gpu), cluster.localGpu(gpu));
    return path.route();
  }

  /**
   * ECMP: a fixed hash of the two endpoints (the SplitMix64 finaliser) picks one of the equal-cost
   * spines, as switches hash a flow's header; the same pair always takes the same spine.
   */
  static int ecmp(int fromGpu, int toGpu, int spines) {
    long z = ((long) fromGpu << 32 | toGpu & 0xffffffffL) + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (int) Math.floorMod(z, (long) spines);
  }

  private void pcie(Path path, int node, int fromDevice, int toDevice, boolean throughSwitch) {
    int port = portOf(fromDevice);
    if (throughSwitch && port == portOf(toDevice) && portUp[node][port] != NONE) {
      path.add(toParent[node][fromDevice]).add(fromParent[node][toDevice]);
    } else {
      up(path, node, fromDevice);
      down(path, node, toDevice);
    }
  }

  private void up(Path path, int node, int device) {
    path.add(toParent[node][device]);
    int port = portOf(device);
    if (portUp[node][port] != NONE) {
      path.add(portUp[node][port]);
    }
  }

  private void down(Path path, int node, int device) {
    int port = portOf(device);
    if (portDown[node][port] != NONE) {
      path.add(portDown[node][port]);
    }
    path.add(fromParent[node][device]);
  }

  private int nicDevice(int nic) {
    return cluster.node().gpus() + nic;
  }

  private int portOf(int device) {
    NodeSpec node = cluster.node();
    return device < node.gpus() ? node.switchOfGpu(device) : node.switchOfNic(device - node.gpus());
  }

  private void buildNode(int n) {
    NodeSpec node = cluster.node();
    double pcieLatency = node.pcie().latencySeconds();
    String host = "n" + n + ".host";
    for (int port = 0; port < node.pcieSwitches(); port++) {
      portUp[n][port] = NONE;
      portDown[n][port] = NONE;
      if (node.hasSwitch(port)) {
        String sw = "n" + n + ".sw" + port;
        portUp[n][port] = add(sw, host, LinkKind.HOST_BRIDGE, node.pcie().hostBridgeBytesPerSecond(), pcieLatency);
        portDown[n][port] = add(host, sw, LinkKind.HOST_BRIDGE, node.pcie().hostBridgeBytesPerSecond(), pcieLatency);
      }
    }
    for (int device = 0; device < node.gpus() + node.nics().count(); device++) {
      String name = device < node.gpus() ? "n" + n + ".gpu" + device : "n" + n + ".nic" + (device - node.gpus());
      int port = portOf(device);
      String parent = portUp[n][port] != NONE ? "n" + n + ".sw" + port : host;
      // A NIC's PCIe link is assumed as wide and fast as the GPUs' (x16 of the same generation).
      double bytesPerSecond = node.gpu().pcieBytesPerSecond();
      toParent[n][device] = add(name, parent, LinkKind.PCIE, bytesPerSecond, pcieLatency);
      fromParent[n][device] = add(parent, name, LinkKind.PCIE, bytesPerSecond, pcieLatency);
    }
    if (node.hasNvlink()) {
      String nvswitch = "n" + n + ".nvswitch";
      for (int gpu = 0; gpu < node.gpus(); gpu++) {
        String name = "n" + n + ".gpu" + gpu;
        double bytesPerSecond = node.gpu().nvlinkBytesPerSecond();
        toNvswitch[n][gpu] = add(name, nvswitch, LinkKind.NVLINK, bytesPerSecond, node.nvlinkLatencySeconds());
        fromNvswitch[n][gpu] = add(nvswitch, name, LinkKind.NVLINK, bytesPerSecond, node.nvlinkLatencySeconds());
      }
    } else {
      Arrays.fill(toNvswitch[n], NONE);
      Arrays.fill(fromNvswitch[n], NONE);
    }
  }

  private void buildFabric(int leaves, int spines) {
    NodeSpec node = cluster.node();
    double nicBytesPerSecond = node.nics().bytesPerSecond();
    double nicLatency = node.nics().latencySeconds();
    double fabricLatency = cluster.fabric().latencySeconds();
    for (int n = 0; n < cluster.nodes(); n++) {
      String edge = cluster.fabric() instanceof SingleSwitch ? "switch"
          : "leaf" + ((LeafSpine) cluster.fabric()).leafOfNode(n);
      for (int nic = 0; nic < node.nics().count(); nic++) {
        String name = "n" + n + ".nic" + nic;
        nicToFabric[n][nic] = add(name, edge, LinkKind.NIC, nicBytesPerSecond, nicLatency);
        fabricToNic[n][nic] = add(edge, name, LinkKind.NIC, nicBytesPerSecond, fabricLatency + nicLatency);
      }
    }
    if (spines == 0) {
      return;
    }
    LeafSpine leafSpine = (LeafSpine) cluster.fabric();
    double uplinkBytesPerSecond = leafSpine.uplinkBytesPerSecond(node.nics().count(), nicBytesPerSecond);
    for (int leaf = 0; leaf < leaves; leaf++) {
      for (int spine = 0; spine < spines; spine++) {
        leafToSpine[leaf][spine] = add("leaf" + leaf, "spine" + spine, LinkKind.FABRIC, uplinkBytesPerSecond, fabricLatency);
        spineToLeaf[spine][leaf] = add("spine" + spine, "leaf" + leaf, LinkKind.FABRIC, uplinkBytesPerSecond, fabricLatency);
      }
    }
  }

  private int add(String source, String target, LinkKind kind, double bytesPerSecond, double latencySeconds) {
    int id = building.size();
    building.add(new Link(id, source + ">" + target, kind, bytesPerSecond, latencySeconds));
    sources.add(source);
    targets.add(target);
    return id;
  }

  private void checkGpu(int gpu) {
    if (gpu < 0 || gpu >= cluster.gpuCount()) {
      throw new IndexOutOfBoundsException("GPU " + gpu + " not in 0.." + (cluster.gpuCount() - 1));
    }
  }

  /** A route under construction. */
  private static final class Path {
    private int[] ids = new int[12];
    private int size;

    Path add(int linkId) {
      if (size == ids.length) {
        ids = Arrays.copyOf(ids, size * 2);
      }
      ids[size++] = linkId;
      return this;
    }

    Route route() {
      return new Route(Arrays.copyOf(ids, size));
    }
  }
}
