package io.ringmaster.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.sim.memory.MemoryEstimator;
import io.ringmaster.sim.memory.MemoryLedger;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import org.junit.jupiter.api.Test;

/** The adapter from issue 2's plan records to the engine's workload. */
class PlanWorkloadsTest {
  @Test
  void theGradientPlansStagesBecomeWorkloads() {
    TrainingPlan plan = PlanLoader.load("gradient-llama3-8b");
    Stage stage = plan.stages().get(2);
    StageWorkload workload = PlanWorkloads.workload(plan, stage);
    assertThat(workload.model()).isEqualTo(new ModelShape(32, 4096, 32, 8, 128, 14336, 128256));
    assertThat(workload.training()).isEqualTo(new TrainingSetup(2, 3, true, true, true, RingLayout.ZIGZAG,
        io.ringmaster.kernels.Masking.CAUSAL));
    assertThat(workload.stage()).isEqualTo(new StageShape("524K", 524288, 32, 16, 1));
    assertThat(workload.rings()).hasSize(16);
    assertThat(workload.rings().get(1).get(0)).isEqualTo(32);
    assertThat(workload.model().parameters()).isEqualTo(plan.model().parameters());

    MemoryLedger ledger = new MemoryEstimator().estimate(plan, stage).gpu();
    assertThat(workload.memory().residentBytes())
        .isEqualTo(ledger.weightsBytes() + ledger.gradientsBytes() + ledger.optimizerBytes() + ledger.workspaceBytes());
    assertThat(workload.memory().savedPerLayerBytes()).isEqualTo(ledger.activationsBytes() / 32);
    assertThat(workload.memory().capacityBytes()).isEqualTo(46068L << 20);
  }
}
