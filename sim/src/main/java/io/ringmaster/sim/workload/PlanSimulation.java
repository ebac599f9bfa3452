package io.ringmaster.sim.workload;

import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.cost.ProfileLoader;
import io.ringmaster.sim.engine.Heartbeat;
import io.ringmaster.sim.engine.SimOptions;
import io.ringmaster.sim.engine.SimulationEngine;
import io.ringmaster.sim.engine.SimulationObserver;
import io.ringmaster.sim.engine.StageOutcome;
import io.ringmaster.sim.engine.StageProgress;
import io.ringmaster.sim.engine.StageSetup;
import io.ringmaster.topology.network.ClusterNetwork;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Simulates the stages of a plan on one engine, one training step per stage (every step of a stage is
 * alike: the same program from the same state), and reports how long each stage takes. The stages are
 * independent, so they are submitted together, the longest first, and run side by side as the engine
 * allows ({@link SimulationEngine#submit}); each outcome is the one the stage gives alone
 * ({@code DeterminismTest}).
 */
public final class PlanSimulation {
  /** Wall time between progress reports of the stages running: a long stage shows it is alive. */
  public static final int HEARTBEAT_SECONDS = 10;
  public static final Duration HEARTBEAT = Duration.ofSeconds(HEARTBEAT_SECONDS);

  private PlanSimulation() {}

  /**
   * Hears about the stages as they are simulated, for progress lines; every call comes from the thread
   * that called {@link #run}. All {@code wallSeconds} count from the submission of all stages.
   */
  public interface Progress {
    Progress NONE = new Progress() {};

    /** The stages have started, {@code atATime} of them side by side. */
    default void stagesStarted(List<Stage> stages, int atATime) {}

    /** Every {@link #HEARTBEAT} while stages run: where each stage running is, in stage order. */
    default void stagesRunning(List<RunningStage> running, double wallSeconds) {}

    /** Called in stage order, once the stage is done. */
    default void stageFinished(Stage stage, StageResult result, double wallSeconds) {}
  }

  /**
   * A stage being simulated, as its coordinator last published it (every few thousand instants):
   * where its GPU 0 is in the step, and the virtual seconds of the step simulated so far.
   */
  public record RunningStage(Stage stage, StepPosition position, double virtualSeconds) {}

  /** Gives a stage an observer (a trace) once its setup is known; {@link SimulationObserver#NONE} for none. */
  public interface Observers {
    Observers NONE = (stage, setup) -> SimulationObserver.NONE;

    SimulationObserver observe(Stage stage, StageSetup setup);
  }

  /** The cost profile a user named (a packaged name or a file), or else the packaged one of the plan's GPU. */
  public static GpuProfile profile(TrainingPlan plan, Optional<String> nameOrPath) {
    return ProfileLoader.load(nameOrPath.orElse(plan.cluster().node().gpu().name()));
  }

  public static SimulationReport run(SimulationEngine engine, TrainingPlan plan, List<Stage> stages,
      GpuProfile profile, Observers observers, Progress progress) {
    return run(engine, plan, stages, profile, observers, progress, HEARTBEAT);
  }

  /** As above, with {@link Progress#stagesRunning} every {@code heartbeatInterval} (tests ask often). */
  static SimulationReport run(SimulationEngine engine, TrainingPlan plan, List<Stage> stages,
      GpuProfile profile, Observers observers, Progress progress, Duration heartbeatInterval) {
    long start = System.nanoTime();
    List<Prepared> prepared = stages.stream().map(stage -> prepare(plan, stage, profile, observers)).toList();
    longestFirst(stages).forEach(index -> prepared.get(index).submit(engine));
    progress.stagesStarted(stages, engine.threads());
    Heartbeat heartbeat = new Heartbeat(heartbeatInterval, () -> progress.stagesRunning(running(prepared),
        (System.nanoTime() - start) / 1e9));
    List<StageResult> results = new ArrayList<>();
    for (Prepared stage : prepared) {
      StageResult result = stage.result(engine, heartbeat);
      progress.stageFinished(stage.stage(), result, (stage.finishedNanos() - start) / 1e9);
      results.add(result);
    }
    return new SimulationReport(plan, profile.name(), results, (System.nanoTime() - start) / 1e9);
  }

  /** One step of {@code stage}, alone, as {@link #run} reports it. */
  public static StageResult stage(SimulationEngine engine, TrainingPlan plan, Stage stage, GpuProfile profile,
      Observers observers, Progress progress) {
    return run(engine, plan, List.of(stage), profile, observers, progress).stages().get(0);
  }

  private static List<RunningStage> running(List<Prepared> prepared) {
    List<RunningStage> running = new ArrayList<>();
    for (Prepared stage : prepared) {
      StageProgress.Snapshot snapshot = stage.progress().latest();
      if (snapshot.phase() == StageProgress.Phase.RUNNING) {
        StepProgram program = stage.setup().gpus().get(0).program();
        running.add(new RunningStage(stage.stage(), StepPosition.of(program, snapshot.programCounter()),
            snapshot.virtualSeconds()));
      }
    }
    return running;
  }

  /**
   * One step of {@code stage}, ready to submit; built on the caller's thread, so that bad input is
   * reported there. A stage given an observer runs without fast-forward, so that the observer sees
   * every event (the results are the same either way: {@code FastForwardTest}).
   */
  private static Prepared prepare(TrainingPlan plan, Stage stage, GpuProfile profile, Observers observers) {
    StageWorkload workload = PlanWorkloads.workload(plan, stage);
    StageSetup setup = StageAssembly.setup(workload, ClusterNetwork.of(plan.cluster()), profile, 1);
    SimulationObserver observer = observers.observe(stage, setup);
    SimOptions options = observer == SimulationObserver.NONE
        ? SimOptions.DEFAULT
        : SimOptions.DEFAULT.withObserver(observer).withFastForward(false);
    return new Prepared(stage, workload, profile, setup, options, new StageProgress(), new CompletableFuture<>());
  }

  /**
   * The order to submit in: the longest stage first (the most attention blocks a step: GPUs × ring steps
   * × micro-steps), so that it starts at once and the shorter ones follow each other beside it.
   */
  private static List<Integer> longestFirst(List<Stage> stages) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < stages.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingLong((Integer i) -> blocksPerStep(stages.get(i))).reversed());
    return order;
  }

  private static long blocksPerStep(Stage stage) {
    return (long) stage.gpus() * stage.ringSize() * stage.gradAccumulation();
  }

  private record Finished(StageOutcome outcome, long nanos) {}

  private record Prepared(Stage stage, StageWorkload workload, GpuProfile profile, StageSetup setup,
      SimOptions options, StageProgress progress, CompletableFuture<Finished> finished) {
    void submit(SimulationEngine engine) {
      engine.submit(setup, options, progress).whenComplete((outcome, failure) -> {
        if (failure != null) {
          finished.completeExceptionally(failure);
        } else {
          finished.complete(new Finished(outcome, System.nanoTime()));
        }
      });
    }

    StageResult result(SimulationEngine engine, Heartbeat heartbeat) {
      return StageResult.of(workload, profile, stage.steps(), engine.await(finished, setup, heartbeat).outcome());
    }

    long finishedNanos() {
      return finished.join().nanos();
    }
  }
}
