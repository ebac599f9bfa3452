package io.ringmaster.sim.workload;

import io.ringmaster.actors.protocol.DenseKind;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.protocol.Work;
import java.util.List;
import java.util.Locale;

/**
 * Where a GPU is in its training step, in a user's terms: the micro-batch, the part of it (forward,
 * recompute, backward) and the layer or module; or the optimizer step. Read back from the program
 * {@link StepProgramBuilder} writes, where each micro-batch begins with the embedding's forward. An op
 * with no place of its own (memory, a collective posted or awaited) takes the place of the next op that
 * has one: what the GPU is on its way to.
 *
 * @param microBatch counts from 1
 * @param module {@code layer 17 of 32}, {@code embedding}, {@code LM head}; empty for the optimizer step
 *     and the end
 */
public record StepPosition(Part part, int microBatch, int microBatches, String module) {
  /** The parts of a step, in the order a micro-batch meets them; the optimizer step once, at the end. */
  public enum Part { FORWARD, RECOMPUTE, BACKWARD, OPTIMIZER, DONE }

  /** The position of the GPU running {@code program} at op {@code programCounter}. */
  public static StepPosition of(StepProgram program, int programCounter) {
    List<StepOp> ops = program.ops();
    int microBatches = microBatchesUpTo(ops, ops.size() - 1);
    if (programCounter >= ops.size()) {
      return new StepPosition(Part.DONE, microBatches, microBatches, "");
    }
    int layers = ops.stream().filter(StepOp.RingAttention.class::isInstance)
        .mapToInt(op -> ((StepOp.RingAttention) op).layer() + 1).max().orElse(0);
    for (int i = programCounter; i < ops.size(); i++) {
      StepOp op = ops.get(i);
      if (op instanceof StepOp.RingAttention ring) {
        return new StepPosition(part(ring.pass()), microBatchesUpTo(ops, i), microBatches,
            layer(ring.layer(), layers));
      }
      if (op instanceof StepOp.Compute compute && compute.work() instanceof Work.Dense dense) {
        return new StepPosition(part(dense.pass()), microBatchesUpTo(ops, i), microBatches, module(dense, layers));
      }
      if (op instanceof StepOp.Compute compute && compute.work() instanceof Work.OptimizerStep) {
        break;
      }
    }
    // the optimizer step, or what follows it (its results copied back, the updated parameters gathered)
    return new StepPosition(Part.OPTIMIZER, microBatches, microBatches, "");
  }

  /** E.g. {@code micro-batch 2 of 2, backward, layer 17 of 32}; the micro-batch only if there are several. */
  public String describe() {
    return switch (part) {
      case OPTIMIZER -> "optimizer step";
      case DONE -> "step done";
      default -> (microBatches > 1 ? "micro-batch " + microBatch + " of " + microBatches + ", " : "")
          + part.name().toLowerCase(Locale.ROOT) + ", " + module;
    };
  }

  private static int microBatchesUpTo(List<StepOp> ops, int last) {
    int count = 0;
    for (int i = 0; i <= last; i++) {
      if (ops.get(i) instanceof StepOp.Compute compute && compute.work() instanceof Work.Dense dense
          && dense.kind() == DenseKind.EMBEDDING && dense.pass() == Pass.FORWARD) {
        count++;
      }
    }
    return count;
  }

  private static Part part(Pass pass) {
    return switch (pass) {
      case FORWARD -> Part.FORWARD;
      case RECOMPUTE -> Part.RECOMPUTE;
      case BACKWARD -> Part.BACKWARD;
    };
  }

  private static String module(Work.Dense dense, int layers) {
    return switch (dense.kind()) {
      case EMBEDDING -> "embedding";
      case LM_HEAD -> "LM head";
      default -> layer(dense.layer(), layers);
    };
  }

  private static String layer(int layer, int layers) {
    return "layer " + (layer + 1) + " of " + layers;
  }
}
