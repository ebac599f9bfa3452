package io.ringmaster.sim.planning;

import io.ringmaster.sim.memory.MemoryEstimator;
import io.ringmaster.sim.memory.StageMemory;
import io.ringmaster.topology.plan.AttentionLayout;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;

/**
 * Answers "does it fit", "what is the longest context that fits on this ring" and "what is the
 * smallest ring that fits this context" from the memory ledger. Memory grows with the sequence
 * length and shrinks with the ring size (fewer tokens per GPU, smaller ZeRO shards), so the
 * longest context is a binary search over the lengths the layout can split; the smallest ring is a
 * scan over the ring sizes that split the sequence (at most a few thousand ledgers of nanoseconds).
 */
public final class CapacityPlanner {
  /** No search goes beyond 2^36 tokens (68.7 billion): far past any GPU's memory, and safe from overflow. */
  private static final long MAX_SEARCH_TOKENS = 1L << 36;

  private final MemoryEstimator estimator = new MemoryEstimator();

  public StageFit assess(TrainingPlan plan, Stage stage) {
    return new StageFit(plan, stage, estimator.estimate(plan, stage), new Search.None());
  }

  public StageFit maxContext(TrainingPlan plan, Stage stage) {
    long started = System.nanoTime();
    long unit = plan.settings().layout().splitUnit(stage.ringSize());
    int ledgers = 0;
    long fittingUnits = 0;
    long failingUnits = 1;
    // Double until a length does not fit, then bisect between the last that fits and the first that does not.
    while (failingUnits * unit <= MAX_SEARCH_TOKENS && fits(plan, stage.withSeqLen(failingUnits * unit))) {
      ledgers++;
      fittingUnits = failingUnits;
      failingUnits *= 2;
    }
    ledgers++;
    while (failingUnits - fittingUnits > 1) {
      long middle = fittingUnits + (failingUnits - fittingUnits) / 2;
      ledgers++;
      if (fits(plan, stage.withSeqLen(middle * unit))) {
        fittingUnits = middle;
      } else {
        failingUnits = middle;
      }
    }
    Stage answer = stage.withSeqLen(Math.max(fittingUnits, 1) * unit);
    StageMemory memory = estimator.estimate(plan, answer);
    double seconds = (System.nanoTime() - started) / 1e9;
    return new StageFit(plan, answer, memory, new Search.MaxContext(fittingUnits * unit, ledgers, seconds));
  }

  public StageFit minRing(TrainingPlan plan, Stage stage) {
    long started = System.nanoTime();
    AttentionLayout layout = plan.settings().layout();
    int largestRing = plan.cluster().gpuCount() / stage.rings();
    int ledgers = 0;
    Stage lastTried = stage;
    for (int ringSize = 1; ringSize <= largestRing; ringSize++) {
      if (!layout.splitsEvenly(stage.seqLen(), ringSize)) {
        continue;
      }
      lastTried = stage.withRingSize(ringSize);
      ledgers++;
      StageMemory memory = estimator.estimate(plan, lastTried);
      if (memory.fits()) {
        double seconds = (System.nanoTime() - started) / 1e9;
        return new StageFit(plan, lastTried, memory, new Search.MinRing(ringSize, ledgers, seconds));
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    return new StageFit(plan, lastTried, estimator.estimate(plan, lastTried), new Search.MinRing(0, ledgers, seconds));
  }

  private boolean fits(TrainingPlan plan, Stage stage) {
    return estimator.estimate(plan, stage).fits();
  }
}
