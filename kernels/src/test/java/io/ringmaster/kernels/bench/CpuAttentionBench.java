package io.ringmaster.kernels.bench;

import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.BlockGradients;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.PartialAttention;
import io.ringmaster.kernels.QueryTilePlan;
import io.ringmaster.kernels.RotaryEmbedding;
import io.ringmaster.kernels.SeededTensors;
import io.ringmaster.kernels.Tensor;
import io.ringmaster.kernels.TokenPositions;
import io.ringmaster.kernels.cpu.CpuAttentionBackend;
import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.layout.Sharding;
import io.ringmaster.kernels.ring.RingAttention;
import io.ringmaster.kernels.ring.RingOutcome;
import io.ringmaster.kernels.ring.RingSetup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * CPU microbenchmarks of the DJL backend, printed for the cost model of the {@code local-cpu}
 * topology (issue 3) and as the one-process baseline of the live benchmark (issue 4). FLOPs follow
 * reference/ring-attention.md: forward 4·pairs·Hq·d (QKᵀ and PV), backward 2.5× that (QKᵀ recomputed,
 * dP, dQ, dK, dV); "useful" counts only the (query, key) pairs the causal mask lets through.
 *
 * <p>Run: {@code DJL_OFFLINE=true mvn -q -pl kernels test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.ringmaster.kernels.bench.CpuAttentionBench [-Dexec.args="256 512 1024"]}
 */
public final class CpuAttentionBench {
  private static final HeadLayout HEADS = new HeadLayout(8, 2, 64);
  /** Repeats per figure; the best one is printed, as the machine is shared and noise only slows. */
  private static final int REPEATS = 5;
  private static final int RING_SEQUENCE = 8192;
  private static final int RING_SIZE = 4;
  /** Llama-3's rope_theta (reference/models.md). */
  private static final double THETA = 500_000;

  private CpuAttentionBench() {}

  public static void main(String[] args) throws IOException {
    int[] blockTokens = args.length == 0
        ? new int[] {256, 512, 1024, 2048}
        : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    try (CpuAttentionBackend backend = CpuAttentionBackend.create()) {
      System.out.printf("backend %s; %d JVM processors; heads %d query / %d KV, head dim %d; best of %d%n",
          backend.name(), Runtime.getRuntime().availableProcessors(), HEADS.queryHeads(), HEADS.kvHeads(),
          HEADS.headDim(), REPEATS);
      blocks(backend, blockTokens);
      tiles();
      rings(backend);
      memory(backend);
    }
  }

  /** One block of c queries against c keys: dense (no mask) and causal diagonal. */
  private static void blocks(AttentionBackend backend, int[] blockTokens) {
    System.out.println();
    System.out.println("block   | dense fwd s  GFLOP/s | dense bwd s  GFLOP/s | diagonal fwd s  useful GFLOP/s | diagonal bwd s  useful GFLOP/s");
    for (int tokens : blockTokens) {
      TokenPositions positions = TokenPositions.contiguous(0, tokens);
      Timing dense = time(backend, tokens, positions, Masking.NONE);
      Timing diagonal = time(backend, tokens, positions, Masking.CAUSAL);
      System.out.printf("%7d | %10.4f %8.2f | %10.4f %8.2f | %13.4f %15.2f | %13.4f %15.2f%n", tokens,
          dense.forwardSeconds, dense.forwardGflops(), dense.backwardSeconds, dense.backwardGflops(),
          diagonal.forwardSeconds, diagonal.forwardGflops(), diagonal.backwardSeconds, diagonal.backwardGflops());
    }
  }

  /** The query tile size trades masked work on the diagonal against per-call overhead. */
  private static void tiles() {
    int tokens = 2048;
    System.out.println();
    System.out.println("tile rows | diagonal " + tokens + ": fwd s  useful GFLOP/s | bwd s  useful GFLOP/s | computed/useful pairs");
    TokenPositions positions = TokenPositions.contiguous(0, tokens);
    for (int tileRows : new int[] {64, 128, 256, 512, 1024}) {
      try (CpuAttentionBackend backend = CpuAttentionBackend.create(tileRows)) {
        Timing timing = time(backend, tokens, positions, Masking.CAUSAL);
        double waste = (double) QueryTilePlan.of(positions, positions, Masking.CAUSAL, tileRows).computedPairs()
            / QueryTilePlan.visiblePairs(positions, positions, Masking.CAUSAL);
        System.out.printf("%9d | %27.4f %15.2f | %5.4f %15.2f | %.3f%n", tileRows, timing.forwardSeconds,
            timing.forwardGflops(), timing.backwardSeconds, timing.backwardGflops(), waste);
      }
    }
  }

  /** The whole ring in one process: the baseline the live benchmark divides by. */
  private static void rings(AttentionBackend backend) {
    System.out.println();
    System.out.printf("in-process ring, causal, %d tokens, ring of %d, best of 2 | fwd s  bwd s  tokens/s (fwd+bwd)  useful GFLOP/s%n",
        RING_SEQUENCE, RING_SIZE);
    SeededTensors random = new SeededTensors(1);
    HostTensor q = random.normal(RING_SEQUENCE, HEADS.queryHeads(), HEADS.headDim());
    HostTensor k = random.normal(RING_SEQUENCE, HEADS.kvHeads(), HEADS.headDim());
    HostTensor v = random.normal(RING_SEQUENCE, HEADS.kvHeads(), HEADS.headDim());
    HostTensor dOut = random.normal(RING_SEQUENCE, HEADS.queryHeads(), HEADS.headDim());
    double usefulFlops = 14.0 * usefulPairs(RING_SEQUENCE) * HEADS.queryHeads() * HEADS.headDim();
    for (ShardLayout layout : ShardLayout.values()) {
      RingAttention ring = new RingAttention(backend, setup(layout, RING_SEQUENCE));
      double forwardSeconds = Double.POSITIVE_INFINITY;
      double backwardSeconds = Double.POSITIVE_INFINITY;
      for (int run = 0; run < 2; run++) {
        RingOutcome outcome = ring.run(q, k, v, dOut);
        forwardSeconds = Math.min(forwardSeconds, outcome.forwardSeconds());
        backwardSeconds = Math.min(backwardSeconds, outcome.backwardSeconds());
      }
      double seconds = forwardSeconds + backwardSeconds;
      System.out.printf("%-6s | %.3f  %.3f  %9.0f  %8.2f%n", layout.label(), forwardSeconds, backwardSeconds,
          RING_SEQUENCE / seconds, usefulFlops / seconds / 1e9);
    }
  }

  /** Resident memory across repeated rings: it must level off, not grow with the run count. */
  private static void memory(CpuAttentionBackend backend) throws IOException {
    int sequence = 4096;
    SeededTensors random = new SeededTensors(2);
    HostTensor q = random.normal(sequence, HEADS.queryHeads(), HEADS.headDim());
    HostTensor kv = random.normal(sequence, HEADS.kvHeads(), HEADS.headDim());
    RingAttention ring = new RingAttention(backend, setup(ShardLayout.ZIGZAG, sequence));
    System.out.println();
    System.out.print("resident MiB after each zigzag ring of " + sequence + " tokens:");
    for (int run = 0; run < 12; run++) {
      ring.run(q, kv, kv, q);
      System.out.printf(" %d", statusBytes("VmRSS:") >> 20);
    }
    System.out.printf("%npeak resident MiB of the whole run: %d; NDArrays still held by the backend: %d%n",
        statusBytes("VmHWM:") >> 20, backend.liveArrays());
  }

  private static RingSetup setup(ShardLayout layout, int sequence) {
    return new RingSetup(new Sharding(layout, RING_SIZE, sequence), Masking.CAUSAL, new RotaryEmbedding(THETA));
  }

  private static long usefulPairs(int tokens) {
    return (long) tokens * (tokens + 1) / 2;
  }

  private record Timing(double forwardSeconds, double backwardSeconds, long pairs) {
    double forwardGflops() {
      return 4.0 * pairs * HEADS.queryHeads() * HEADS.headDim() / forwardSeconds / 1e9;
    }

    double backwardGflops() {
      return 10.0 * pairs * HEADS.queryHeads() * HEADS.headDim() / backwardSeconds / 1e9;
    }
  }

  private static Timing time(AttentionBackend backend, int tokens, TokenPositions positions, Masking masking) {
    SeededTensors random = new SeededTensors(tokens);
    try (Tensor q = backend.upload(random.normal(tokens, HEADS.queryHeads(), HEADS.headDim()));
        Tensor k = backend.upload(random.normal(tokens, HEADS.kvHeads(), HEADS.headDim()));
        Tensor v = backend.upload(random.normal(tokens, HEADS.kvHeads(), HEADS.headDim()));
        Tensor dOut = backend.upload(random.normal(tokens, HEADS.queryHeads(), HEADS.headDim()));
        PartialAttention forward = backend.forwardBlock(q, k, v, positions, positions, masking)) {
      double forwardSeconds = best(() -> backend.forwardBlock(q, k, v, positions, positions, masking));
      double backwardSeconds = best(() -> backend.backwardBlock(
          q, k, v, forward.out(), dOut, forward.lse(), positions, positions, masking));
      return new Timing(forwardSeconds, backwardSeconds, QueryTilePlan.visiblePairs(positions, positions, masking));
    }
  }

  private static double best(Supplier<? extends AutoCloseable> call) {
    double[] seconds = new double[REPEATS];
    for (int i = 0; i < REPEATS; i++) {
      long start = System.nanoTime();
      try (AutoCloseable result = call.get()) {
        seconds[i] = (System.nanoTime() - start) / 1e9;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return Arrays.stream(seconds).min().orElseThrow();
  }

  /** A memory figure of this process from /proc/self/status (Linux), in bytes. */
  private static long statusBytes(String field) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(line -> line.startsWith(field))
        .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024)
        .findFirst()
        .orElseThrow();
  }
}
