package io.ringmaster.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.engine.SharedEngine;
import io.ringmaster.sim.report.SimulationJson;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlanSimulationTest {
  @Test
  void progressReportsWhereRunningStagesAreAndChangesNothing() {
    TrainingPlan plan = PlanLoader.load("gradient-llama3-8b");
    List<Stage> stages = List.of(plan.requireStage("65K", "--stage"));
    GpuProfile profile = PlanSimulation.profile(plan, Optional.empty());
    Recording recording = new Recording();

    // a heartbeat every millisecond: many reports while the stage runs
    SimulationReport watched = PlanSimulation.run(SharedEngine.get(), plan, stages, profile,
        PlanSimulation.Observers.NONE, recording, Duration.ofMillis(1));
    SimulationReport unwatched = PlanSimulation.run(SharedEngine.get(), plan, stages, profile,
        PlanSimulation.Observers.NONE, PlanSimulation.Progress.NONE);

    assertThat(SimulationJson.render(watched, true)).isEqualTo(SimulationJson.render(unwatched, true));
    assertThat(recording.started).isEqualTo(stages);
    assertThat(recording.finished).isEqualTo(stages);
    assertThat(recording.running).isNotEmpty();
    Map<Stage, PlanSimulation.RunningStage> last = new HashMap<>();
    for (PlanSimulation.RunningStage running : recording.running) {
      assertThat(running.position().part()).isNotEqualTo(StepPosition.Part.DONE);
      assertThat(running.position().microBatches()).isEqualTo(32);
      PlanSimulation.RunningStage before = last.put(running.stage(), running);
      if (before != null) {
        assertThat(running.virtualSeconds()).isGreaterThanOrEqualTo(before.virtualSeconds());
        assertThat(running.position().microBatch()).isGreaterThanOrEqualTo(before.position().microBatch());
      }
    }
    assertThat(last.values()).allSatisfy(running -> assertThat(running.virtualSeconds())
        .isLessThanOrEqualTo(watched.stages().get(0).summary().stepSeconds()));
  }

  private static final class Recording implements PlanSimulation.Progress {
    final List<Stage> started = new ArrayList<>();
    final List<PlanSimulation.RunningStage> running = new ArrayList<>();
    final List<Stage> finished = new ArrayList<>();

    @Override
    public void stagesStarted(List<Stage> stages, int atATime) {
      started.addAll(stages);
    }

    @Override
    public void stagesRunning(List<PlanSimulation.RunningStage> stages, double wallSeconds) {
      running.addAll(stages);
    }

    @Override
    public void stageFinished(Stage stage, StageResult result, double wallSeconds) {
      finished.add(stage);
    }
  }
}
