package io.ringmaster.topology.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringmaster.topology.cluster.ClusterCatalog;
import io.ringmaster.topology.cluster.ClusterSpec;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlValue.Scalar;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterNetworkTest {
  static ClusterNetwork network(String reference, String... sets) {
    ClusterSpec cluster = ClusterCatalog.resolve(new Scalar(reference, Origin.commandLine(), "--cluster"), Path.of(""),
        ClusterCatalog.overrides(List.of(sets), "--set"));
    return ClusterNetwork.of(cluster);
  }

  private static List<LinkKind> kinds(Network network, Route route) {
    return Arrays.stream(route.linkIds()).mapToObj(id -> network.links().get(id).kind()).toList();
  }

  private static List<String> names(Network network, Route route) {
    return Arrays.stream(route.linkIds()).mapToObj(id -> network.links().get(id).name()).toList();
  }

  @Test
  void routesAreConnectedPathsBetweenTheirEndpointsForEveryPair() {
    for (ClusterNetwork network : List.of(
        network("crusoe-l40s:48", "nodes-per-leaf=2"),
        network("crusoe-l40s:16", "pcie-p2p=false", "gpudirect-rdma=true", "nics=2"),
        network("crusoe-l40s:24", "gpus-per-pcie-switch=1", "fabric=switch"),
        network("dgx-a100:24", "nodes-per-leaf=2"),
        network("dgx-h100:16"))) {
      ClusterSpec cluster = network.cluster();
      for (int from = 0; from < network.gpuCount(); from++) {
        for (int to = 0; to < network.gpuCount(); to++) {
          Route route = network.route(from, to);
          if (from == to) {
            assertThat(route.hops()).isZero();
            continue;
          }
          int[] ids = route.linkIds();
          assertThat(network.source(ids[0])).isEqualTo(gpuName(cluster, from));
          assertThat(network.target(ids[ids.length - 1])).isEqualTo(gpuName(cluster, to));
          for (int i = 1; i < ids.length; i++) {
            assertThat(network.source(ids[i])).isEqualTo(network.target(ids[i - 1]));
          }
          assertThat(Arrays.stream(ids).distinct().count()).isEqualTo(ids.length);
        }
      }
    }
  }

  private static String gpuName(ClusterSpec cluster, int gpu) {
    return "n" + cluster.nodeOfGpu(gpu) + ".gpu" + cluster.localGpu(gpu);
  }

  @Test
  void everyLinkHasItsReverseWithTheSameKindAndBandwidth() {
    ClusterNetwork network = network("crusoe-l40s:48", "nodes-per-leaf=2");
    Map<String, Link> byEnds = new HashMap<>();
    for (Link link : network.links()) {
      assertThat(byEnds.put(network.source(link.id()) + ">" + network.target(link.id()), link)).isNull();
      assertThat(network.links().get(link.id())).isSameAs(link);
    }
    for (Link link : network.links()) {
      Link reverse = byEnds.get(network.target(link.id()) + ">" + network.source(link.id()));
      assertThat(reverse).isNotNull();
      assertThat(reverse.kind()).isEqualTo(link.kind());
      assertThat(reverse.bytesPerSecond()).isEqualTo(link.bytesPerSecond());
    }
  }

  @Test
  void l40sGpusUnderOneSwitchTalkThroughIt() {
    ClusterNetwork network = network("crusoe-l40s:8");
    Route route = network.route(0, 1);
    assertThat(names(network, route)).containsExactly("n0.gpu0>n0.sw0", "n0.sw0>n0.gpu1");
    assertThat(route.hops()).isEqualTo(2);
    assertThat(network.links().get(route.linkIds()[0]).bytesPerSecond()).isEqualTo(25e9); // hardware.md
  }

  @Test
  void l40sGpusUnderDifferentSwitchesCrossTheRootComplex() {
    ClusterNetwork network = network("crusoe-l40s:8");
    assertThat(names(network, network.route(0, 2)))
        .containsExactly("n0.gpu0>n0.sw0", "n0.sw0>n0.host", "n0.host>n0.sw1", "n0.sw1>n0.gpu2");
    assertThat(kinds(network, network.route(7, 0)))
        .containsExactly(LinkKind.PCIE, LinkKind.HOST_BRIDGE, LinkKind.HOST_BRIDGE, LinkKind.PCIE);
  }

  @Test
  void withoutPeerToPeerEvenNeighboursBounceThroughTheHost() {
    ClusterNetwork network = network("crusoe-l40s:8", "pcie-p2p=false");
    assertThat(names(network, network.route(0, 1)))
        .containsExactly("n0.gpu0>n0.sw0", "n0.sw0>n0.host", "n0.host>n0.sw0", "n0.sw0>n0.gpu1");
  }

  @Test
  void l40sAcrossNodesGoesThroughHostMemoryTheNicAndTheFabric() {
    ClusterNetwork network = network("crusoe-l40s:16");
    Route route = network.route(3, 8);
    assertThat(names(network, route)).containsExactly(
        "n0.gpu3>n0.sw1", "n0.sw1>n0.host", "n0.host>n0.sw0", "n0.sw0>n0.nic0",
        "n0.nic0>leaf0", "leaf0>n1.nic0",
        "n1.nic0>n1.sw0", "n1.sw0>n1.host", "n1.host>n1.sw0", "n1.sw0>n1.gpu0");
    Link nic = network.links().get(route.linkIds()[4]);
    assertThat(nic.bytesPerSecond()).isEqualTo(175e9 / 8);
    assertThat(nic.latencySeconds()).isCloseTo(5e-6, within(1e-15));
  }

  @Test
  void acrossLeavesOneSpineIsCrossedWithTheUplinkShareOfBandwidth() {
    ClusterNetwork network = network("crusoe-l40s:48", "nodes-per-leaf=2", "oversubscription=2");
    Route route = network.route(0, 40); // node 0 on leaf 0, node 5 on leaf 2
    List<LinkKind> kinds = kinds(network, route);
    assertThat(kinds.stream().filter(k -> k == LinkKind.FABRIC)).hasSize(2);
    Link uplink = network.links().get(route.linkIds()[5]);
    assertThat(uplink.kind()).isEqualTo(LinkKind.FABRIC);
    // 2 nodes × 1 NIC × 175 Gb/s, halved by oversubscription, split over 4 spines
    assertThat(uplink.bytesPerSecond()).isCloseTo(2 * 175e9 / 8 / 2 / 4, within(1e-3));
    assertThat(network.source(uplink.id())).isEqualTo("leaf0");
  }

  @Test
  void ecmpIsAFixedFunctionOfTheEndpointsAndUsesEverySpine() {
    ClusterNetwork network = network("crusoe-l40s:64", "nodes-per-leaf=1");
    Set<String> spines = new HashSet<>();
    for (int from = 0; from < 8; from++) {
      for (int to = 8; to < 64; to++) {
        Route route = network.route(from, to);
        assertThat(route.linkIds()).containsExactly(network.route(from, to).linkIds());
        for (int id : route.linkIds()) {
          if (network.links().get(id).kind() == LinkKind.FABRIC) {
            spines.add(network.target(id).startsWith("spine") ? network.target(id) : network.source(id));
          }
        }
      }
    }
    assertThat(spines).containsExactlyInAnyOrder("spine0", "spine1", "spine2", "spine3");
  }

  @Test
  void dgxGpusTalkOverNvlinkInsideANodeAndGpuDirectAcrossNodes() {
    ClusterNetwork network = network("dgx-a100:16");
    Route inside = network.route(0, 5);
    assertThat(names(network, inside)).containsExactly("n0.gpu0>n0.nvswitch", "n0.nvswitch>n0.gpu5");
    assertThat(network.links().get(inside.linkIds()[0]).bytesPerSecond()).isEqualTo(300e9); // 600 GB/s bidirectional
    double latency = Arrays.stream(inside.linkIds()).mapToDouble(id -> network.links().get(id).latencySeconds()).sum();
    assertThat(latency).isCloseTo(1e-6, within(1e-12));
    assertThat(names(network, network.route(5, 13))).containsExactly(
        "n0.gpu5>n0.sw2", "n0.sw2>n0.nic5", "n0.nic5>leaf0", "leaf0>n1.nic5", "n1.nic5>n1.sw2", "n1.sw2>n1.gpu5");
  }

  @Test
  void gpusUnderOneBridgeShareItsHostRoute() {
    ClusterNetwork network = network("crusoe-l40s:8");
    int[] zero = network.gpuToHost(0).linkIds();
    int[] one = network.gpuToHost(1).linkIds();
    int[] two = network.gpuToHost(2).linkIds();
    assertThat(names(network, network.gpuToHost(0))).containsExactly("n0.gpu0>n0.sw0", "n0.sw0>n0.host");
    assertThat(zero[1]).isEqualTo(one[1]);
    assertThat(two[1]).isNotEqualTo(zero[1]);
    assertThat(names(network, network.hostToGpu(3))).containsExactly("n0.host>n0.sw1", "n0.sw1>n0.gpu3");
    assertThat(kinds(network, network.hostToGpu(3))).containsExactly(LinkKind.HOST_BRIDGE, LinkKind.PCIE);
  }

  @Test
  void aGpuAloneOnItsRootPortLinksStraightToTheHost() {
    ClusterNetwork network = network("crusoe-l40s:8", "gpus-per-pcie-switch=1");
    assertThat(names(network, network.gpuToHost(3))).containsExactly("n0.gpu3>n0.host");
    assertThat(names(network, network.gpuToHost(0))).containsExactly("n0.gpu0>n0.sw0", "n0.sw0>n0.host"); // shares with the NIC
  }

  @Test
  void sizeMatchesTheTopology() {
    ClusterNetwork network = network("crusoe-l40s:512");
    // per node: 8 GPUs + 1 NIC, 2 links each; 4 switch uplinks, 2 each; NIC to leaf, 2 each; 4 leaves × 4 spines × 2
    assertThat(network.links()).hasSize(64 * (9 * 2 + 4 * 2 + 2) + 4 * 4 * 2);
    assertThat(network.gpuCount()).isEqualTo(512);
  }
}
