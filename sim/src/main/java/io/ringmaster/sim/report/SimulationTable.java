package io.ringmaster.sim.report;

import io.ringmaster.sim.workload.SimulationReport;
import io.ringmaster.sim.workload.StageResult;
import io.ringmaster.sim.workload.StageSummary;
import java.util.List;
import java.util.Locale;

/**
 * A simulated plan for people: per stage the step time, the stage's minutes, MFU and peak memory; where
 * each step's time goes; what holds each stage back; the total. Out-of-memory is called out.
 */
public final class SimulationTable {
  private static final double GIB = 1L << 30;
  /** Communication that exposes less than this share of the step is not worth a mention. */
  private static final double MENTIONED_WAIT_SHARE = 0.01;

  private SimulationTable() {}

  public static String render(SimulationReport report) {
    StringBuilder out = new StringBuilder();
    PlanHeader.append(out, report.plan());
    out.append(format("  cost profile: %s; one training step simulated per stage, every layer and ring step%n",
        report.profile()));
    out.append('\n');
    stages(out, report.stages());
    out.append('\n');
    breakdown(out, report.stages());
    out.append('\n');
    out.append("bottleneck (and the communication it waits for most)\n");
    for (StageResult result : report.stages()) {
      StageSummary s = result.summary();
      boolean waitShown = s.largestWait().share() >= MENTIONED_WAIT_SHARE
          && !s.largestWait().part().equals(s.bottleneck().part());
      out.append(format("  %-8s %s%s%n", s.stage(), s.bottleneck().describe(),
          waitShown ? "; then " + s.largestWait().describe() : ""));
    }
    outOfMemory(out, report.stages());
    int steps = report.stages().stream().mapToInt(StageResult::steps).sum();
    out.append(format("%ntotal: %,.1f minutes (%.1f hours) for %d training steps%n", report.totalMinutes(),
        report.totalMinutes() / 60, steps));
    return out.toString();
  }

  private static void stages(StringBuilder out, List<StageResult> results) {
    out.append(format("%-8s %11s %5s %12s %9s %6s %9s %6s %10s%n", "stage", "tokens", "GPUs", "rings × ring",
        "step s", "steps", "minutes", "MFU", "peak GiB"));
    for (StageResult result : results) {
      StageSummary s = result.summary();
      out.append(format("%-8s %,11d %5d %12s %9.2f %6d %9.1f %5.1f%% %10s%n", s.stage(), s.seqLen(),
          s.ringSize() * s.rings(), s.rings() + " × " + s.ringSize(), s.stepSeconds(), result.steps(),
          result.minutes(), 100 * s.mfu(), peakCell(s.peakMemoryBytes(), s.outOfMemory())));
    }
  }

  /** A peak memory cell: GiB, and OOM where the GPU does not have it. */
  static String peakCell(long peakBytes, boolean outOfMemory) {
    return format("%.2f%s", peakBytes / GIB, outOfMemory ? " OOM" : "");
  }

  private static void breakdown(StringBuilder out, List<StageResult> results) {
    out.append("where a step's time goes (mean per GPU, share of the step)\n");
    out.append(format("%-8s %8s %8s %8s %8s %9s %8s%n", "stage", "compute", "ring", "ZeRO", "offload",
        "optimizer", "idle"));
    for (StageResult result : results) {
      StageSummary s = result.summary();
      StageSummary.Breakdown b = s.breakdown();
      double step = s.stepSeconds();
      out.append(format("%-8s %7.1f%% %7.1f%% %7.1f%% %7.1f%% %8.1f%% %7.1f%%%n", s.stage(),
          share(b.computeSeconds(), step), share(b.exposedRingSeconds(), step), share(b.exposedZeroSeconds(), step),
          share(b.offloadCopySeconds(), step), share(b.optimizerSeconds(), step), share(b.idleSeconds(), step)));
    }
  }

  private static void outOfMemory(StringBuilder out, List<StageResult> results) {
    for (StageResult result : results) {
      StageSummary s = result.summary();
      if (s.outOfMemory()) {
        out.append(format("%n!! OUT OF MEMORY in stage %s: a GPU peaks at %.2f GiB but has %.2f GiB;"
            + " the times above assume it fits (`ringmaster plan --stage %s` shows the ledger)%n", s.stage(),
            s.peakMemoryBytes() / GIB, result.capacityBytes() / GIB, s.stage()));
      }
    }
  }

  private static double share(double seconds, double stepSeconds) {
    return stepSeconds > 0 ? 100 * seconds / stepSeconds : 0;
  }

  private static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }
}
