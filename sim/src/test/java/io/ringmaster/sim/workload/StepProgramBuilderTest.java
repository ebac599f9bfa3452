package io.ringmaster.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.actors.protocol.CollectiveKind;
import io.ringmaster.actors.protocol.DenseKind;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.kernels.Masking;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StepProgramBuilderTest {
  private static final ModelShape MODEL = new ModelShape(4, 1024, 16, 4, 64, 3584, 32000);

  @Test
  void everyLayerRunsForwardRecomputeAndBackwardPassesInEveryMicroBatch() {
    List<StepOp> ops = build(3, true, true, 2).ops();
    List<StepOp.RingAttention> passes = ops.stream().filter(StepOp.RingAttention.class::isInstance)
        .map(StepOp.RingAttention.class::cast).toList();
    assertThat(passes).hasSize(2 * 3 * 4);
    // backward goes down the layers, each recomputed just before its backward
    assertThat(passes.subList(4, 8)).containsExactly(
        new StepOp.RingAttention(Pass.RECOMPUTE, 3), new StepOp.RingAttention(Pass.BACKWARD, 3),
        new StepOp.RingAttention(Pass.RECOMPUTE, 2), new StepOp.RingAttention(Pass.BACKWARD, 2));
    assertThat(build(3, false, false, 1).ops().stream().filter(StepOp.RingAttention.class::isInstance)).hasSize(8);
  }

  @Test
  void zeroThreeGathersEveryModuleBeforeEachUseAndReducesEveryLayersGradients() {
    List<StepOp> ops = build(3, true, true, 1).ops();
    List<StepOp.PostCollective> posts = ops.stream().filter(StepOp.PostCollective.class::isInstance)
        .map(StepOp.PostCollective.class::cast).toList();
    long gathers = posts.stream().filter(p -> p.kind() == CollectiveKind.ALL_GATHER).count();
    long reduces = posts.stream().filter(p -> p.kind() == CollectiveKind.REDUCE_SCATTER).count();
    // forward: embedding, 4 layers, LM head; backward: 4 layers twice (recompute, backward)
    assertThat(gathers).isEqualTo(1 + 4 + 1 + 2 * 4);
    // LM head, 4 layers, embedding
    assertThat(reduces).isEqualTo(6);
    // parameter offload stages this GPU's 1/8 share of a layer in from the host first; optimizer offload
    // drains its share of the reduced gradients out
    long layerBytes = MODEL.layerParameters() * 2;
    assertThat(posts).anySatisfy(p -> assertThat(p.stagingBytes()).isEqualTo((layerBytes + 7) / 8));
    assertThat(posts).filteredOn(p -> p.kind() == CollectiveKind.REDUCE_SCATTER)
        .allSatisfy(p -> assertThat(p.drainBytes()).isPositive());
  }

  @Test
  void eachWaitIsForAGatherWithTheNextModulesGatherAlreadyPosted() {
    List<StepOp> ops = build(3, false, true, 1).ops();
    java.util.List<StepOp.PostCollective> posts = new java.util.ArrayList<>();
    int prefetched = 0;
    int waits = 0;
    for (StepOp op : ops) {
      if (op instanceof StepOp.PostCollective post) {
        posts.add(post);
      } else if (op instanceof StepOp.AwaitCollective await) {
        waits++;
        assertThat(posts.get(posts.size() - 1 - await.postsAgo()).kind()).isEqualTo(CollectiveKind.ALL_GATHER);
        prefetched += await.postsAgo() > 0 ? 1 : 0;
      }
    }
    // 14 gathers waited for; only the last module of forward (the LM head) and of backward (layer 0)
    // have nothing to prefetch behind them
    assertThat(waits).isEqualTo(14);
    assertThat(prefetched).isEqualTo(12);
    // the optimizer step waits for every reduce-scatter
    int optimizer = ops.indexOf(new StepOp.Compute(new Work.OptimizerStep((MODEL.parameters() + 7) / 8, false)));
    assertThat(ops.get(optimizer - 1)).isInstanceOf(StepOp.AwaitAllCollectives.class);
  }

  @Test
  void denseFlopsAreTwoPerMultiplyAddAndDoubleInBackward() {
    StageWorkload workload = workload(3, false, true, 1);
    long tokens = workload.stage().tokensPerGpu();
    double h = 1024;
    double expected = tokens * (2 * 1024.0 * h + 6 * h * 3584);
    List<Work.Dense> dense = StepProgramBuilder.build(workload).ops().stream()
        .filter(StepOp.Compute.class::isInstance).map(op -> ((StepOp.Compute) op).work())
        .filter(Work.Dense.class::isInstance).map(Work.Dense.class::cast)
        .filter(d -> d.kind() == DenseKind.AFTER_ATTENTION && d.layer() == 1).toList();
    assertThat(dense).extracting(Work.Dense::pass).containsExactly(Pass.FORWARD, Pass.RECOMPUTE, Pass.BACKWARD);
    assertThat(dense.get(0).flops()).isEqualTo(expected);
    assertThat(dense.get(2).flops()).isEqualTo(2 * expected);
  }

  @Test
  void memoryComesBackToWhereItStarted() {
    long net = build(3, true, true, 2).ops().stream().filter(StepOp.Memory.class::isInstance)
        .mapToLong(op -> ((StepOp.Memory) op).deltaBytes()).sum();
    assertThat(net).isZero();
  }

  private static io.ringmaster.actors.protocol.StepProgram build(int zero, boolean offload, boolean checkpointing,
      int gradAccumulation) {
    return StepProgramBuilder.build(workload(zero, offload, checkpointing, gradAccumulation));
  }

  static StageWorkload workload(int zero, boolean offload, boolean checkpointing, int gradAccumulation) {
    TrainingSetup training = new TrainingSetup(2, zero, offload, offload && zero == 3, checkpointing, RingLayout.ZIGZAG,
        Masking.CAUSAL);
    StageShape stage = new StageShape("test", 4 * 4096, 4, 2, gradAccumulation);
    List<List<Integer>> rings = List.of(IntStream.range(0, 4).boxed().toList(), IntStream.range(4, 8).boxed().toList());
    return new StageWorkload(MODEL, training, stage, rings, new MemoryTerms(100, 10, 20, 5, 7, 1 << 20));
  }
}
