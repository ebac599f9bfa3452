package io.ringmaster.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our CUDA kernels' own code, compiled as C++ against the CPU emulation of their device primitives and
 * run against a double-precision reference (scripts/emulate-kernels.sh): the one check of the .cu
 * sources that runs without a GPU. Needs g++.
 */
class KernelEmulationTest {
  @BeforeEach
  void needsGplusplus() {
    Assumptions.assumeTrue(onPath("g++"), "g++ is not on the PATH: the kernel emulation needs it");
  }

  @Test
  void everyKernelMatchesTheReferenceOnTheEmulatedDevice() throws IOException, InterruptedException {
    String log = emulate(Map.of());
    assertThat(log.lines().filter(line -> line.startsWith("PASS "))).hasSizeGreaterThan(90);
  }

  /**
   * The same kernels with every cp.async copy landing as soon as it is issued: a refill issued while the
   * buffer is still being read passes the default schedule (copies land at their wait) but not this one
   * (a single-buffered V in the mma.sync forward, tried on purpose, fails here and passes the default
   * run). The first two shapes (--quick) keep it to seconds; the first walks 4 KV tiles of 64 keys and 4
   * query tiles of 64 rows, so the mma.sync kernels refill both buffers.
   */
  @Test
  void kernelsMatchWhenCopiesLandAsSoonAsIssued() throws IOException, InterruptedException {
    String log = emulate(Map.of("RM_EMULATED_COPIES", "early"), "--quick");
    assertThat(log.lines().filter(line -> line.startsWith("PASS "))).hasSizeGreaterThan(40);
  }

  private static String emulate(Map<String, String> environment, String... options)
      throws IOException, InterruptedException {
    Path output = Files.createTempFile("kernel-emulation", ".txt");
    List<String> command = new ArrayList<>(List.of("bash", "../scripts/emulate-kernels.sh"));
    command.addAll(List.of(options));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    boolean finished = process.waitFor(10, TimeUnit.MINUTES);
    if (!finished) process.destroyForcibly();
    String log = Files.readString(output, StandardCharsets.UTF_8);
    Files.delete(output);
    System.out.println(log);
    assertThat(finished).as("emulation finished within 10 minutes").isTrue();
    assertThat(process.exitValue()).as(log).isZero();
    assertThat(log).contains("OK: 0 failed comparison(s)").doesNotContain("FAIL ");
    return log;
  }

  private static boolean onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String directory : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(directory, program))) return true;
    }
    return false;
  }
}
