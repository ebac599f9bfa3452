package io.ringmaster.sim.cost;

import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlReader;
import io.ringmaster.topology.input.YamlValue;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Reads a GPU cost profile: a packaged one by GPU name ({@code l40s}, {@code a100-80g-sxm}, ...) or a
 * YAML file a user wrote with measured values. Every constant is a mapping with its value and its
 * source, in human units: {@code matmul-efficiency: {value: 0.7, source: "..."}}. A constant without a
 * source is refused: a profile is evidence, not a guess without a name.
 */
public final class ProfileLoader {
  public static final List<String> PACKAGED = List.of("l40s", "a100-80g-sxm", "a100-40g-sxm", "h100-sxm", "h200-sxm", "cpu");
  private static final Set<String> FIELDS = Set.of("gpu", "peak-tflops", "memory-gb-per-s", "matmul-efficiency",
      "attention-efficiency", "masked-block-efficiency", "memory-efficiency", "block-overhead-us",
      "host-cores-per-gpu", "host-adam-gparams-per-s-per-core", "host-memory-gb-per-s-per-gpu");

  private ProfileLoader() {}

  /** A packaged profile by name, or a profile file by path, as given with {@code --profile}. */
  public static GpuProfile load(String nameOrPath) {
    return load(new YamlValue.Scalar(nameOrPath, Origin.commandLine(), "--profile"));
  }

  /**
   * A packaged profile by name, or a profile file by path (ending in .yaml or .yml); an unknown name or a
   * missing file is reported at {@code reference} (the option or field that gave it).
   */
  private static GpuProfile load(YamlValue.Scalar reference) {
    String nameOrPath = reference.asString();
    if (nameOrPath.endsWith(".yaml") || nameOrPath.endsWith(".yml")) {
      return read(YamlReader.readFile(Path.of(nameOrPath), reference));
    }
    if (!PACKAGED.contains(nameOrPath)) {
      throw InputError.at(reference, "unknown GPU profile '" + nameOrPath + "'; known: "
          + String.join(", ", PACKAGED) + " (or the path of a profile .yaml file)");
    }
    return read(YamlReader.readResource(ProfileLoader.class, "/profiles/" + nameOrPath + ".yaml",
        "profiles/" + nameOrPath + ".yaml"));
  }

  private static GpuProfile read(YamlValue document) {
    YamlValue.Mapping doc = document.asMapping().rejectUnknown(FIELDS);
    return new GpuProfile(
        doc.scalar("gpu").asString(),
        constant(doc, "peak-tflops") * 1e12,
        constant(doc, "memory-gb-per-s") * 1e9,
        share(doc, "matmul-efficiency"),
        share(doc, "attention-efficiency"),
        share(doc, "masked-block-efficiency"),
        share(doc, "memory-efficiency"),
        nonNegative(doc, "block-overhead-us") * 1e-6,
        constant(doc, "host-cores-per-gpu"),
        constant(doc, "host-adam-gparams-per-s-per-core") * 1e9,
        constant(doc, "host-memory-gb-per-s-per-gpu") * 1e9);
  }

  private static double constant(YamlValue.Mapping doc, String field) {
    return sourced(doc, field).asPositiveDouble();
  }

  private static double nonNegative(YamlValue.Mapping doc, String field) {
    return sourced(doc, field).asNonNegativeDouble();
  }

  private static double share(YamlValue.Mapping doc, String field) {
    YamlValue.Scalar value = sourced(doc, field);
    double share = value.asPositiveDouble();
    if (share > 1) {
      throw InputError.at(value, "expected a share of the peak in (0, 1], got " + value.text());
    }
    return share;
  }

  /** The value of a {@code {value, source}} constant, once its source is checked to be there. */
  private static YamlValue.Scalar sourced(YamlValue.Mapping doc, String field) {
    YamlValue entry = doc.require(field);
    if (!(entry instanceof YamlValue.Mapping constant)) {
      throw InputError.at(entry, "expected {value: ..., source: \"where the value comes from\"}");
    }
    constant.rejectUnknown(Set.of("value", "source"));
    constant.scalar("source").asString();
    return constant.scalar("value");
  }
}
