package io.ringmaster.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.kernels.cuda.CudaProbe;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DoctorCommandTest {
  @Test
  void reportsEveryItemAndExplainsTheBackendChoiceInOneLine() {
    StringWriter text = new StringWriter();
    CommandLine command = new CommandLine(new DoctorCommand()).setOut(new PrintWriter(text));
    assertThat(command.execute()).isZero();
    List<String> lines = text.toString().lines().toList();
    assertThat(lines).anyMatch(line -> line.startsWith("java     " + System.getProperty("java.version")))
        .anyMatch(line -> line.matches("cpu      \\d+ cores"))
        .anyMatch(line -> line.startsWith("memory   "))
        .anyMatch(line -> line.startsWith("djl      PyTorch 2.7.1 engine (DJL 0.36.0)"))
        .anyMatch(line -> line.startsWith("ptx      "));
    CudaProbe cuda = CudaProbe.once();
    String backends = lines.stream().filter(line -> line.startsWith("backends ")).findFirst().orElseThrow();
    if (cuda.available()) {
      assertThat(lines).anyMatch(line -> line.startsWith("cuda     driver " + cuda.driverVersion()));
      assertThat(backends).isEqualTo("backends cpu, cuda (auto picks cuda)");
    } else {
      assertThat(lines).contains("cuda     unavailable: " + cuda.reason());
      assertThat(backends).isEqualTo("backends cpu (auto falls back to cpu: " + cuda.reason() + ")");
    }
  }
}
