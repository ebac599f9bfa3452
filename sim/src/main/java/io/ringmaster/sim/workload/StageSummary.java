package io.ringmaster.sim.workload;

import io.ringmaster.actors.protocol.GpuStepReport;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.engine.StageOutcome;
import io.ringmaster.sim.network.Traffic;
import io.ringmaster.topology.network.LinkKind;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One simulated stage in the terms a user asks about: the step time, where the step's time went (the
 * mean over the stage's GPUs), the model FLOPs utilisation, the bottleneck and the peak memory.
 *
 * @param stepSeconds from the step's start to the last GPU's finish
 * @param breakdown mean seconds per GPU, adding up to {@code stepSeconds}
 * @param mfu model FLOPs of the step over what the GPUs' datasheet peak could do in the step time
 * @param bottleneck the largest part of the step
 * @param largestWait the largest exposed communication (ring, ZeRO collectives, host copies): what
 *     holds the step back next when the bottleneck is compute
 */
public record StageSummary(
    String stage,
    long seqLen,
    int ringSize,
    int rings,
    double stepSeconds,
    Breakdown breakdown,
    double mfu,
    Bottleneck bottleneck,
    Bottleneck largestWait,
    long peakMemoryBytes,
    boolean outOfMemory) {

  /**
   * Mean seconds per GPU: busy computing, waiting for ring blocks (exposed ring communication), for
   * ZeRO collectives (exposed data-parallel communication), for host copies (offload), in the
   * optimizer step, and idle (finished before the slowest GPU).
   */
  public record Breakdown(double computeSeconds, double exposedRingSeconds, double exposedZeroSeconds,
      double offloadCopySeconds, double optimizerSeconds, double idleSeconds) {}

  /**
   * What held the step back most: {@code part} of the breakdown (compute, ring, collective, host copy,
   * optimizer), its share of the step, and for communication the kind of link that limited it most.
   */
  public record Bottleneck(String part, double share, LinkKind link) {
    /** In words, e.g. "ring KV transfer through the NICs: 71% of the step". */
    public String describe() {
      String through = link == null ? "" : " through the " + linkWords(link);
      return String.format(Locale.ROOT, "%s%s: %.0f%% of the step", part, through, 100 * share);
    }

    private static String linkWords(LinkKind kind) {
      return switch (kind) {
        case NVLINK -> "NVLink";
        case PCIE -> "PCIe links";
        case HOST_BRIDGE -> "host bridges (PCIe switch uplinks)";
        case NIC -> "NICs";
        case FABRIC -> "fabric (switch-to-switch) links";
      };
    }
  }

  public static StageSummary of(StageWorkload workload, GpuProfile profile, StageOutcome outcome) {
    StageReport.StepReport step = outcome.report().steps().get(0);
    double stepSeconds = step.finishSeconds() - step.startSeconds();
    List<GpuStepReport> gpus = step.gpus();
    Breakdown breakdown = new Breakdown(
        mean(gpus, GpuStepReport::computeSeconds),
        mean(gpus, GpuStepReport::ringWaitSeconds),
        mean(gpus, GpuStepReport::collectiveWaitSeconds),
        mean(gpus, GpuStepReport::hostCopySeconds),
        mean(gpus, GpuStepReport::optimizerSeconds),
        mean(gpus, gpu -> step.finishSeconds() - gpu.finishSeconds()));
    double peakFlops = gpus.size() * profile.peakFlopsPerSecond() * stepSeconds;
    return new StageSummary(
        workload.stage().name(),
        workload.stage().seqLen(),
        workload.stage().ringSize(),
        workload.stage().rings(),
        stepSeconds,
        breakdown,
        modelFlops(workload) / peakFlops,
        largest(parts(breakdown), stepSeconds, outcome.bottleneckSeconds()),
        largest(parts(breakdown).stream().filter(part -> part.traffic() != null).toList(), stepSeconds,
            outcome.bottleneckSeconds()),
        gpus.stream().mapToLong(GpuStepReport::peakMemoryBytes).max().orElse(0),
        gpus.stream().anyMatch(GpuStepReport::outOfMemory));
  }

  /**
   * The step's model FLOPs, as MFU counts them (Chowdhery et al. 2022, "PaLM", appendix B): three
   * times the forward (backward twice the forward), without recomputation. Forward: 2 per parameter
   * of the decoder layers and the LM head per token, plus the attention, 4·Hq per causally attended
   * pair per layer; for every sequence of every micro-batch.
   */
  static double modelFlops(StageWorkload workload) {
    ModelShape model = workload.model();
    double tokens = workload.stage().seqLen();
    double matmulParameters = (double) model.layers() * model.layerParameters() + model.embeddingParameters();
    double causalPairs = tokens * (tokens + 1) / 2;
    double forward = 2 * matmulParameters * tokens + 4 * causalPairs * model.queryWidth() * model.layers();
    return 3 * forward * workload.stage().rings() * workload.stage().gradAccumulation();
  }

  /** A part of the breakdown that can hold a step back, and the traffic it waits for (none for work). */
  private record Part(String name, double seconds, Traffic traffic) {}

  private static List<Part> parts(Breakdown breakdown) {
    return List.of(
        new Part("compute", breakdown.computeSeconds(), null),
        new Part("ring KV transfer", breakdown.exposedRingSeconds(), Traffic.RING),
        new Part("ZeRO collectives", breakdown.exposedZeroSeconds(), Traffic.COLLECTIVE),
        new Part("host copies (offload)", breakdown.offloadCopySeconds(), Traffic.OFFLOAD),
        new Part("optimizer step", breakdown.optimizerSeconds(), null));
  }

  /** The largest of {@code parts}, and for communication the kind of link that limited it most. */
  private static Bottleneck largest(List<Part> parts, double stepSeconds, Map<Traffic, Map<LinkKind, Double>> limitedBy) {
    Part largest = parts.stream().max(Comparator.comparingDouble(Part::seconds)).orElseThrow();
    LinkKind link = largest.traffic() == null ? null
        : limitedBy.get(largest.traffic()).entrySet().stream().max(Map.Entry.comparingByValue())
            .filter(entry -> entry.getValue() > 0).map(Map.Entry::getKey).orElse(null);
    return new Bottleneck(largest.name(), stepSeconds > 0 ? largest.seconds() / stepSeconds : 0, link);
  }

  private static double mean(List<GpuStepReport> gpus, java.util.function.ToDoubleFunction<GpuStepReport> seconds) {
    return gpus.stream().mapToDouble(seconds).average().orElse(0);
  }
}
