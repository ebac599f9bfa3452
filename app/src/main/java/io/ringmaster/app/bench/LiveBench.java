package io.ringmaster.app.bench;

import io.ringmaster.actors.bench.TransportBench;
import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.protocol.GpuStepReport;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.actors.live.AttentionProgram;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.app.live.LiveCheck;
import io.ringmaster.app.live.LiveCluster;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.PartialAttention;
import io.ringmaster.kernels.Tensor;
import io.ringmaster.kernels.TokenPositions;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.RotaryEmbedding;
import io.ringmaster.kernels.cpu.CpuAttentionBackend;
import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.layout.Sharding;
import io.ringmaster.kernels.ring.RingAttention;
import io.ringmaster.kernels.ring.RingRank;
import io.ringmaster.kernels.ring.RingSetup;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.LoggerFactory;

/**
 * Prints, in one run: ring attention forward and backward over worker JVMs on 127.0.0.1 against the
 * same kernel doing all the work in this process ({@link RingAttention}), in tokens per second; and KV
 * bytes per second through Pekko remoting (bulk mail) against raw loopback TCP, at the ring's KV block
 * size. A benchmark, not a test: it asserts nothing.
 *
 * <pre>DJL_OFFLINE=true java -cp "app/target/ringmaster.jar:app/target/lib/*" io.ringmaster.app.bench.LiveBench
 *     [--seq-len 8192] [--workers 4] [--repeats 2]</pre>
 *
 * This JVM should run with one PyTorch thread like each worker ({@code -Dai.djl.pytorch.num_threads=1},
 * which the command line above leaves to the main method), so that "one process" means one core's worth.
 */
public final class LiveBench {
  private static final HeadLayout HEADS = new HeadLayout(8, 2, 64);
  /** Llama 3's rope_theta (reference/models.md). */
  private static final double THETA = 500_000;
  private static final Duration STAGE_TIMEOUT = Duration.ofMinutes(20);
  private static final int TRANSPORT_MAX_BLOCKS = 64;
  private static final Duration TRANSPORT_MAX_SECONDS = Duration.ofSeconds(15);
  private static final double MIB = 1 << 20;

  private LiveBench() {}

  public static void main(String[] args) throws Exception {
    // logging set up before Pekko's threads log at once (which makes SLF4J print a replay warning)
    LoggerFactory.getILoggerFactory();
    int seqLen = option(args, "--seq-len", 8192);
    int workers = option(args, "--workers", 4);
    int repeats = option(args, "--repeats", 2);
    System.setProperty("ai.djl.pytorch.num_threads", "1");
    PrintWriter out = new PrintWriter(System.out, true);
    LiveCheck.Spec spec = new LiveCheck.Spec(seqLen, workers, ShardLayout.ZIGZAG, Masking.CAUSAL, HEADS, THETA, 1);
    LiveCheck.Problem problem = LiveCheck.Problem.of(spec);
    out.printf(Locale.ROOT, "live bench: %s; %d processors; best of %d%n", spec.describe(),
        Runtime.getRuntime().availableProcessors(), repeats);

    List<Double> distributed = new ArrayList<>();
    long kvBytesPerGpu = 0;
    try (LiveCluster cluster = LiveCluster.local(workers, "cpu", out)) {
      List<ActorRef<GpuActor.Command>> gpus = cluster.discover(workers);
      LiveCheck.runRing(cluster.system(), gpus, smaller(spec), LiveCheck.Problem.of(smaller(spec)), STAGE_TIMEOUT,
          progress -> { }); // warm-up: class loading and the JIT on every worker
      for (int run = 0; run < repeats; run++) {
        StageReport report = LiveCheck.runRing(cluster.system(), gpus, spec, problem, STAGE_TIMEOUT, progress -> { })
            .report();
        StageReport.StepReport step = report.steps().get(0);
        distributed.add(step.finishSeconds() - step.startSeconds());
        kvBytesPerGpu = step.gpus().stream().mapToLong(GpuStepReport::ringBytesSent).max().orElse(0);
      }
    }
    double distributedSeconds = distributed.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    out.printf(Locale.ROOT, "  %d worker JVMs (one GPU actor, one PyTorch thread each): best %.2f s -> %,.0f tokens/s"
        + "  (runs: %s s)%n", workers, distributedSeconds, seqLen / distributedSeconds, rounded(distributed));
    out.printf(Locale.ROOT, "    K,V and dK,dV sent per GPU: %.1f MiB, %.1f MiB/s over the step%n", kvBytesPerGpu / MIB,
        kvBytesPerGpu / MIB / distributedSeconds);

    List<Double> inProcess = new ArrayList<>();
    RingSetup setup = new RingSetup(new Sharding(ShardLayout.ZIGZAG, workers, seqLen), Masking.CAUSAL,
        new RotaryEmbedding(THETA));
    try (CpuAttentionBackend backend = CpuAttentionBackend.create()) {
      LiveCheck.Problem warmUp = LiveCheck.Problem.of(smaller(spec));
      new RingAttention(backend, new RingSetup(new Sharding(ShardLayout.ZIGZAG, workers, smaller(spec).seqLen()),
          Masking.CAUSAL, setup.rope())).run(warmUp.q(), warmUp.k(), warmUp.v(), warmUp.dOut());
      for (int run = 0; run < repeats; run++) {
        long start = System.nanoTime();
        new RingAttention(backend, setup).run(problem.q(), problem.k(), problem.v(), problem.dOut());
        inProcess.add((System.nanoTime() - start) / 1e9);
      }
      out.printf(Locale.ROOT, "  one process (RingAttention, the same kernel, %s): best %.2f s -> %,.0f tokens/s"
          + "  (runs: %s s)%n", backend.name(), min(inProcess), seqLen / min(inProcess), rounded(inProcess));
    }
    out.printf(Locale.ROOT, "  tokens/s, %d worker JVMs / one process: %.2f%n", workers, min(inProcess) / distributedSeconds);

    deviceConstants(out, spec);

    int kvBlockMib = Math.max(1, (int) Math.round(2.0 * setup.sharding().tokensPerRank() * HEADS.kvHeads() * HEADS.headDim()
        * Float.BYTES / MIB));
    for (TransportBench.BulkFigures figures : TransportBench.measureBulk(List.of(kvBlockMib), TRANSPORT_MAX_BLOCKS,
        TRANSPORT_MAX_SECONDS)) {
      out.printf(Locale.ROOT, "  KV blocks of %d MiB between two JVMs: Pekko remoting (bulk mail) %.1f MiB/s, raw"
          + " loopback TCP %.1f MiB/s, Pekko / TCP %.2f (processor s per GiB: %.2f vs %.2f)%n", figures.sizeMib(),
          figures.pekko().bytesPerSecond() / MIB, figures.tcp().bytesPerSecond() / MIB,
          figures.pekko().bytesPerSecond() / figures.tcp().bytesPerSecond(), figures.pekko().cpuSecondsPerGib(),
          figures.tcp().cpuSecondsPerGib());
    }
    System.exit(0);
  }

  /**
   * What the {@code cpu} cost profile takes from this machine besides the attention kernels
   * (CpuAttentionBench): single-thread copy bandwidth, the time of a layer's RoPE work against the bytes
   * {@link AttentionProgram} counts for it, and the cost of a block too small to compute anything.
   */
  private static void deviceConstants(PrintWriter out, LiveCheck.Spec spec) {
    float[] from = new float[16 << 20];
    float[] to = new float[from.length];
    double copySeconds = best(() -> System.arraycopy(from, 0, to, 0, from.length));
    double copyBytesPerSecond = 2.0 * Float.BYTES * from.length / copySeconds;
    Sharding sharding = new Sharding(spec.layout(), spec.ringSize(), spec.seqLen());
    RingSetup setup = new RingSetup(sharding, spec.masking(), new RotaryEmbedding(spec.theta()));
    LiveCheck.Problem problem = LiveCheck.Problem.of(spec);
    HostTensor q = sharding.shard(problem.q(), 0);
    HostTensor k = sharding.shard(problem.k(), 0);
    HostTensor v = sharding.shard(problem.v(), 0);
    double ropeBytes = ((Work.Dense) ((StepOp.Compute) AttentionProgram.of(1, sharding.tokensPerRank(), spec.heads())
        .ops().get(0)).work()).memoryBytes();
    HostTensor tiny = new HostTensor(1, spec.heads().queryHeads(), spec.heads().headDim(),
        new float[spec.heads().queryHeads() * spec.heads().headDim()]);
    HostTensor tinyKv = new HostTensor(1, spec.heads().kvHeads(), spec.heads().headDim(),
        new float[spec.heads().kvHeads() * spec.heads().headDim()]);
    TokenPositions one = TokenPositions.contiguous(0, 1);
    try (CpuAttentionBackend backend = CpuAttentionBackend.create();
        Tensor tq = backend.upload(tiny); Tensor tk = backend.upload(tinyKv); Tensor tv = backend.upload(tinyKv)) {
      double ropeSeconds = best(() -> {
        try (RingRank rank = RingRank.start(backend, setup, 0, q, k, v)) {
          rank.ownBlock().k().toHost();
        }
      });
      double blockSeconds = best(() -> {
        try (PartialAttention part = backend.forwardBlock(tq, tk, tv, one, one, Masking.CAUSAL);
            PartialAttention merged = backend.merge(part, part)) {
          merged.out().toHost();
        }
      });
      out.printf(Locale.ROOT, "  device constants: copy %.2f GB/s (one thread, read + write); a layer's RoPE work"
          + " (%d rows) %.4f s for %.1f MB counted -> %.2f of the copy rate; a 1-row block and its merge %.0f us%n",
          copyBytesPerSecond / 1e9, sharding.tokensPerRank(), ropeSeconds, ropeBytes / 1e6,
          ropeBytes / ropeSeconds / copyBytesPerSecond, blockSeconds * 1e6);
    }
  }

  /** The best of a few runs after a warm-up: the machine is shared, and noise only slows. */
  private static double best(Runnable work) {
    double best = Double.POSITIVE_INFINITY;
    for (int run = 0; run < 12; run++) {
      long start = System.nanoTime();
      work.run();
      if (run >= 2) {
        best = Math.min(best, (System.nanoTime() - start) / 1e9);
      }
    }
    return best;
  }

  /** The warm-up problem: an eighth of the sequence. */
  private static LiveCheck.Spec smaller(LiveCheck.Spec spec) {
    return new LiveCheck.Spec(spec.seqLen() / 8, spec.ringSize(), spec.layout(), spec.masking(), spec.heads(),
        spec.theta(), spec.seed());
  }

  private static double min(List<Double> seconds) {
    return seconds.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
  }

  private static String rounded(List<Double> seconds) {
    return String.join(", ", seconds.stream().map(s -> String.format(Locale.ROOT, "%.2f", s)).toList());
  }

  private static int option(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
