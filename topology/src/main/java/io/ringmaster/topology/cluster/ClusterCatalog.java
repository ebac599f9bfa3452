package io.ringmaster.topology.cluster;

import io.ringmaster.topology.fabric.FabricSpec;
import io.ringmaster.topology.fabric.LeafSpine;
import io.ringmaster.topology.fabric.SingleSwitch;
import io.ringmaster.topology.gpu.GpuCatalog;
import io.ringmaster.topology.gpu.GpuSpec;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlReader;
import io.ringmaster.topology.input.YamlValue;
import io.ringmaster.topology.input.YamlValue.Mapping;
import io.ringmaster.topology.input.YamlValue.Scalar;
import io.ringmaster.topology.node.NicSpec;
import io.ringmaster.topology.node.NodeSpec;
import io.ringmaster.topology.node.PcieTree;
import io.ringmaster.topology.preset.PresetKind;
import io.ringmaster.topology.preset.Presets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Resolves a cluster reference: a preset name with an optional size suffix in GPUs
 * ({@code crusoe-l40s:512}, {@code dgx-a100:8}) or the path of a cluster YAML file of the same
 * format, then applies field overrides ({@code --set nic-gbps=200}). A size that does not fill whole
 * nodes rounds up to whole nodes.
 */
public final class ClusterCatalog {
  /** Every field of a cluster document; each is also an override key. */
  public static final Set<String> FIELDS = Set.of("gpu", "gpu-memory-mib", "gpus-per-node", "nodes",
      "gpus-per-pcie-switch", "host-bridge-gb-per-s", "pcie-p2p", "pcie-latency-us", "nvlink-latency-us",
      "host-memory-gib", "nics", "nic-gbps", "nic-latency-us", "gpudirect-rdma", "fabric", "nodes-per-leaf",
      "spines", "oversubscription", "fabric-latency-us");

  private static final double GIGA = 1e9;
  private static final double MICRO = 1e-6;
  private static final long MEBI = 1L << 20;
  private static final long GIBI = 1L << 30;

  private ClusterCatalog() {}

  public static ClusterSpec resolve(Scalar reference) {
    return resolve(reference, Path.of(""), Map.of());
  }

  /**
   * @param baseDirectory where a relative cluster file path is looked up (the plan file's folder)
   * @param overrides field name to value, applied in order after the document is read
   */
  public static ClusterSpec resolve(Scalar reference, Path baseDirectory, Map<String, Scalar> overrides) {
    String text = reference.asString();
    int colon = text.lastIndexOf(':');
    String base = colon < 0 ? text : text.substring(0, colon);
    Mapping doc = open(base, reference, baseDirectory).asMapping().rejectUnknown(FIELDS);
    for (Map.Entry<String, Scalar> override : overrides.entrySet()) {
      if (!FIELDS.contains(override.getKey())) {
        throw InputError.at(override.getValue(), "unknown cluster field '" + override.getKey() + "'; known: "
            + String.join(", ", new TreeSet<>(FIELDS)));
      }
      doc = doc.with(override.getKey(), override.getValue());
    }
    NodeSpec node = node(doc);
    int nodes = colon < 0 || overrides.containsKey("nodes")
        ? doc.scalar("nodes").asPositiveInt()
        : nodesForGpus(reference, text.substring(colon + 1), node.gpus());
    return new ClusterSpec(name(base, nodes * node.gpus(), overrides), nodes, node, fabric(doc));
  }

  private static YamlValue open(String base, Scalar reference, Path baseDirectory) {
    if (PresetKind.CLUSTER.has(base)) {
      return Presets.read(PresetKind.CLUSTER, base, reference);
    }
    if (base.endsWith(".yaml") || base.endsWith(".yml")) {
      return YamlReader.readFile(baseDirectory.resolve(base), reference);
    }
    throw Presets.unknown(PresetKind.CLUSTER, reference, " (or the path of a cluster .yaml file)");
  }

  private static int nodesForGpus(Scalar reference, String size, int gpusPerNode) {
    long gpus;
    try {
      gpus = Long.parseLong(size);
    } catch (NumberFormatException e) {
      throw InputError.at(reference, "expected NAME or NAME:GPUS such as crusoe-l40s:512, got '" + reference.text() + "'");
    }
    if (gpus <= 0 || gpus > 1_000_000) {
      throw InputError.at(reference, "expected a positive number of GPUs after ':', got " + size);
    }
    return (int) ((gpus + gpusPerNode - 1) / gpusPerNode);
  }

  private static String name(String base, int gpus, Map<String, Scalar> overrides) {
    String shortBase = Path.of(base).getFileName().toString();
    String sets = overrides.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue().text().trim())
        .collect(Collectors.joining(", "));
    return shortBase + ":" + gpus + (sets.isEmpty() ? "" : " (" + sets + ")");
  }

  private static NodeSpec node(Mapping doc) {
    GpuSpec gpu = GpuCatalog.byName(doc.scalar("gpu"));
    if (doc.optional("gpu-memory-mib").isPresent()) {
      long memoryBytes = doc.scalar("gpu-memory-mib").asPositiveLong() * MEBI;
      gpu = new GpuSpec(gpu.name(), gpu.bf16FlopsPerSecond(), gpu.tf32FlopsPerSecond(), gpu.fp32FlopsPerSecond(),
          memoryBytes, gpu.memoryBytesPerSecond(), gpu.pcieBytesPerSecond(), gpu.nvlinkBytesPerSecond());
    }
    PcieTree pcie = new PcieTree(
        doc.scalar("gpus-per-pcie-switch").asPositiveInt(),
        doc.scalar("host-bridge-gb-per-s").asPositiveDouble() * GIGA,
        doc.scalar("pcie-p2p").asBoolean(),
        doc.scalar("pcie-latency-us").asNonNegativeDouble() * MICRO);
    NicSpec nics = new NicSpec(
        doc.scalar("nics").asPositiveInt(),
        doc.scalar("nic-gbps").asPositiveDouble(),
        doc.scalar("nic-latency-us").asNonNegativeDouble() * MICRO,
        doc.scalar("gpudirect-rdma").asBoolean());
    double nvlinkLatencySeconds = gpu.hasNvlink() ? doc.scalar("nvlink-latency-us").asNonNegativeDouble() * MICRO : 0;
    return new NodeSpec(gpu, doc.scalar("gpus-per-node").asPositiveInt(), pcie, nics,
        doc.scalar("host-memory-gib").asPositiveLong() * GIBI, nvlinkLatencySeconds);
  }

  private static FabricSpec fabric(Mapping doc) {
    Scalar kind = doc.scalar("fabric");
    double latencySeconds = doc.scalar("fabric-latency-us").asNonNegativeDouble() * MICRO;
    return switch (kind.asString()) {
      case "switch" -> new SingleSwitch(latencySeconds);
      case "leaf-spine" -> new LeafSpine(
          doc.scalar("nodes-per-leaf").asPositiveInt(),
          doc.scalar("spines").asPositiveInt(),
          doc.scalar("oversubscription").asPositiveDouble(),
          latencySeconds);
      default -> throw InputError.at(kind, "expected switch | leaf-spine, got '" + kind.text() + "'");
    };
  }

  /** Overrides as given on a command line ({@code KEY=VALUE}), each remembering where it came from. */
  public static Map<String, Scalar> overrides(Iterable<String> assignments, String option) {
    Map<String, Scalar> overrides = new LinkedHashMap<>();
    for (String assignment : assignments) {
      int equals = assignment.indexOf('=');
      if (equals <= 0) {
        throw new InputError(Origin.commandLine(), option,
            "expected KEY=VALUE such as nic-gbps=200, got '" + assignment + "'");
      }
      String key = assignment.substring(0, equals).trim();
      overrides.put(key, new Scalar(assignment.substring(equals + 1),
          Origin.commandLine(), option + " " + key));
    }
    return overrides;
  }
}
