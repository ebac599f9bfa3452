package io.ringmaster.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.actors.protocol.DenseKind;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.protocol.Work;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StepPositionTest {
  /** 4 layers, 2 micro-batches, full checkpointing, ZeRO-3 with offload (StepProgramBuilderTest's model). */
  private final StepProgram program = StepProgramBuilder.build(StepProgramBuilderTest.workload(3, true, true, 2));
  private final List<StepOp> ops = program.ops();

  @Test
  void ringPassesAreNamedByMicroBatchPartAndLayerCountingFromOne() {
    List<Integer> passes = IntStream.range(0, ops.size()).filter(i -> ops.get(i) instanceof StepOp.RingAttention)
        .boxed().toList();
    // per micro-batch: forward of layers 0..3, then recompute and backward of 3, 2, 1, 0: 12 passes
    assertThat(passes).hasSize(24);
    assertThat(describe(passes.get(0))).isEqualTo("micro-batch 1 of 2, forward, layer 1 of 4");
    assertThat(describe(passes.get(4))).isEqualTo("micro-batch 1 of 2, recompute, layer 4 of 4");
    assertThat(describe(passes.get(5))).isEqualTo("micro-batch 1 of 2, backward, layer 4 of 4");
    assertThat(describe(passes.get(12 + 10))).isEqualTo("micro-batch 2 of 2, recompute, layer 1 of 4");
    assertThat(describe(passes.get(23))).isEqualTo("micro-batch 2 of 2, backward, layer 1 of 4");
  }

  @Test
  void opsWithoutAPlaceTakeTheNextOnesAndTheStepEndsWithTheOptimizer() {
    // the first op allocates the resident state; then the embedding's gather, awaited before its forward
    assertThat(ops.get(0)).isInstanceOf(StepOp.Memory.class);
    assertThat(describe(0)).isEqualTo("micro-batch 1 of 2, forward, embedding");
    int lmHeadBackward = ops.indexOf(dense(DenseKind.LM_HEAD, Pass.BACKWARD));
    assertThat(describe(lmHeadBackward)).isEqualTo("micro-batch 1 of 2, backward, LM head");
    int optimizer = IntStream.range(0, ops.size()).filter(i -> ops.get(i) instanceof StepOp.Compute compute
        && compute.work() instanceof Work.OptimizerStep).findFirst().orElseThrow();
    assertThat(ops.get(optimizer - 1)).isInstanceOf(StepOp.AwaitAllCollectives.class);
    assertThat(describe(optimizer - 1)).isEqualTo("optimizer step");
    assertThat(describe(ops.size() - 1)).isEqualTo("optimizer step");
    assertThat(StepPosition.of(program, ops.size()))
        .isEqualTo(new StepPosition(StepPosition.Part.DONE, 2, 2, ""));
    assertThat(describe(ops.size())).isEqualTo("step done");
  }

  @Test
  void walkingTheProgramTheMicroBatchNeverGoesBackAndTheOptimizerComesLast() {
    StepPosition before = StepPosition.of(program, 0);
    for (int pc = 1; pc <= ops.size(); pc++) {
      StepPosition position = StepPosition.of(program, pc);
      assertThat(position.microBatch()).as("op %d", pc).isGreaterThanOrEqualTo(before.microBatch());
      if (before.part().compareTo(StepPosition.Part.OPTIMIZER) >= 0) {
        assertThat(position.part()).as("op %d", pc).isGreaterThanOrEqualTo(before.part());
      }
      before = position;
    }
  }

  @Test
  void oneMicroBatchIsNotNamed() {
    StepProgram single = StepProgramBuilder.build(StepProgramBuilderTest.workload(3, false, true, 1));
    int firstPass = single.ops().indexOf(new StepOp.RingAttention(Pass.FORWARD, 0));
    assertThat(StepPosition.of(single, firstPass).describe()).isEqualTo("forward, layer 1 of 4");
  }

  private String describe(int programCounter) {
    return StepPosition.of(program, programCounter).describe();
  }

  private StepOp dense(DenseKind kind, Pass pass) {
    return ops.stream().filter(op -> op instanceof StepOp.Compute compute && compute.work() instanceof Work.Dense d
        && d.kind() == kind && d.pass() == pass).findFirst().orElseThrow();
  }
}
