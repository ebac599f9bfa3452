package io.ringmaster.topology.plan;

import io.ringmaster.topology.cluster.ClusterSpec;
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

  public double ropeTheta(Stage stage) {
    return stage.ropeTheta().value(model, stage.seqLen());
  }
}
