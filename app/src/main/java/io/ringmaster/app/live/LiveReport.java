package io.ringmaster.app.live;

import io.ringmaster.actors.protocol.GpuStepReport;
import io.ringmaster.actors.protocol.MemoryHeld;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.sim.memory.LedgerEntry;
import io.ringmaster.sim.memory.MemoryLedger;
import io.ringmaster.sim.workload.StageSummary;
import io.ringmaster.topology.plan.Checkpointing;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/** A live stage for people: what ran, each GPU's account of each step, where the time went, the memory ledger. */
public final class LiveReport {
  private static final double MIB = 1 << 20;

  private LiveReport() {}

  public static void header(PrintWriter out, LivePlan live) {
    TrainingPlan plan = live.plan();
    Stage stage = live.stage();
    out.printf(Locale.ROOT, "%s on %s (plan %s), live: %s%n", plan.model().name(), plan.cluster().name(), plan.name(),
        plan.settings().describe());
    out.printf(Locale.ROOT, "stage %s: %,d tokens, %d %s of %d GPUs, %,d tokens per GPU, RoPE theta %,.0f%n",
        stage.name(), stage.seqLen(), stage.rings(), stage.rings() == 1 ? "ring" : "rings", stage.ringSize(),
        stage.tokensPerGpu(), live.ropeTheta());
    out.printf(Locale.ROOT, "  live program per GPU: %d layers x (rows in + RoPE, ring attention forward; ring attention"
        + " backward, RoPE gradient + gradients out) = %d ops%n", plan.model().layers(), live.program().ops().size());
    out.println("  not run yet, so neither timed nor charged: embedding, QKV/O projections, MLP, LM head and loss,"
        + " ZeRO collectives, optimizer (they come with the curriculum-training work)");
    if (plan.settings().checkpointing() == Checkpointing.FULL) {
      out.println("  the plan checkpoints layers; live mode keeps each layer's attention state instead and recomputes nothing");
    }
  }

  /** Every step: the GPUs' accounts, then the mean breakdown and the attention throughput. */
  public static void steps(PrintWriter out, StageReport report, long sequenceTokens) {
    for (StageReport.StepReport step : report.steps()) {
      double start = step.startSeconds();
      double stepSeconds = step.finishSeconds() - start;
      out.printf(Locale.ROOT, "step %d: %.3f s%n", step.step(), stepSeconds);
      out.println("  GPU ring rank  start s  finish s  compute s  ring wait s  blocks  ring sent MiB  peak MiB");
      for (GpuStepReport gpu : step.gpus()) {
        out.printf(Locale.ROOT, "  %3d %4d %4d %8.3f %9.3f %10.3f %12.3f %7d %14.1f %9.1f%n", gpu.gpu(), gpu.ring(),
            gpu.rank(), gpu.startSeconds() - start, gpu.finishSeconds() - start, gpu.computeSeconds(),
            gpu.ringWaitSeconds(), gpu.attentionBlocks(), gpu.ringBytesSent() / MIB, gpu.peakMemoryBytes() / MIB);
      }
      StageSummary.Breakdown breakdown = breakdown(step);
      out.printf(Locale.ROOT, "  mean per GPU: compute %.3f s, exposed ring %.3f s, idle %.3f s; %,.0f tokens/s"
          + " (every layer's attention forward and backward)%n", breakdown.computeSeconds(),
          breakdown.exposedRingSeconds(), breakdown.idleSeconds(), sequenceTokens / stepSeconds);
    }
  }

  /** The breakdown of a step as {@code simulate} gives it: mean seconds per GPU, adding up to the step. */
  public static StageSummary.Breakdown breakdown(StageReport.StepReport step) {
    List<GpuStepReport> gpus = step.gpus();
    return new StageSummary.Breakdown(mean(gpus, GpuStepReport::computeSeconds),
        mean(gpus, GpuStepReport::ringWaitSeconds), mean(gpus, GpuStepReport::collectiveWaitSeconds),
        mean(gpus, GpuStepReport::hostCopySeconds), mean(gpus, GpuStepReport::optimizerSeconds),
        mean(gpus, gpu -> step.finishSeconds() - gpu.finishSeconds()));
  }

  /** The memory ledger of the GPU that held the most, from the sizes of its real buffers at its peak. */
  public static void ledger(PrintWriter out, StageReport report, long capacityBytes) {
    GpuStepReport largest = report.steps().stream().flatMap(step -> step.gpus().stream())
        .max(Comparator.comparingLong(GpuStepReport::peakMemoryBytes)).orElseThrow();
    MemoryLedger ledger = ledger(largest);
    out.printf(Locale.ROOT, "memory ledger of GPU %d at its peak (real buffer sizes; live mode holds no weights,"
        + " gradients, optimizer state or logits yet; kernel temporaries not counted):%n", largest.gpu());
    for (LedgerEntry entry : LedgerEntry.values()) {
      out.printf(Locale.ROOT, "  %-24s %10.1f MiB%n", entry.label(), ledger.bytes(entry) / MIB);
    }
    out.printf(Locale.ROOT, "  %-24s %10.1f MiB of %.0f MiB per GPU%s%n", "total", ledger.totalBytes() / MIB,
        capacityBytes / MIB, largest.outOfMemory() ? ": OUT OF MEMORY" : "");
  }

  /** The ledger record of the simulation, filled from what a live GPU measured. */
  public static MemoryLedger ledger(GpuStepReport gpu) {
    Map<String, Long> held = gpu.memoryAtPeak().stream()
        .collect(Collectors.toMap(MemoryHeld::entry, MemoryHeld::bytes, Long::sum));
    ToLongFunction<LedgerEntry> bytes = entry -> held.getOrDefault(entry.jsonName(), 0L);
    return new MemoryLedger(bytes.applyAsLong(LedgerEntry.WEIGHTS), bytes.applyAsLong(LedgerEntry.GRADIENTS),
        bytes.applyAsLong(LedgerEntry.OPTIMIZER), bytes.applyAsLong(LedgerEntry.ACTIVATIONS),
        bytes.applyAsLong(LedgerEntry.RECOMPUTE_WORKING_SET), bytes.applyAsLong(LedgerEntry.RING_BUFFERS),
        bytes.applyAsLong(LedgerEntry.LOGITS), bytes.applyAsLong(LedgerEntry.WORKSPACE));
  }

  private static double mean(List<GpuStepReport> gpus, ToDoubleFunction<GpuStepReport> seconds) {
    return gpus.stream().mapToDouble(seconds).average().orElse(0);
  }
}
