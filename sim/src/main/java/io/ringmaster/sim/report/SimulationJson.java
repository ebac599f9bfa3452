package io.ringmaster.sim.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringmaster.sim.workload.SimulationReport;
import io.ringmaster.sim.workload.StageResult;
import io.ringmaster.sim.workload.StageSummary;

/**
 * A simulated plan as JSON: {@code {"stages":[{"name","seqLen","ringSize","rings","stepSeconds","minutes",
 * "mfu","breakdown":{"computeSeconds","exposedRingSeconds","exposedZeroSeconds","offloadCopySeconds",
 * "optimizerSeconds","idleSeconds"},"bottleneck","peakMemoryBytes","outOfMemory"}],"totalMinutes","events",
 * "wallSeconds"}}. Everything but {@code wallSeconds} is a function of the inputs: a reproducible
 * document leaves {@code wallSeconds} out and is byte-identical from run to run.
 */
public final class SimulationJson {
  private SimulationJson() {}

  /** @param reproducible leave out {@code wallSeconds}, the one figure that differs from run to run */
  public static String render(SimulationReport report, boolean reproducible) {
    ObjectNode root = Json.object();
    ArrayNode stages = root.putArray("stages");
    for (StageResult result : report.stages()) {
      stages.add(stage(result));
    }
    root.put("totalMinutes", report.totalMinutes());
    root.put("events", report.events());
    if (!reproducible) {
      root.put("wallSeconds", report.wallSeconds());
    }
    return Json.write(root);
  }

  static ObjectNode stage(StageResult result) {
    StageSummary summary = result.summary();
    ObjectNode node = Json.object();
    node.put("name", summary.stage());
    node.put("seqLen", summary.seqLen());
    node.put("ringSize", summary.ringSize());
    node.put("rings", summary.rings());
    node.put("stepSeconds", summary.stepSeconds());
    node.put("minutes", result.minutes());
    node.put("mfu", summary.mfu());
    StageSummary.Breakdown parts = summary.breakdown();
    ObjectNode breakdown = node.putObject("breakdown");
    breakdown.put("computeSeconds", parts.computeSeconds());
    breakdown.put("exposedRingSeconds", parts.exposedRingSeconds());
    breakdown.put("exposedZeroSeconds", parts.exposedZeroSeconds());
    breakdown.put("offloadCopySeconds", parts.offloadCopySeconds());
    breakdown.put("optimizerSeconds", parts.optimizerSeconds());
    breakdown.put("idleSeconds", parts.idleSeconds());
    node.put("bottleneck", summary.bottleneck().describe());
    node.put("peakMemoryBytes", summary.peakMemoryBytes());
    node.put("outOfMemory", summary.outOfMemory());
    return node;
  }
}
