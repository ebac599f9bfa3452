package io.ringmaster.sim.bench;

import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.kernels.Masking;
import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.cost.ProfileLoader;
import io.ringmaster.sim.engine.SimOptions;
import io.ringmaster.sim.engine.SimulationEngine;
import io.ringmaster.sim.engine.StageOutcome;
import io.ringmaster.sim.engine.StageSetup;
import io.ringmaster.sim.workload.MemoryTerms;
import io.ringmaster.sim.workload.ModelShape;
import io.ringmaster.sim.workload.PlanSimulation;
import io.ringmaster.sim.workload.PlanWorkloads;
import io.ringmaster.sim.workload.StageAssembly;
import io.ringmaster.sim.workload.StageResult;
import io.ringmaster.sim.workload.StageShape;
import io.ringmaster.sim.workload.StageSummary;
import io.ringmaster.sim.workload.StageWorkload;
import io.ringmaster.sim.workload.TrainingSetup;
import io.ringmaster.topology.network.ClusterNetwork;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints events per second and wall seconds of the engine: a synthetic 512-GPU ring workload, then the
 * default {@code simulate} (the gradient-llama3-8b plan on crusoe-l40s:512, one full step per stage).
 *
 * <pre>java -cp "sim/target/classes:$(cat sim/target/classpath)" io.ringmaster.sim.bench.SimulationBenchmark
 *     [synthetic|plan|all] [--no-fast-forward] [--threads N] [--stage NAME] [--parallel] [--digest]</pre>
 *
 * <p>{@code --parallel} runs the stages as {@code simulate} does ({@link PlanSimulation#run}: side by side, one
 * per engine thread); without it they run one after another, each with its own figures.
 * {@code --digest} prints a SHA-256 of each whole outcome (every GPU's and link's account, to the last bit):
 * a change meant to be faster, not different, must leave it as it was.
 */
public final class SimulationBenchmark {
  private SimulationBenchmark() {}

  public static void main(String[] args) {
    String which = args.length > 0 && !args[0].startsWith("--") ? args[0] : "all";
    boolean fastForward = !List.of(args).contains("--no-fast-forward");
    int threads = List.of(args).contains("--threads") ? Integer.parseInt(args[List.of(args).indexOf("--threads") + 1]) : 2;
    boolean parallel = List.of(args).contains("--parallel");
    boolean digest = List.of(args).contains("--digest");
    String only = List.of(args).contains("--stage") ? args[List.of(args).indexOf("--stage") + 1] : null;
    SimOptions options = SimOptions.DEFAULT.withFastForward(fastForward);
    GpuProfile profile = ProfileLoader.load("l40s");
    TrainingPlan plan = PlanLoader.load("gradient-llama3-8b");
    try (SimulationEngine engine = new SimulationEngine(threads)) {
      if (!which.equals("plan")) {
        run(engine, "synthetic 512-GPU ring, 4 layers", synthetic(plan, profile), options, digest);
      }
      if (!which.equals("synthetic")) {
        List<Stage> stages = plan.stages().stream().filter(stage -> only == null || only.equals(stage.name())).toList();
        long wallStart = System.nanoTime();
        double cpuStart = cpuSeconds();
        List<StageResult> results = parallel
            ? PlanSimulation.run(engine, plan, stages, profile, PlanSimulation.Observers.NONE,
                PlanSimulation.Progress.NONE).stages()
            : stages.stream().map(stage -> StageResult.of(PlanWorkloads.workload(plan, stage), profile, stage.steps(),
                run(engine, "stage " + stage.name(), PlanWorkloads.setup(plan, stage, profile, 1), options, digest))).toList();
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double cpu = cpuSeconds() - cpuStart;
        long events = 0;
        for (StageResult result : results) {
          events += result.events();
          StageSummary summary = result.summary();
          System.out.printf("    %s: step %.1f s, %.1f min for %d steps, MFU %.1f%%, peak %.1f GiB; %s%n",
              summary.stage(), summary.stepSeconds(), result.minutes(), result.steps(), 100 * summary.mfu(),
              summary.peakMemoryBytes() / (double) (1L << 30), summary.bottleneck().describe());
        }
        System.out.printf("default simulate (%s%s): %,d events in %.2f s wall, %.2f s CPU (%.1f s of it compiling):"
                + " %.2f M events/s of wall time%n", plan.name(), parallel ? ", stages side by side" : "", events, wall,
            cpu, compileSeconds(), events / wall / 1e6);
      }
    }
  }

  /** Seconds the JIT compilers have worked so far (on their own threads, counted in the CPU seconds). */
  private static double compileSeconds() {
    return java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime() / 1e3;
  }

  /** Llama-3-8B shapes, one ring of all 512 crusoe GPUs, zigzag, 4 layers, no ZeRO traffic. */
  private static StageSetup synthetic(TrainingPlan plan, GpuProfile profile) {
    ModelShape model = new ModelShape(4, 4096, 32, 8, 128, 14336, 128256);
    TrainingSetup training = new TrainingSetup(2, 1, false, false, true, RingLayout.ZIGZAG, Masking.CAUSAL);
    StageShape shape = new StageShape("synthetic", 512L * 16384, 512, 1, 1);
    List<Integer> ring = new ArrayList<>();
    for (int g = 0; g < 512; g++) {
      ring.add(g);
    }
    StageWorkload workload = new StageWorkload(model, training, shape, List.of(ring), MemoryTerms.untracked(48L << 30));
    return StageAssembly.setup(workload, ClusterNetwork.of(plan.cluster()), profile, 1);
  }

  /** A SHA-256 of the outcome's text: records all the way down, doubles written exactly. */
  private static String digest(StageOutcome outcome) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(outcome.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** CPU seconds of this process: the machine is shared, so wall time alone says little. */
  private static double cpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
  }

  private static StageOutcome run(SimulationEngine engine, String label, StageSetup setup, SimOptions options,
      boolean digest) {
    long start = System.nanoTime();
    double cpuStart = cpuSeconds();
    StageOutcome outcome = engine.simulate(setup, options);
    double wall = (System.nanoTime() - start) / 1e9;
    double cpu = cpuSeconds() - cpuStart;
    StageOutcome.EngineStats stats = outcome.engine();
    System.out.printf("%-34s %4d GPUs  events %,12d (simulated %,12d, %d fast-forwards)  instants %,11d"
            + "  wall %6.2f s  CPU %6.2f s  %.2f M simulated events per CPU second%n",
        label, setup.gpus().size(), stats.events(), stats.simulatedEvents(), stats.fastForwards(), stats.instants(),
        wall, cpu, stats.simulatedEvents() / cpu / 1e6);
    if (digest) {
      System.out.printf("    %s outcome digest %s%n", label, digest(outcome));
    }
    return outcome;
  }
}
