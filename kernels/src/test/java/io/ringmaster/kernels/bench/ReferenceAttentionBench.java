package io.ringmaster.kernels.bench;

import com.sun.management.OperatingSystemMXBean;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.SeededTensors;
import io.ringmaster.kernels.TokenPositions;
import io.ringmaster.kernels.reference.ReferenceAttention;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Times {@link ReferenceAttention#withRope} (forward and backward, causal, GQA 8/2, d 64) on the whole
 * sequence: the reference {@code ringmaster run --check} compares the ring with (default 8K tokens).
 * FLOPs as in {@link CpuAttentionBench}: 14·pairs·Hq·d for forward and backward, useful pairs only.
 *
 * <p>Run (no DJL involved, so plain {@code java}; {@code -Dexec.args} would also replace the arguments of
 * the module's PTX build step): {@code DJL_OFFLINE=true mvn -q -pl kernels test-compile}, then
 * {@code java -cp kernels/target/classes:kernels/target/test-classes
 * io.ringmaster.kernels.bench.ReferenceAttentionBench [2048 8192]}
 */
public final class ReferenceAttentionBench {
  private static final HeadLayout HEADS = new HeadLayout(8, 2, 64);
  /** Llama-3's rope_theta (reference/models.md). */
  private static final double THETA = 500_000;
  /** The processor time of the whole JVM: on a shared machine it says what the work costs, the wall time what it got. */
  private static final OperatingSystemMXBean PROCESS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private ReferenceAttentionBench() {}

  public static void main(String[] args) {
    int[] sequences = args.length == 0 ? new int[] {2048, 8192} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    System.out.printf("ReferenceAttention.withRope, causal, %d query / %d KV heads, head dim %d; %d JVM processors%n",
        HEADS.queryHeads(), HEADS.kvHeads(), HEADS.headDim(), Runtime.getRuntime().availableProcessors());
    for (int tokens : sequences) {
      SeededTensors random = new SeededTensors(tokens);
      HostTensor q = random.normal(tokens, HEADS.queryHeads(), HEADS.headDim());
      HostTensor k = random.normal(tokens, HEADS.kvHeads(), HEADS.headDim());
      HostTensor v = random.normal(tokens, HEADS.kvHeads(), HEADS.headDim());
      HostTensor dOut = random.normal(tokens, HEADS.queryHeads(), HEADS.headDim());
      TokenPositions positions = TokenPositions.contiguous(0, tokens);
      long start = System.nanoTime();
      long startCpu = PROCESS.getProcessCpuTime();
      ReferenceAttention.withRope(q, k, v, dOut, positions, Masking.CAUSAL, THETA);
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpuSeconds = (PROCESS.getProcessCpuTime() - startCpu) / 1e9;
      double gigaFlop = 14.0 * ((long) tokens * (tokens + 1) / 2) * HEADS.queryHeads() * HEADS.headDim() / 1e9;
      System.out.printf("%,6d tokens: %.2f s (%.2f useful GFLOP/s); %.2f processor s (%.2f GFLOP/s per processor)%n",
          tokens, seconds, gigaFlop / seconds, cpuSeconds, gigaFlop / cpuSeconds);
    }
  }
}
