package io.ringmaster.sim.workload;

/**
 * A simulated stage of a plan: one training step's summary, and what it means for the stage's steps.
 *
 * @param steps the stage's training steps (each as long as the one simulated)
 * @param capacityBytes the memory a GPU of the stage has (its ledger's capacity)
 * @param events the simulation events of the step (deterministic: the same inputs give the same count)
 */
public record StageResult(StageSummary summary, int steps, long capacityBytes, long events) {
  public double minutes() {
    return steps * summary.stepSeconds() / 60;
  }
}
