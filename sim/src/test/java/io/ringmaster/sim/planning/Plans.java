package io.ringmaster.sim.planning;

import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlValue.Scalar;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.TrainingPlan;
import java.util.LinkedHashMap;
import java.util.Map;

/** One-stage plans for tests, as the command line builds them. */
final class Plans {
  private Plans() {}

  /** @param fields alternating names and values: plan-wide fields, then "seq-len", "gpus", "rings" */
  static TrainingPlan oneStage(String... fields) {
    Map<String, Scalar> settings = new LinkedHashMap<>();
    Map<String, Scalar> stage = new LinkedHashMap<>();
    for (int i = 0; i < fields.length; i += 2) {
      Scalar value = new Scalar(fields[i + 1], Origin.commandLine(), "--" + fields[i]);
      boolean stageField = fields[i].equals("seq-len") || fields[i].equals("gpus") || fields[i].equals("rings");
      (stageField ? stage : settings).put(fields[i], value);
    }
    return PlanLoader.adHoc("test", settings, stage, Map.of());
  }
}
