package io.ringmaster.actors.protocol;

import java.util.List;

/** What one GPU does in one training step (all micro-batches and the optimizer step), in order. */
public record StepProgram(List<StepOp> ops) {
  public StepProgram {
    ops = List.copyOf(ops);
  }
}
