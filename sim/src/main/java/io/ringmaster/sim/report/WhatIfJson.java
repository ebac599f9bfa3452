package io.ringmaster.sim.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringmaster.sim.whatif.WhatIfSweep;
import io.ringmaster.sim.workload.SimulationReport;
import io.ringmaster.sim.workload.StageResult;
import java.util.Map;

/**
 * A what-if sweep as JSON: {@code {"plan","asGiven":{...},"combinations":[{"settings":{KEY: VALUE},"valid":true,
 * "totalMinutes","speedup","peakMemoryBytes","outOfMemory","bottleneck","stages":[{stage as in simulate's JSON}]} or {"settings","valid":false,
 * "reason"}],"events","stagesSimulated","wallSeconds"}}, combinations ranked as in the table. Only
 * {@code wallSeconds} differs from run to run; a reproducible document leaves it out.
 */
public final class WhatIfJson {
  private WhatIfJson() {}

  public static String render(WhatIfSweep.Result result, boolean reproducible) {
    ObjectNode root = Json.object();
    root.put("plan", result.asGiven().plan().name());
    root.set("asGiven", simulated(Map.of(), result.asGiven(), 1));
    ArrayNode combinations = root.putArray("combinations");
    for (WhatIfSweep.Outcome outcome : result.ranked()) {
      if (outcome instanceof WhatIfSweep.Simulated simulated) {
        combinations.add(simulated(simulated.assignments(), simulated.report(), simulated.speedup()));
      } else if (outcome instanceof WhatIfSweep.Invalid invalid) {
        ObjectNode node = settings(invalid.assignments());
        node.put("valid", false);
        node.put("reason", invalid.reason());
        combinations.add(node);
      }
    }
    root.put("events", result.events());
    root.put("stagesSimulated", result.stagesSimulated());
    if (!reproducible) {
      root.put("wallSeconds", result.wallSeconds());
    }
    return Json.write(root);
  }

  private static ObjectNode simulated(Map<String, String> assignments, SimulationReport report, double speedup) {
    ObjectNode node = settings(assignments);
    node.put("valid", true);
    node.put("totalMinutes", report.totalMinutes());
    node.put("speedup", speedup);
    node.put("peakMemoryBytes", report.peakMemoryBytes());
    node.put("outOfMemory", report.outOfMemory());
    node.put("bottleneck", report.bottleneck());
    ArrayNode stages = node.putArray("stages");
    for (StageResult stage : report.stages()) {
      stages.add(SimulationJson.stage(stage));
    }
    return node;
  }

  private static ObjectNode settings(Map<String, String> assignments) {
    ObjectNode node = Json.object();
    ObjectNode settings = node.putObject("settings");
    assignments.forEach(settings::put);
    return node;
  }
}
