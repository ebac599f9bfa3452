package io.ringmaster.sim.planning;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.sim.memory.MemoryEstimator;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import org.junit.jupiter.api.Test;

class CapacityPlannerTest {
  private final CapacityPlanner planner = new CapacityPlanner();
  private final MemoryEstimator estimator = new MemoryEstimator();

  private static TrainingPlan llama8b(String layout, String seqLen, String gpus, String rings) {
    return Plans.oneStage("model", "llama-3-8b", "cluster", "crusoe-l40s:512", "offload", "optimizer+parameters",
        "layout", layout, "seq-len", seqLen, "gpus", gpus, "rings", rings);
  }

  @Test
  void maxContextFitsAndOneMoreUnitDoesNot() {
    TrainingPlan plan = llama8b("zigzag", "64", "32", "1");
    StageFit fit = planner.maxContext(plan, plan.stages().get(0));
    long max = ((Search.MaxContext) fit.search()).maxSeqLen();
    long unit = 2 * 32;
    assertThat(max % unit).isZero();
    assertThat(fit.stage().seqLen()).isEqualTo(max);
    assertThat(fit.memory().fits()).isTrue();
    assertThat(estimator.estimate(plan, plan.stages().get(0).withSeqLen(max + unit)).fits()).isFalse();
  }

  @Test
  void maxContextIsZeroWhenNothingFits() {
    // Llama-3-70B with nothing sharded or offloaded on one L40S: the weights alone are 140 GB.
    TrainingPlan plan = Plans.oneStage("model", "llama-3-70b", "cluster", "crusoe-l40s:8", "zero", "0",
        "layout", "ring", "seq-len", "1", "gpus", "1");
    StageFit fit = planner.maxContext(plan, plan.stages().get(0));
    assertThat(((Search.MaxContext) fit.search()).maxSeqLen()).isZero();
    assertThat(fit.memory().fits()).isFalse();
  }

  @Test
  void minRingFitsAndNoSmallerRingDoes() {
    TrainingPlan plan = llama8b("zigzag", "1M", "2", "2");
    Stage stage = plan.stages().get(0);
    StageFit fit = planner.minRing(plan, stage);
    int min = ((Search.MinRing) fit.search()).minRing();
    assertThat(min).isPositive();
    assertThat(fit.stage().ringSize()).isEqualTo(min);
    assertThat(fit.stage().rings()).isEqualTo(2);
    assertThat(fit.memory().fits()).isTrue();
    for (int smaller = 1; smaller < min; smaller++) {
      if (plan.settings().layout().splitsEvenly(stage.seqLen(), smaller)) {
        assertThat(estimator.estimate(plan, stage.withRingSize(smaller)).fits()).as("ring %d", smaller).isFalse();
      }
    }
  }

  @Test
  void minRingIsZeroWhenNoRingOnTheClusterFits() {
    TrainingPlan plan = Plans.oneStage("model", "llama-3-8b", "cluster", "crusoe-l40s:16", "offload", "optimizer+parameters",
        "seq-len", "64M", "gpus", "1");
    StageFit fit = planner.minRing(plan, plan.stages().get(0));
    assertThat(((Search.MinRing) fit.search()).minRing()).isZero();
    assertThat(fit.stage().ringSize()).isEqualTo(16); // the largest ring tried
    assertThat(fit.memory().fits()).isFalse();
  }

  @Test
  void assessLeavesTheStageAsItIs() {
    TrainingPlan plan = llama8b("ring", "64K", "8", "1");
    StageFit fit = planner.assess(plan, plan.stages().get(0));
    assertThat(fit.stage()).isEqualTo(plan.stages().get(0));
    assertThat(fit.search()).isEqualTo(new Search.None());
  }
}
