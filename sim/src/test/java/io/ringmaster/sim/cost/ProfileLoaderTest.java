package io.ringmaster.sim.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmaster.topology.input.InputError;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileLoaderTest {
  @Test
  void everyPackagedProfileLoadsWithItsDatasheetPeaks() {
    for (String name : ProfileLoader.PACKAGED) {
      assertThat(ProfileLoader.load(name).name()).isEqualTo(name);
    }
    GpuProfile l40s = ProfileLoader.load("l40s");
    assertThat(l40s.peakFlopsPerSecond()).isEqualTo(362.05e12);
    assertThat(l40s.memoryBytesPerSecond()).isEqualTo(864e9);
    assertThat(ProfileLoader.load("h200-sxm").memoryBytesPerSecond()).isEqualTo(4800e9);
  }

  @Test
  void aUserProfileReplacesTheValues(@TempDir Path folder) throws Exception {
    Path file = folder.resolve("measured.yaml");
    Files.writeString(file, packaged().replace("value: 0.7", "value: 0.81"));
    assertThat(ProfileLoader.load(file.toString()).matmulEfficiency()).isEqualTo(0.81);
  }

  @Test
  void aConstantWithoutASourceIsRefusedNamingFileLineAndField(@TempDir Path folder) throws Exception {
    Path file = folder.resolve("bad.yaml");
    Files.writeString(file, packaged().replace(
        "peak-tflops: {value: 362.05, source: \"reference/hardware.md, datasheet: dense BF16 362.05 TFLOP/s (733 with sparsity)\"}",
        "peak-tflops: 362.05"));
    assertThatThrownBy(() -> ProfileLoader.load(file.toString()))
        .isInstanceOf(InputError.class)
        .hasMessageContaining(file.toString() + ":")
        .hasMessageContaining("peak-tflops: expected {value: ..., source:");
  }

  @Test
  void anEfficiencyAboveOneIsRefused(@TempDir Path folder) throws Exception {
    Path file = folder.resolve("bad.yaml");
    Files.writeString(file, packaged().replace("value: 0.7", "value: 1.7"));
    assertThatThrownBy(() -> ProfileLoader.load(file.toString()))
        .isInstanceOf(InputError.class)
        .hasMessageContaining("matmul-efficiency.value: expected a share of the peak in (0, 1], got 1.7");
  }

  @Test
  void anUnknownProfileListsTheKnownOnes() {
    assertThatThrownBy(() -> ProfileLoader.load("v100"))
        .isInstanceOf(InputError.class)
        .hasMessageStartingWith("command line: --profile: unknown GPU profile 'v100'; known: l40s, a100-80g-sxm");
  }

  private static String packaged() throws Exception {
    try (var in = ProfileLoader.class.getResourceAsStream("/profiles/l40s.yaml")) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
