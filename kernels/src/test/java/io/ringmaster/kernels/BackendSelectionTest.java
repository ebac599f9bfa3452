package io.ringmaster.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmaster.kernels.cuda.CudaProbe;
import org.junit.jupiter.api.Test;

class BackendSelectionTest {
  @Test
  void parsesTheThreeChoicesAndNamesAWrongOne() {
    assertThat(BackendSelection.Choice.parse(" Auto ")).isEqualTo(BackendSelection.Choice.AUTO);
    assertThat(BackendSelection.Choice.parse("cuda")).isEqualTo(BackendSelection.Choice.CUDA);
    assertThatThrownBy(() -> BackendSelection.Choice.parse("gpu"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("device must be cpu, cuda or auto, not 'gpu'");
  }

  @Test
  void autoTakesCudaWhereUsableElseCpuWithTheProbesReason() {
    CudaProbe probe = CudaProbe.once();
    BackendSelection selection = BackendSelection.open(BackendSelection.Choice.AUTO, 0);
    try (AttentionBackend backend = selection.backend()) {
      if (probe.available()) {
        assertThat(backend.name()).startsWith("cuda (");
        assertThat(selection.note()).isEqualTo("auto: cuda (GPU 0)");
      } else {
        assertThat(backend.name()).startsWith("cpu (");
        assertThat(selection.note()).isEqualTo("auto: cpu, because " + probe.reason());
      }
    }
  }

  @Test
  void cudaOnAMachineWithoutItFailsWithTheReason() {
    CudaProbe probe = CudaProbe.once();
    if (probe.available()) {
      try (AttentionBackend backend = BackendSelection.open(BackendSelection.Choice.CUDA, 0).backend()) {
        assertThat(backend.name()).startsWith("cuda (");
      }
    } else {
      assertThatThrownBy(() -> BackendSelection.open(BackendSelection.Choice.CUDA, 0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("cuda backend unavailable: " + probe.reason());
    }
  }
}
