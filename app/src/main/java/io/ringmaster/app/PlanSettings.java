package io.ringmaster.app;

import io.ringmaster.topology.cluster.ClusterCatalog;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlValue.Scalar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The options that override a plan's settings and its cluster's fields, shared by the commands that
 * read plans ({@code plan}, {@code simulate}, {@code whatif}), and the {@code --format} they all take.
 */
final class PlanSettings {
  @Option(names = "--model", paramLabel = "M", description = "llama-3-8b, llama-3-70b, llama-2-7b, llama-2-13b, or a Hugging Face config.json path.")
  private Optional<String> model;

  @Option(names = "--cluster", paramLabel = "C", description = "A preset (crusoe-l40s, dgx-a100, dgx-h100), with a size in GPUs if you like (dgx-a100:64), or a cluster YAML path.")
  private Optional<String> cluster;

  @Option(names = "--set", paramLabel = "FIELD=VALUE", description = "Override a cluster field, e.g. nic-gbps=200 (repeatable).")
  private List<String> clusterSets = new ArrayList<>();

  @Option(names = "--zero", paramLabel = "Z", description = "ZeRO stage 0-3; default 3.")
  private Optional<String> zero;

  @Option(names = "--offload", paramLabel = "MODE", description = "none | optimizer | optimizer+parameters; default none.")
  private Optional<String> offload;

  @Option(names = "--checkpointing", paramLabel = "MODE", description = "none | full; default full.")
  private Optional<String> checkpointing;

  @Option(names = "--precision", paramLabel = "P", description = "bf16 | fp32; default bf16.")
  private Optional<String> precision;

  @Option(names = "--layout", paramLabel = "L", description = "ring | zigzag | stripe; default zigzag.")
  private Optional<String> layout;

  @Option(names = "--placement", paramLabel = "P", description = "packed | spread: how rings are laid on the nodes; default the plan's (packed).")
  private Optional<String> placement;

  Optional<String> model() {
    return model;
  }

  Optional<String> cluster() {
    return cluster;
  }

  /** Plan-wide fields given as options, keyed as in a plan file. */
  Map<String, Scalar> settingOverrides() {
    Map<String, Scalar> overrides = new LinkedHashMap<>();
    model.ifPresent(v -> overrides.put("model", option("--model", v)));
    cluster.ifPresent(v -> overrides.put("cluster", option("--cluster", v)));
    zero.ifPresent(v -> overrides.put("zero", option("--zero", v)));
    offload.ifPresent(v -> overrides.put("offload", option("--offload", v)));
    checkpointing.ifPresent(v -> overrides.put("checkpointing", option("--checkpointing", v)));
    precision.ifPresent(v -> overrides.put("precision", option("--precision", v)));
    layout.ifPresent(v -> overrides.put("layout", option("--layout", v)));
    placement.ifPresent(v -> overrides.put("placement", option("--placement", v)));
    return overrides;
  }

  Map<String, Scalar> clusterOverrides() {
    return ClusterCatalog.overrides(clusterSets, "--set");
  }

  static Scalar option(String name, String value) {
    return new Scalar(value, Origin.commandLine(), name);
  }

  /** {@code --format}: true for json, false for table. */
  static boolean json(String format) {
    return switch (format) {
      case "json" -> true;
      case "table" -> false;
      default -> throw new InputError(Origin.commandLine(), "--format", "expected table | json, got '" + format + "'");
    };
  }
}
