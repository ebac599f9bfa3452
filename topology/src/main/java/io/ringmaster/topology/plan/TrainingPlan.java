package io.ringmaster.topology.plan;

import io.ringmaster.topology.cluster.ClusterSpec;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.model.ModelSpec;
import java.util.List;
import java.util.Optional;

/** A model trained on a cluster through a curriculum of stages. */
public record TrainingPlan(
    String name, ModelSpec model, ClusterSpec cluster, TrainingSettings settings, List<Stage> stages) {
  public TrainingPlan {
    stages = List.copyOf(stages);
  }

  public Optional<Stage> stage(String stageName) {
    return stages.stream().filter(s -> s.name().equals(stageName)).findFirst();
  }

  /** The stage of that name, or bad input naming {@code option} and the stages there are. */
  public Stage requireStage(String stageName, String option) {
    return stage(stageName).orElseThrow(() -> new InputError(Origin.commandLine(), option, "no stage '" + stageName
        + "' in plan " + name + "; its stages: " + String.join(", ", stages.stream().map(Stage::name).toList())));
  }

  public double ropeTheta(Stage stage) {
    return stage.ropeTheta().value(model, stage.seqLen());
  }
}
