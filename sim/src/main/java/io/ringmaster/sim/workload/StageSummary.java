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
    long peakMemoryBytes,
    boolean outOfMemory) {

  /**
   * Mean seconds per GPU: busy computing, waiting for ring blocks (exposed ring communication), for
   * ZeRO collectives (exposed data-parallel communication), for host copies (offload), in the
   * optimizer step, and idle (finished before the slowest GPU).
   */
  public record Breakdown(double computeSeconds, double exposedRingSeconds, double exposedCollectiveSeconds,
      double hostCopySeconds, double optimizerSeconds, double idleSeconds) {}

  /**
   * What held the step back most: {@code part} of the breakdown (compute, ring, collective, host copy,
   * optimizer), its share of the step, and for communication the kind of link that limited it most.
   */
  public record Bottleneck(String part, double share, LinkKind link) {
    /** In words, e.g. "ring KV transfer through the NIC links: 71% of the step". */
    public String describe() {
      String through = link == null ? "" : " through the " + link.name() + " links";
      return String.format(Locale.ROOT, "%s%s: %.0f%% of the step", part, through, 100 * share);
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
        bottleneck(breakdown, stepSeconds, outcome.bottleneckSeconds()),
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

  private static Bottleneck bottleneck(Breakdown breakdown, double stepSeconds,
      Map<Traffic, Map<LinkKind, Double>> limitedBy) {
    record Part(String name, double seconds, Traffic traffic) {}
    Part largest = List.of(
            new Part("compute", breakdown.computeSeconds(), null),
            new Part("ring KV transfer", breakdown.exposedRingSeconds(), Traffic.RING),
            new Part("ZeRO collectives", breakdown.exposedCollectiveSeconds(), Traffic.COLLECTIVE),
            new Part("host copies (offload)", breakdown.hostCopySeconds(), Traffic.OFFLOAD),
            new Part("optimizer step", breakdown.optimizerSeconds(), null))
        .stream().max(Comparator.comparingDouble(Part::seconds)).orElseThrow();
    LinkKind link = largest.traffic() == null ? null
        : limitedBy.get(largest.traffic()).entrySet().stream().max(Map.Entry.comparingByValue())
            .filter(entry -> entry.getValue() > 0).map(Map.Entry::getKey).orElse(null);
    return new Bottleneck(largest.name(), stepSeconds > 0 ? largest.seconds() / stepSeconds : 0, link);
  }

  private static double mean(List<GpuStepReport> gpus, java.util.function.ToDoubleFunction<GpuStepReport> seconds) {
    return gpus.stream().mapToDouble(seconds).average().orElse(0);
  }
}
