package io.ringmaster.actors.protocol;

import java.util.List;

/** What a stage's GPUs reported, step by step, in GPU order; the same shape in sim and live. */
public record StageReport(String stage, List<StepReport> steps) {
  public StageReport {
    steps = List.copyOf(steps);
  }

  /** One training step: every GPU's account, and its blocks when block reports were asked for. */
  public record StepReport(int step, List<GpuStepReport> gpus, List<BlockReport> blocks) {
    public StepReport {
      gpus = List.copyOf(gpus);
      blocks = List.copyOf(blocks);
    }

    public double startSeconds() {
      return gpus.stream().mapToDouble(GpuStepReport::startSeconds).min().orElse(0);
    }

    public double finishSeconds() {
      return gpus.stream().mapToDouble(GpuStepReport::finishSeconds).max().orElse(0);
    }
  }
}
