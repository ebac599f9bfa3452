package io.ringmaster.app.live;

import io.ringmaster.actors.protocol.BlockReport;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.engine.SimOptions;
import io.ringmaster.sim.engine.SimulationEngine;
import io.ringmaster.sim.workload.StageSummary;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code ringmaster run --compare}: the same stage simulated (same shards, same program, the plan's
 * cluster, the GPU type's cost profile) next to what the live run measured, per step and per block,
 * with measured / predicted.
 */
public final class LiveComparison {
  private LiveComparison() {}

  /** A block of one GPU at one ring step of one pass, over all layers. */
  private record BlockKey(Pass pass, int gpu, int step) implements Comparable<BlockKey> {
    @Override
    public int compareTo(BlockKey other) {
      int byPass = pass.compareTo(other.pass);
      if (byPass != 0) {
        return byPass;
      }
      return gpu != other.gpu ? Integer.compare(gpu, other.gpu) : Integer.compare(step, other.step);
    }
  }

  /** The stage as the simulation predicts it, every block reported. */
  public static StageReport simulate(LivePlan live, GpuProfile profile, int steps) {
    try (SimulationEngine engine = new SimulationEngine()) {
      return engine.simulate(live.simulation(profile, steps), SimOptions.DEFAULT.withBlockReports(true)).report();
    }
  }

  public static void print(PrintWriter out, StageReport predicted, StageReport measured, String profileName) {
    out.printf(Locale.ROOT, "compare: predicted (sim, profile %s) vs measured (live), measured / predicted%n",
        profileName);
    out.println("per step (mean per GPU for the parts):");
    out.println("  step  part              predicted s  measured s  ratio");
    for (int i = 0; i < Math.min(predicted.steps().size(), measured.steps().size()); i++) {
      StageReport.StepReport sim = predicted.steps().get(i);
      StageReport.StepReport live = measured.steps().get(i);
      StageSummary.Breakdown simParts = LiveReport.breakdown(sim);
      StageSummary.Breakdown liveParts = LiveReport.breakdown(live);
      row(out, live.step(), "step", sim.finishSeconds() - sim.startSeconds(), live.finishSeconds() - live.startSeconds());
      row(out, live.step(), "compute", simParts.computeSeconds(), liveParts.computeSeconds());
      row(out, live.step(), "exposed ring", simParts.exposedRingSeconds(), liveParts.exposedRingSeconds());
      row(out, live.step(), "idle", simParts.idleSeconds(), liveParts.idleSeconds());
    }
    Map<BlockKey, Double> simBlocks = meanBlockSeconds(predicted);
    Map<BlockKey, Double> liveBlocks = meanBlockSeconds(measured);
    out.println("per block (mean over layers and steps; a block's time runs from its start to its completion"
        + " reaching the GPU actor):");
    out.println("  pass      GPU  ring step  predicted ms  measured ms  ratio");
    for (Map.Entry<BlockKey, Double> block : simBlocks.entrySet()) {
      Double live = liveBlocks.get(block.getKey());
      if (live == null) {
        continue;
      }
      BlockKey key = block.getKey();
      out.printf(Locale.ROOT, "  %-8s %4d %10d %13.1f %12.1f %6.2f%n", key.pass().name().toLowerCase(Locale.ROOT),
          key.gpu(), key.step(), 1e3 * block.getValue(), 1e3 * live, live / block.getValue());
    }
    double[] ratios = simBlocks.entrySet().stream().filter(block -> liveBlocks.containsKey(block.getKey()))
        .mapToDouble(block -> liveBlocks.get(block.getKey()) / block.getValue()).sorted().toArray();
    if (ratios.length > 0) {
      out.printf(Locale.ROOT, "  blocks: measured / predicted from %.2f to %.2f, median %.2f%n", ratios[0],
          ratios[ratios.length - 1], ratios[ratios.length / 2]);
    }
  }

  private static void row(PrintWriter out, int step, String part, double predictedSeconds, double measuredSeconds) {
    out.printf(Locale.ROOT, "  %4d  %-16s %12.3f %11.3f %6.2f%n", step, part, predictedSeconds, measuredSeconds,
        predictedSeconds > 0 ? measuredSeconds / predictedSeconds : Double.NaN);
  }

  private static Map<BlockKey, Double> meanBlockSeconds(StageReport report) {
    List<BlockReport> blocks = report.steps().stream().flatMap(step -> step.blocks().stream()).toList();
    return blocks.stream().collect(Collectors.groupingBy(
        block -> new BlockKey(block.pass(), block.gpu(), block.step()), TreeMap::new,
        Collectors.averagingDouble(block -> block.endSeconds() - block.startSeconds())));
  }
}
