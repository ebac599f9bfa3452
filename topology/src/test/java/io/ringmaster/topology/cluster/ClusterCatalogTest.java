package io.ringmaster.topology.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmaster.topology.fabric.LeafSpine;
import io.ringmaster.topology.fabric.SingleSwitch;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlValue.Scalar;
import io.ringmaster.topology.preset.PresetKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterCatalogTest {
  static ClusterSpec cluster(String reference, String... sets) {
    return ClusterCatalog.resolve(new Scalar(reference, Origin.commandLine(), "--cluster"), Path.of(""),
        ClusterCatalog.overrides(List.of(sets), "--set"));
  }

  @Test
  void everyPresetLoads() {
    for (String name : PresetKind.CLUSTER.names()) {
      ClusterSpec cluster = cluster(name);
      assertThat(cluster.gpuCount()).isPositive();
      assertThat(cluster.name()).startsWith(name + ":");
    }
  }

  @Test
  void sizeSuffixCountsGpus() {
    assertThat(cluster("crusoe-l40s:512").nodes()).isEqualTo(64);
    assertThat(cluster("crusoe-l40s:32").nodes()).isEqualTo(4);
    assertThat(cluster("dgx-a100:8").nodes()).isEqualTo(1);
    assertThat(cluster("dgx-h100:64").gpuCount()).isEqualTo(64);
    assertThat(cluster("dgx-h100").gpuCount()).isEqualTo(64); // the preset's default size
  }

  @Test
  void aSizeThatDoesNotFillNodesRoundsUpToWholeNodes() {
    ClusterSpec tenGpuNodes = cluster("crusoe-l40s:512", "gpus-per-node=10");
    assertThat(tenGpuNodes.nodes()).isEqualTo(52);
    assertThat(tenGpuNodes.gpuCount()).isEqualTo(520);
  }

  @Test
  void crusoePresetStatesItsAssumptions() {
    ClusterSpec crusoe = cluster("crusoe-l40s:512");
    assertThat(crusoe.node().gpu().name()).isEqualTo("l40s");
    assertThat(crusoe.node().hasNvlink()).isFalse();
    assertThat(crusoe.node().gpu().memoryBytes()).isEqualTo(46_068L << 20);
    assertThat(crusoe.node().nics().gbps()).isEqualTo(175);
    assertThat(crusoe.node().nics().gpuDirectRdma()).isFalse();
    assertThat(crusoe.fabric()).isInstanceOf(LeafSpine.class);
  }

  @Test
  void oneLineOverridesChangeAField() {
    ClusterSpec faster = cluster("crusoe-l40s:512", "nic-gbps=200", "fabric=switch", "gpu-memory-mib=49140");
    assertThat(faster.node().nics().bytesPerSecond()).isEqualTo(25e9);
    assertThat(faster.fabric()).isInstanceOf(SingleSwitch.class);
    assertThat(faster.node().gpu().memoryBytes()).isEqualTo(49_140L << 20);
    assertThat(faster.name()).isEqualTo("crusoe-l40s:512 (nic-gbps=200, fabric=switch, gpu-memory-mib=49140)");
    assertThat(cluster("crusoe-l40s:512", "nodes=2").gpuCount()).isEqualTo(16);
  }

  @Test
  void aClusterFileOfTheSameFormatWorks(@TempDir Path dir) throws Exception {
    String preset = new String(ClusterCatalog.class.getResourceAsStream(
        "/io/ringmaster/topology/preset/cluster/dgx-a100.yaml").readAllBytes()).replace("nic-gbps: 200", "nic-gbps: 100");
    Path file = dir.resolve("my-dgx.yaml");
    Files.writeString(file, preset);
    ClusterSpec mine = cluster(file + ":16");
    assertThat(mine.node().nics().gbps()).isEqualTo(100);
    assertThat(mine.nodes()).isEqualTo(2);
    assertThat(mine.name()).isEqualTo("my-dgx.yaml:16");
  }

  @Test
  void unknownPresetListsTheKnownOnes() {
    assertThatThrownBy(() -> cluster("lambda-h100:8"))
        .isInstanceOf(InputError.class)
        .hasMessage("command line: --cluster: unknown cluster 'lambda-h100:8'; known: crusoe-l40s, dgx-a100, dgx-h100,"
            + " local-cpu (or the path of a cluster .yaml file)");
  }

  @Test
  void badSizeSuffixIsNamed() {
    assertThatThrownBy(() -> cluster("dgx-a100:0"))
        .hasMessage("command line: --cluster: expected a positive number of GPUs after ':', got 0");
    assertThatThrownBy(() -> cluster("dgx-a100:eight"))
        .hasMessageContaining("--cluster: expected NAME or NAME:GPUS");
  }

  @Test
  void badOverridesAreNamed() {
    assertThatThrownBy(() -> cluster("dgx-a100:8", "nic-gbs=200"))
        .hasMessageStartingWith("command line: --set nic-gbs: unknown cluster field 'nic-gbs'; known: fabric,");
    assertThatThrownBy(() -> cluster("dgx-a100:8", "nic-gbps=0"))
        .hasMessage("command line: --set nic-gbps: expected a positive number, got 0");
    assertThatThrownBy(() -> cluster("dgx-a100:8", "nics=-2"))
        .hasMessage("command line: --set nics: expected a positive whole number, got -2");
    assertThatThrownBy(() -> cluster("dgx-a100:8", "gpu=b200"))
        .hasMessageContaining("--set gpu: unknown gpu 'b200'; known: l40s, a100-80g-sxm");
    assertThatThrownBy(() -> ClusterCatalog.overrides(List.of("nic-gbps"), "--set"))
        .hasMessage("command line: --set: expected KEY=VALUE such as nic-gbps=200, got 'nic-gbps'");
  }

  @Test
  void badClusterFileNamesFileLineAndField(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.yaml");
    String preset = new String(ClusterCatalog.class.getResourceAsStream(
        "/io/ringmaster/topology/preset/cluster/crusoe-l40s.yaml").readAllBytes());
    Files.writeString(file, preset.replace("gpus-per-node: 8", "gpus-per-node: 0"));
    int line = (int) preset.substring(0, preset.indexOf("gpus-per-node: 8")).lines().count() + 1;
    assertThatThrownBy(() -> ClusterCatalog.resolve(new Scalar(file.toString(), Origin.commandLine(), "--cluster"),
        Path.of(""), Map.of()))
        .hasMessage(file + ":" + line + ":16: gpus-per-node: expected a positive whole number, got 0");
  }
}
