package io.ringmaster.sim.workload;

import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.kernels.Masking;
import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.engine.StageSetup;
import io.ringmaster.sim.memory.MemoryEstimator;
import io.ringmaster.sim.memory.MemoryLedger;
import io.ringmaster.sim.memory.StageMemory;
import io.ringmaster.topology.model.ModelSpec;
import io.ringmaster.topology.network.ClusterNetwork;
import io.ringmaster.topology.network.Network;
import io.ringmaster.topology.placement.Ring;
import io.ringmaster.topology.plan.Checkpointing;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import io.ringmaster.topology.plan.TrainingSettings;
import java.util.List;

/**
 * The adapter from a training plan (issue 2's topology records) to what the engine simulates: the
 * stage's workload, its memory from the plan's memory ledger, and the cluster's network.
 */
public final class PlanWorkloads {
  private PlanWorkloads() {}

  /** One stage of a plan on the plan's cluster, with every ring placed as the plan says. */
  public static StageSetup setup(TrainingPlan plan, Stage stage, GpuProfile profile, int steps) {
    return setup(plan, stage, ClusterNetwork.of(plan.cluster()), profile, steps);
  }

  public static StageSetup setup(TrainingPlan plan, Stage stage, Network network, GpuProfile profile, int steps) {
    return StageAssembly.setup(workload(plan, stage), network, profile, steps);
  }

  public static StageWorkload workload(TrainingPlan plan, Stage stage) {
    ModelSpec spec = plan.model();
    ModelShape model = new ModelShape(spec.layers(), spec.hiddenSize(), spec.attentionHeads(), spec.kvHeads(),
        spec.headDim(), spec.ffnSize(), spec.vocabSize());
    TrainingSettings settings = plan.settings();
    TrainingSetup training = new TrainingSetup(
        settings.precision().bytesPerElement(),
        settings.zeroStage(),
        settings.offload().optimizer(),
        settings.offload().parameters(),
        settings.checkpointing() == Checkpointing.FULL,
        RingLayout.valueOf(settings.layout().name()),
        Masking.CAUSAL);
    StageShape shape = new StageShape(stage.name(), stage.seqLen(), stage.ringSize(), stage.rings(),
        stage.gradAccumulation());
    List<List<Integer>> rings = stage.ringLayout().stream().map(Ring::gpus).toList();
    return new StageWorkload(model, training, shape, rings, memory(plan, stage, spec));
  }

  /**
   * The ledger's entries as the step allocates them: resident (weights, gradients, optimizer state,
   * workspace) all step long, each layer's share of the saved activations from its forward to its
   * backward, the working set during a layer's backward, ring buffers during a pass, logits around the
   * LM head.
   */
  private static MemoryTerms memory(TrainingPlan plan, Stage stage, ModelSpec spec) {
    StageMemory estimate = new MemoryEstimator().estimate(plan, stage);
    MemoryLedger ledger = estimate.gpu();
    return new MemoryTerms(
        ledger.weightsBytes() + ledger.gradientsBytes() + ledger.optimizerBytes() + ledger.workspaceBytes(),
        ledger.activationsBytes() / spec.layers(),
        ledger.recomputeWorkingSetBytes(),
        ledger.ringBuffersBytes(),
        ledger.logitsBytes(),
        estimate.capacityBytes());
  }
}
