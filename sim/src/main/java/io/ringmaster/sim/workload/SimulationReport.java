package io.ringmaster.sim.workload;

import io.ringmaster.topology.plan.TrainingPlan;
import java.util.List;

/**
 * A plan's stages as simulated, and the wall seconds the simulation took: the one figure that is not
 * a function of the inputs.
 */
public record SimulationReport(TrainingPlan plan, String profile, List<StageResult> stages, double wallSeconds) {
  public SimulationReport {
    stages = List.copyOf(stages);
  }

  public double totalMinutes() {
    return stages.stream().mapToDouble(StageResult::minutes).sum();
  }

  public long events() {
    return stages.stream().mapToLong(StageResult::events).sum();
  }

  /** What holds the plan back: the bottleneck of its longest stage, e.g. "4194K: compute: 85% of the step". */
  public String bottleneck() {
    StageSummary longest = longestStage().summary();
    return longest.stage() + ": " + longest.bottleneck().describe();
  }

  /** The largest peak of any GPU in any stage. */
  public long peakMemoryBytes() {
    return stages.stream().mapToLong(stage -> stage.summary().peakMemoryBytes()).max().orElse(0);
  }

  /** Whether a GPU of some stage needs more memory than it has: the plan cannot run as simulated. */
  public boolean outOfMemory() {
    return stages.stream().anyMatch(stage -> stage.summary().outOfMemory());
  }

  /** The stage that takes the most minutes: where a change pays most. */
  public StageResult longestStage() {
    return stages.stream().reduce((a, b) -> b.minutes() > a.minutes() ? b : a).orElseThrow();
  }
}
