package io.ringmaster.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Our CUDA kernels' own code, compiled as C++ against the CPU emulation of their device primitives and
 * run against a double-precision reference (scripts/emulate-kernels.sh): the one check of the .cu
 * sources that runs without a GPU. Needs g++.
 */
class KernelEmulationTest {
  @Test
  void everyKernelMatchesTheReferenceOnTheEmulatedDevice() throws IOException, InterruptedException {
    Assumptions.assumeTrue(onPath("g++"), "g++ is not on the PATH: the kernel emulation needs it");
    Path output = Files.createTempFile("kernel-emulation", ".txt");
    Process process = new ProcessBuilder("bash", "../scripts/emulate-kernels.sh")
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    boolean finished = process.waitFor(10, TimeUnit.MINUTES);
    if (!finished) process.destroyForcibly();
    String log = Files.readString(output, StandardCharsets.UTF_8);
    System.out.println(log);
    assertThat(finished).as("emulation finished within 10 minutes").isTrue();
    assertThat(process.exitValue()).as(log).isZero();
    assertThat(log).contains("OK: 0 failed comparison(s)").doesNotContain("FAIL ");
    assertThat(log.lines().filter(line -> line.startsWith("PASS "))).hasSizeGreaterThan(90);
  }

  private static boolean onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String directory : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(directory, program))) return true;
    }
    return false;
  }
}
