package io.ringmaster.app;

import io.ringmaster.actors.cluster.Seed;
import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.live.StageSupervisor;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.actors.stage.StageDirector;
import io.ringmaster.app.live.LiveCheck;
import io.ringmaster.app.live.LiveCluster;
import io.ringmaster.app.live.LiveComparison;
import io.ringmaster.app.live.LivePlan;
import io.ringmaster.app.live.LiveReport;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.reference.ReferenceAttention;
import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.cost.ProfileLoader;
import io.ringmaster.sim.engine.Heartbeat;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ringmaster run}: a director that runs a plan's stage on live workers through the same GPU
 * actor protocol as {@code simulate}, or checks ring attention on live workers against the reference.
 * Exit codes: 0 done, 1 the run failed (a worker lost, the time limit, a check out of bounds), 2 bad input.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    optionListHeading = "%nOptions:%n",
    description = {
      "Runs a plan's stage on live workers, or checks ring attention on them.",
      "A stage runs ring attention forward and backward of every layer (--compare: and its simulation);"
          + " --check runs one attention problem and compares it with a plain reference.",
      "--local N starts N worker JVMs on 127.0.0.1 and stops them at the end; --seed joins the workers'"
          + " cluster. For example:",
      "  ringmaster run --plan local-cpu --local 4 --compare",
      "  ringmaster run --check --local 4"
    })
public final class RunCommand implements Callable<Integer> {
  static final int FAILED = 1;
  /** The check's RoPE base: Llama 3's rope_theta (reference/models.md). */
  private static final double CHECK_ROPE_THETA = 500_000;
  private static final long CHECK_SEED = 2024;
  /** Silence before a long computation says it is still alive: short enough that nobody wonders whether it hangs. */
  private static final Duration HEARTBEAT = Duration.ofSeconds(5);
  /** The reference is minutes at most on the problems --check takes; a day means it hangs. */
  private static final Duration WORK_LIMIT = Duration.ofDays(1);

  @Spec private CommandSpec spec;

  @Option(names = "--plan", paramLabel = "FILE|NAME", description = "A plan YAML file or a packaged plan (local-cpu).")
  private Optional<String> plan;

  @Option(names = "--stage", paramLabel = "NAME", description = "The stage to run (default: the plan's first).")
  private Optional<String> stage;

  @Option(names = "--local", paramLabel = "N", description = "Start N worker JVMs (one GPU actor each) on 127.0.0.1.")
  private Optional<Integer> local;

  @Option(names = "--seed", paramLabel = "HOST:PORT", description = "Join the workers' cluster through this node.")
  private Optional<String> seed;

  @Mixin private NodeAddress address;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda|auto", description = "The --local workers' attention backend (default cpu).")
  private String device;

  @Option(names = "--steps", defaultValue = "1", paramLabel = "K", description = "Training steps to run (default 1).")
  private int steps;

  @Option(names = "--compare", description = "Also simulate the stage and print predicted vs measured per step and block.")
  private boolean compare;

  @Option(names = "--profile", paramLabel = "FILE|NAME", description = "Cost profile for --compare (default: the cluster GPU's).")
  private Optional<String> profile;

  @Option(names = "--check", description = "Check ring attention on live workers against ReferenceAttention.")
  private boolean check;

  @Option(names = "--ring", paramLabel = "R", description = "--check: GPUs in the ring (default: the --local count, or 4).")
  private Optional<Integer> ring;

  @Option(names = "--seq-len", defaultValue = "8K", paramLabel = "N", description = "--check: tokens (default 8K).")
  private String seqLen;

  @Option(names = "--layout", defaultValue = "zigzag", paramLabel = "L", description = "--check: ring | zigzag | stripe (default zigzag).")
  private String layout;

  @Option(names = "--mask", defaultValue = "causal", paramLabel = "M", description = "--check: causal | none (default causal).")
  private String mask;

  @Option(names = "--heads", defaultValue = "8", paramLabel = "H", description = "--check: query heads (default 8).")
  private int heads;

  @Option(names = "--kv-heads", defaultValue = "2", paramLabel = "H", description = "--check: KV heads (default 2).")
  private int kvHeads;

  @Option(names = "--head-dim", defaultValue = "64", paramLabel = "D", description = "--check: head dim (default 64).")
  private int headDim;

  @Option(names = "--timeout", defaultValue = "1800", paramLabel = "SECONDS", description = "Give up on a stage after this long (default 1800).")
  private int timeoutSeconds;

  @Override
  public Integer call() {
    // logging set up here, before Pekko's threads log at once (which makes SLF4J print a replay warning)
    LoggerFactory.getILoggerFactory();
    if (local.isPresent() == seed.isPresent()) {
      throw new InputError(Origin.commandLine(), "--local/--seed", "give one: --local N starts workers here,"
          + " --seed HOST:PORT joins theirs");
    }
    seed.ifPresent(RunCommand::seedAt);
    WorkerCommand.deviceChoice(device);
    positive("--steps", steps);
    positive("--timeout", timeoutSeconds);
    local.ifPresent(count -> positive("--local", count));
    try {
      if (check) {
        if (plan.isPresent() || compare) {
          throw new InputError(Origin.commandLine(), plan.isPresent() ? "--plan" : "--compare",
              "not with --check, which runs its own problem");
        }
        return runCheck(checkSpec());
      }
      if (plan.isEmpty()) {
        throw new InputError(Origin.commandLine(), "--plan", "required (or --check)");
      }
      return runPlan();
    } catch (LiveCluster.Unavailable e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("ringmaster: the run failed before it started: " + e.getMessage());
      err.flush();
      return FAILED;
    }
  }

  private int runPlan() {
    TrainingPlan trainingPlan = PlanLoader.load(PlanSettings.option("--plan", plan.get()), Map.of(),
        Map.of());
    Stage chosen = stage.map(name -> trainingPlan.requireStage(name, "--stage")).orElse(trainingPlan.stages().get(0));
    LivePlan live = LivePlan.of(trainingPlan, chosen);
    // loaded before any worker starts, so that a bad --profile fails at once
    Optional<GpuProfile> costs = compare
        ? Optional.of(ProfileLoader.load(profile.orElse(trainingPlan.cluster().node().gpu().name())))
        : Optional.empty();
    requireWorkers(live.gpuActorsNeeded(), "stage " + chosen.name() + " of plan " + trainingPlan.name());
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LiveReport.header(out, live);
    out.flush();
    try (LiveCluster cluster = startCluster(err)) {
      List<ActorRef<GpuActor.Command>> gpus = cluster.discover(live.gpuActorsNeeded());
      err.printf(Locale.ROOT, "ringmaster: %d GPU actors found; running %d step(s) of stage %s%n", gpus.size(), steps,
          chosen.name());
      err.flush();
      StageSupervisor.Outcome outcome = StageSupervisor.await(cluster.system(), new StageSupervisor.Run(chosen.name(),
          live.assignments(gpus), steps, Duration.ofSeconds(timeoutSeconds)), progress(err, blocksPerStep(live)));
      if (outcome instanceof StageSupervisor.Failed failed) {
        return failed(err, cluster, failed.reason());
      }
      StageReport report = ((StageSupervisor.Completed) outcome).report();
      LiveReport.steps(out, report, chosen.seqLen() * chosen.rings());
      LiveReport.ledger(out, report, trainingPlan.cluster().node().gpu().memoryBytes());
      if (costs.isPresent()) {
        out.flush();
        err.println("ringmaster: simulating the same stage for the comparison");
        err.flush();
        LiveComparison.print(out, LiveComparison.simulate(live, costs.get(), steps), report, costs.get().name());
      }
      out.flush();
      return 0;
    }
  }

  private int runCheck(LiveCheck.Spec checkSpec) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    out.println("check: " + checkSpec.describe());
    out.flush();
    LiveCheck.Problem problem = LiveCheck.Problem.of(checkSpec);
    LiveCheck.RingResult ring;
    try (LiveCluster cluster = startCluster(err)) {
      List<ActorRef<GpuActor.Command>> gpus = cluster.discover(checkSpec.ringSize());
      err.printf(Locale.ROOT, "ringmaster: %d GPU actors found; running ring attention forward and backward%n",
          gpus.size());
      err.flush();
      try {
        ring = LiveCheck.runRing(cluster.system(), gpus, checkSpec, problem, Duration.ofSeconds(timeoutSeconds),
            progress(err, 2L * checkSpec.ringSize() * checkSpec.ringSize()));
      } catch (IllegalStateException e) {
        return failed(err, cluster, e.getMessage());
      }
    }
    StageReport.StepReport step = ring.report().steps().get(0);
    out.printf(Locale.ROOT, "ring of %d GPU actors in %s: forward and backward in %.3f s%n", checkSpec.ringSize(),
        local.map(count -> count + " worker JVMs").orElse("the seed's cluster"), step.finishSeconds() - step.startSeconds());
    int threads = ReferenceAttention.threads(checkSpec.heads());
    err.printf(Locale.ROOT, "ringmaster: computing the reference (ReferenceAttention: plain attention in double, %d query"
        + " heads on %d thread(s))…%n", checkSpec.heads().queryHeads(), threads);
    err.flush();
    long referenceStart = System.nanoTime();
    ReferenceAttention.Result reference = withHeartbeat(err, "the reference", () -> LiveCheck.reference(checkSpec, problem));
    out.printf(Locale.ROOT, "reference (ReferenceAttention, plain attention in double, %d thread(s)): %.1f s%n", threads,
        (System.nanoTime() - referenceStart) / 1e9);
    LiveCheck.Errors errors = LiveCheck.errors(reference, ring);
    out.printf(Locale.ROOT, "largest absolute error (fp32 ring vs double reference, bound %.0e):%n", LiveCheck.MAX_ABS_ERROR);
    errors.byOutput().forEach((output, error) -> out.printf(Locale.ROOT, "  %-4s %.2e%n", output, error));
    boolean passed = errors.within(LiveCheck.MAX_ABS_ERROR);
    out.println(passed ? "check passed" : "CHECK FAILED: an error is above the bound");
    out.flush();
    return passed ? 0 : FAILED;
  }

  /** Runs {@code work} on another thread and waits, printing a line every {@link #HEARTBEAT} so it shows it is alive. */
  private static <T> T withHeartbeat(PrintWriter err, String what, Supplier<T> work) {
    long startNanos = System.nanoTime();
    Heartbeat heartbeat = new Heartbeat(HEARTBEAT, () -> {
      err.printf(Locale.ROOT, "ringmaster: %s is still computing (%.0f s)%n", what, (System.nanoTime() - startNanos) / 1e9);
      err.flush();
    });
    try {
      return heartbeat.await(CompletableFuture.supplyAsync(work), WORK_LIMIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while computing " + what, e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " did not finish within " + WORK_LIMIT.toHours() + " hours", e);
    }
  }

  private LiveCheck.Spec checkSpec() {
    int ringSize = ring.orElse(local.orElse(4));
    positive("--ring", ringSize);
    if (local.isPresent() && ringSize > local.get()) {
      throw new InputError(Origin.commandLine(), "--ring", "a ring of " + ringSize + " needs as many GPU actors; --local"
          + " starts " + local.get());
    }
    long tokens = PlanSettings.option("--seq-len", seqLen).asTokenCount();
    ShardLayout shardLayout;
    Masking masking;
    HeadLayout headLayout;
    try {
      shardLayout = ShardLayout.parse(layout);
      masking = switch (mask) {
        case "causal" -> Masking.CAUSAL;
        case "none" -> Masking.NONE;
        default -> throw new IllegalArgumentException("expected causal | none, got '" + mask + "'");
      };
      headLayout = new HeadLayout(heads, kvHeads, headDim);
      return new LiveCheck.Spec(Math.toIntExact(tokens), ringSize, shardLayout, masking, headLayout,
          CHECK_ROPE_THETA, CHECK_SEED);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new InputError(Origin.commandLine(), "--seq-len/--layout/--mask/--heads", e.getMessage());
    }
  }

  private LiveCluster startCluster(PrintWriter err) {
    if (local.isPresent()) {
      try {
        return LiveCluster.local(local.get(), device, err);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Seed.At seedAddress = seedAt(seed.get());
    err.printf("ringmaster: director joining %s; waiting up to %d s for the workers%n", seedAddress,
        LiveCluster.DISCOVERY_TIMEOUT.toSeconds());
    err.flush();
    return LiveCluster.joining(seedAddress, address.host(), address.port());
  }

  private static Seed.At seedAt(String text) {
    try {
      return Seed.parse(text);
    } catch (IllegalArgumentException e) {
      throw new InputError(Origin.commandLine(), "--seed", e.getMessage());
    }
  }

  private void requireWorkers(int needed, String what) {
    if (local.isPresent() && local.get() < needed) {
      throw new InputError(Origin.commandLine(), "--local", what + " needs " + needed + " GPU actors (one per worker);"
          + " got " + local.get());
    }
  }

  private static int failed(PrintWriter err, LiveCluster cluster, String reason) {
    err.println("ringmaster: the run failed:");
    err.println(reason);
    err.println(cluster.workers().isPresent()
        ? "ringmaster: stopping the other workers"
        : "ringmaster: leaving the cluster; its workers shut down when their director is gone");
    err.flush();
    return FAILED;
  }

  /** Prints how many blocks are done every few seconds, so a long stage shows it is alive. */
  private static Consumer<StageDirector.Progress> progress(PrintWriter err, long blocksPerStep) {
    long startNanos = System.nanoTime();
    return progress -> {
      err.printf(Locale.ROOT, "ringmaster: step %d: %d of %d blocks done, %d GPU(s) finished (%.0f s)%n",
          progress.step(), progress.blocks().size(), blocksPerStep, progress.finished().size(),
          (System.nanoTime() - startNanos) / 1e9);
      err.flush();
    };
  }

  private static long blocksPerStep(LivePlan live) {
    return live.shards().stream().mapToLong(shard -> IntStream.range(0, shard.ringSize())
        .filter(step -> !shard.block(step).isEmpty()).count()).sum() * 2L * live.plan().model().layers();
  }

  private static void positive(String option, int value) {
    if (value < 1) {
      throw new InputError(Origin.commandLine(), option, "expected a positive number, got " + value);
    }
  }
}
