package io.ringmaster.topology.gpu;

import io.ringmaster.topology.input.YamlValue;
import io.ringmaster.topology.preset.PresetKind;
import io.ringmaster.topology.preset.Presets;
import java.util.Set;

/** The GPU presets ({@code l40s}, {@code a100-80g-sxm}, ...), read from their YAML files. */
public final class GpuCatalog {
  private static final double TERA = 1e12;
  private static final double GIGA = 1e9;
  private static final long MEBI = 1L << 20;
  private static final Set<String> FIELDS = Set.of("bf16-tflops", "tf32-tflops", "fp32-tflops", "memory-mib",
      "memory-gb-per-s", "pcie-gb-per-s", "nvlink-gb-per-s");

  private GpuCatalog() {}

  public static GpuSpec byName(YamlValue.Scalar reference) {
    String name = reference.asString();
    YamlValue.Mapping doc = Presets.read(PresetKind.GPU, name, reference).asMapping().rejectUnknown(FIELDS);
    return new GpuSpec(
        name,
        doc.scalar("bf16-tflops").asPositiveDouble() * TERA,
        doc.scalar("tf32-tflops").asPositiveDouble() * TERA,
        doc.scalar("fp32-tflops").asPositiveDouble() * TERA,
        doc.scalar("memory-mib").asPositiveLong() * MEBI,
        doc.scalar("memory-gb-per-s").asPositiveDouble() * GIGA,
        doc.scalar("pcie-gb-per-s").asPositiveDouble() * GIGA,
        doc.scalar("nvlink-gb-per-s").asNonNegativeDouble() * GIGA);
  }
}
