package io.ringmaster.kernels.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.AttentionBackendContract;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.RingProblem;
import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.ring.RingAttention;
import org.junit.jupiter.api.Test;

/** The contract on the DJL backend with 64-row tiles, so the 600-token problems tile raggedly. */
class CpuAttentionBackendTest extends AttentionBackendContract {
  private static final int TILE_ROWS = 64;

  @Override
  protected AttentionBackend createBackend() {
    return CpuAttentionBackend.create(TILE_ROWS);
  }

  @Test
  void ringLoopsHoldNoNativeArrays() {
    CpuAttentionBackend cpu = (CpuAttentionBackend) backend();
    RingProblem problem = RingProblem.of(512, Masking.CAUSAL);
    RingAttention ring = new RingAttention(
        cpu, problem.setup(ShardLayout.ZIGZAG, 4, Masking.CAUSAL, RingProblem.LLAMA3_THETA));
    int before = cpu.liveArrays();
    for (int run = 0; run < 5; run++) {
      ring.run(problem.q, problem.k, problem.v, problem.dOut);
      assertThat(cpu.liveArrays()).as("arrays held after run " + run).isEqualTo(before);
    }
  }

  @Test
  void namesEngineAndTiles() {
    assertThat(backend().name()).startsWith("cpu (DJL 0.36.0, PyTorch 2.7.1").contains("64-row tiles");
  }
}
