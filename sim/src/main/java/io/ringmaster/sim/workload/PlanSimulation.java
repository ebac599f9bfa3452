package io.ringmaster.sim.workload;

import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.cost.ProfileLoader;
import io.ringmaster.sim.engine.SimOptions;
import io.ringmaster.sim.engine.SimulationEngine;
import io.ringmaster.sim.engine.SimulationObserver;
import io.ringmaster.sim.engine.StageOutcome;
import io.ringmaster.sim.engine.StageSetup;
import io.ringmaster.topology.network.ClusterNetwork;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Simulates the stages of a plan on one engine, one training step per stage (every step of a stage is
 * alike: the same program from the same state), and reports how long each stage takes.
 */
public final class PlanSimulation {
  private PlanSimulation() {}

  /** Hears about each stage as it is simulated, for progress lines. */
  public interface Progress {
    Progress NONE = new Progress() {};

    default void stageStarted(Stage stage) {}

    default void stageFinished(Stage stage, StageResult result, double wallSeconds) {}
  }

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
    long start = System.nanoTime();
    List<StageResult> results = new ArrayList<>();
    for (Stage stage : stages) {
      progress.stageStarted(stage);
      long stageStart = System.nanoTime();
      StageResult result = stage(engine, plan, stage, profile, observers);
      progress.stageFinished(stage, result, (System.nanoTime() - stageStart) / 1e9);
      results.add(result);
    }
    return new SimulationReport(plan, profile.name(), results, (System.nanoTime() - start) / 1e9);
  }

  /**
   * One step of {@code stage}. A stage given an observer runs without fast-forward, so that the
   * observer sees every event (the results are the same either way: {@code FastForwardTest}).
   */
  public static StageResult stage(SimulationEngine engine, TrainingPlan plan, Stage stage, GpuProfile profile,
      Observers observers) {
    StageWorkload workload = PlanWorkloads.workload(plan, stage);
    StageSetup setup = StageAssembly.setup(workload, ClusterNetwork.of(plan.cluster()), profile, 1);
    SimulationObserver observer = observers.observe(stage, setup);
    SimOptions options = observer == SimulationObserver.NONE
        ? SimOptions.DEFAULT
        : SimOptions.DEFAULT.withObserver(observer).withFastForward(false);
    StageOutcome outcome = engine.simulate(setup, options);
    return new StageResult(StageSummary.of(workload, profile, outcome), stage.steps(),
        workload.memory().capacityBytes(), outcome.engine().events());
  }
}
