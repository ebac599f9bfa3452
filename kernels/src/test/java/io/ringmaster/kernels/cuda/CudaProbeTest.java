package io.ringmaster.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CudaProbeTest {
  @Test
  void eitherFindsADeviceOrGivesOneLineWhy() {
    CudaProbe probe = CudaProbe.once();
    if (probe.available()) {
      assertThat(probe.devices()).isNotEmpty();
      assertThat(probe.driverVersion()).matches("\\d+\\.\\d+");
      assertThat(probe.ptx().present()).isTrue();
    } else {
      assertThat(probe.reason()).isNotBlank().doesNotContain("\n");
    }
  }

  @Test
  void jcudasLoadFailureBecomesTheMissingLibrary() {
    UnsatisfiedLinkError error = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
        + "Operating system name: Linux\n---(start of nested stack traces)---\n"
        + "Stack trace from the attempt to load the library as a file:\n"
        + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory");
    assertThat(CudaProbe.linkFailure(error)).isEqualTo("libcuda.so.1 not found (JCuda's native library cannot load)");
  }

  @Test
  void otherLinkFailuresKeepTheirFirstLine() {
    assertThat(CudaProbe.linkFailure(new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver\nmore")))
        .isEqualTo("NoClassDefFoundError: Could not initialize class jcuda.driver.JCudaDriver");
  }
}
